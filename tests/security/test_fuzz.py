"""Item 12: server errors are bugs. Garbage to every route of the URLconf (as an office member, a
provider office and an anonymous visitor) and to every hub endpoint answers, never with a 5xx.

For each route the walker GETs the page with garbage query parameters, then posts garbage: to the
page itself with the usual parameter names, and to every form the page renders with each of its
fields filled with garbage (the fields a browser would send, read with tests/forms.py).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory
from tests.forms import parse_forms
from tests.hub.conftest import hub, hub_ca  # noqa: F401  (the real hub process)
from tests.isolation_objects import MAKERS
from tests.test_isolation import _walk

GARBAGE = ["x", "-99999999999999999999999", "\x00'\"<>"]
NAMES = [
    "month",
    "version",
    "new_day",
    "day",
    "page",
    "lock_version",
    "client_id",
    "clients",
    "office_id",
    "status",
    "date_from",
    "date_to",
    "q",
    "s",
    "preview",
    "channel",
    "delete",
    "role",
    "service_type_codes",
    "kind",
    "inline",
    "year",
    "tables",
    "partner",
    "client",
    "action",
    "code",
    "updated_after",
    "limit",
]


def _routes():
    from django.urls import get_resolver

    return sorted(
        {
            (name, tuple((kw, type(conv).__name__) for kw, conv in pattern.pattern.converters.items()))
            for name, pattern in _walk(get_resolver().url_patterns)
        }
    )


ROUTES = _routes()


def _url(name, kwargs, office, owner):
    values = {}
    for kw, converter in kwargs:
        maker = MAKERS.get(kw)
        values[kw] = maker(office, owner) if maker else (999999 if converter == "IntConverter" else "garbage-token")
    return reverse(name, kwargs=values)


def _assert_no_5xx(client, url, who):
    for value in GARBAGE:
        query = {n: value for n in NAMES}
        response = client.get(url, query)
        assert response.status_code < 500, f"GET {url} {value!r} as {who}: {response.status_code}"
        response = client.post(url, query)
        assert response.status_code < 500, f"POST {url} {value!r} as {who}: {response.status_code}"
    page = client.get(url)
    if page.status_code != 200 or not page.get("Content-Type", "").startswith("text/html"):
        return
    for form in parse_forms(page.content.decode()):
        if form.attrs.get("method", "get").lower() != "post":
            continue
        action = form.attrs.get("action") or url
        names = sorted(form.names() - {"csrfmiddlewaretoken"})
        pressed = sorted({(b.name, b.value) for b in form.buttons if b.name})[:6] or [None]
        for value in GARBAGE:
            for button in pressed:
                data = {n: value for n in names}
                if button is not None:
                    data[button[0]] = button[1]
                response = client.post(action, data)
                assert response.status_code < 500, (
                    f"POST form {action} {value!r} {button} as {who}: {response.status_code}"
                )


@pytest.mark.parametrize("name,kwargs", ROUTES, ids=[n for n, _ in ROUTES])
def test_garbage_to_every_route_gives_no_server_error(name, kwargs, office, owner, member, outsider_office):
    with office_scope(office):
        url = _url(name, kwargs, office, owner)
    provider = login_client(MembershipFactory(office=OfficeFactory(kinds=["11"]), role=Role.SERVICE_STAFF))
    _assert_no_5xx(login_client(member), url, "member")
    _assert_no_5xx(provider, url, "provider")
    _assert_no_5xx(Client(), url, "anonymous")


# --- the hub -------------------------------------------------------------------------------------

HUB_BODIES = [
    b"",
    b"x",
    b"{",
    b"[]",
    b"null",
    b'{"status": 5}',
    b'{"status": ["received"]}',
    b"[" * 100000 + b"]" * 100000,
    b'{"a":' * 50000 + b"1" + b"}" * 50000,
    "\x00é".encode(),
    b"\xff\xfe",
]


@pytest.mark.slow
def test_garbage_to_every_hub_endpoint_gives_no_server_error(hub, hub_ca):
    from linkage.exchange.hubclient import HubError
    from tests.hub.test_api import client_for, make_package

    sender, recipient = client_for(hub, hub_ca), client_for(hub, hub_ca)
    package_id = sender.submit(make_package(sender, recipient))["package_id"]
    paths = [
        "/api/health",
        "/api/openapi.json",
        "/api/certificates",
        "/api/packages",
        "/api/inbox",
        "/api/sent",
        f"/api/packages/{package_id}",
        f"/api/packages/{package_id}/status",
        f"/api/packages/{package_id}/ack",
        "/api/packages/not-a-uuid/ack",
    ]
    queries = [
        "",
        "?limit=x",
        "?limit=-5",
        "?limit=1e999",
        "?updated_after=x",
        "?updated_after=2026-99-99T99:99",
        "?updated_after=%00",
    ]

    def status_of(call):
        try:
            return call()[0]
        except HubError as exc:
            assert exc.status is not None, str(exc)
            return exc.status

    for path in paths:
        for who in (sender, recipient):
            for query in queries:
                status = status_of(lambda who=who, path=path, query=query: who._request("GET", path + query))
                assert status < 500, f"GET {path}{query}: {status}"
            for body in HUB_BODIES:
                for content_type in ("application/json", "application/zip", "application/x-pem-file"):
                    status = status_of(
                        lambda who=who, path=path, body=body, content_type=content_type: who._request(
                            "POST", path, body, content_type
                        )
                    )
                    assert status < 500, f"POST {path} {body[:20]!r} {content_type}: {status}"
    # Unsigned and badly signed requests.
    import urllib.error
    import urllib.request

    for headers in (
        {},
        {"X-Renkei-Office": "x" * 5000, "X-Renkei-Timestamp": "9" * 5000},
        {"X-Renkei-Timestamp": "-1", "X-Renkei-Nonce": "\xe9\xff", "X-Renkei-Signature": "%%%"},
    ):
        for path in paths:
            request = urllib.request.Request(hub.url + path, data=b"{}", headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            assert status < 500, f"unsigned POST {path} {headers}: {status}"
