"""Walk the URLconf: every office-scoped URL answers 404 to a member of another office."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.offices.tenancy import office_scope
from tests.isolation_objects import EXEMPT, MAKERS

SKIP_NAMESPACES = {"admin"}


def _walk(patterns, namespace=None, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in SKIP_NAMESPACES or "allauth" in str(p.urlconf_name):
                continue
            full_ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else ns
            yield from _walk(p.url_patterns, full_ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, p


def object_urls():
    found = []
    for name, pattern in _walk(get_resolver().url_patterns):
        kwargs = list(pattern.pattern.converters)
        if kwargs and name not in EXEMPT:
            found.append((name, tuple(kwargs)))
    return sorted(set(found))


def test_every_url_kwarg_has_a_maker():
    missing = {(name, kw) for name, kwargs in object_urls() for kw in kwargs if kw not in MAKERS}
    assert not missing, f"register makers in tests/isolation_objects.py for: {sorted(missing)}"


@pytest.mark.parametrize("name,kwargs", object_urls(), ids=[n for n, _ in object_urls()])
def test_other_office_gets_404(name, kwargs, office, owner, owner_client, outsider_client):
    with office_scope(office):
        values = {kw: MAKERS[kw](office, owner) for kw in kwargs}
    url = reverse(name, kwargs=values)

    def ask(client):
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        return response.status_code

    assert ask(outsider_client) == 404, f"{name} ({url}) must answer 404 to another office"
    assert ask(owner_client) != 404, f"{name} ({url}) must exist for its own office"


# --- Office kind and role: declared once on the view, walked here --------------------------------

# Pages that only a 居宅介護支援事業所 has (issue 13 item 10). A provider office gets 403 from each.
CARE_OFFICE_PAGES = {
    "careplans:list",
    "prevention:client_index",
    "prevention:plan",
    "exchange:comparison",
    "billing:economics",
    "exchange:send_month",
    "exchange:send_plan",
    "exchange:plan_csv",
    "documents:careplan_pdf",
}


def all_urls():
    """Every named route of the URLconf (allauth and the Django admin excepted), with dummy arguments."""
    found = []
    for name, pattern in _walk(get_resolver().url_patterns):
        kwargs = {kw: ("x" if conv.regex != "[0-9]+" else 999999) for kw, conv in pattern.pattern.converters.items()}
        found.append((name, reverse(name, kwargs=kwargs), pattern.callback))
    return sorted(found, key=lambda item: item[0])


def _office_rule(view):
    return getattr(view, "office_kinds", None), getattr(view, "office_roles", None)


def test_care_office_pages_declare_their_kind():
    declared = {name for name, _, view in all_urls() if _office_rule(view)[0] == ("care_management",)}
    assert CARE_OFFICE_PAGES <= declared
    assert {name for name, _, _ in all_urls() if name.startswith("careplans:")} <= declared
    assert {name for name, _, _ in all_urls() if name.startswith("prevention:")} <= declared


def _ask(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response.status_code


@pytest.mark.parametrize("name,url,view", all_urls(), ids=[n for n, _, _ in all_urls()])
def test_provider_office_and_clerk_get_403_where_the_view_says_so(name, url, view, db):
    from portal.offices.models import Role
    from tests.conftest import login_client
    from tests.factories import MembershipFactory, OfficeFactory

    kinds, roles = _office_rule(view)
    if kinds is None and roles is None:
        return
    provider = login_client(MembershipFactory(office=OfficeFactory(kinds=["11"]), role=Role.ADMIN))
    clerk = login_client(MembershipFactory(office=OfficeFactory(kinds=["43"]), role=Role.CLERK))
    if kinds is not None and "provider" not in kinds:
        assert _ask(provider, url) == 403, f"{name} ({url}) must refuse a provider office"
    if roles is not None and Role.CLERK not in roles:
        assert _ask(clerk, url) == 403, f"{name} ({url}) must refuse a clerk"


# --- Pages for partners without an account (issue 19): the token and the access code are the key ----

LINK_NAMESPACE = "paperlink"


def link_urls():
    return sorted(
        (name, tuple(pattern.pattern.converters))
        for name, pattern in _walk(get_resolver().url_patterns)
        if name.startswith(LINK_NAMESPACE + ":")
    )


def test_link_pages_answer_404_without_a_valid_token_and_code(office, owner, outsider_client, owner_client):
    """Every page under /l/ answers 404 to a made-up token, and (all but the code page) to a real token
    whose code was not entered — also to signed-in members of the sending office and of another office."""
    import re

    from django.test import Client

    from portal.paperlinks import services
    from tests.documents.conftest import HOME_HELP, MONTH, make_client, make_schedule
    from tests.factories import make_consent, make_external_partnership
    from tests.forms import submit

    with office_scope(office):
        partner = make_external_partnership(office, HOME_HELP[0], HOME_HELP[1], ["11"])
        client = make_client(office)
        schedule = make_schedule(client)
        make_consent(office, client, partner)
        new = services.paper_link_create(office=office, membership=owner, partnership=partner, month=MONTH)
        other = services.paper_link_create(office=office, membership=owner, partnership=partner, month=MONTH)
    token = new.url.rstrip("/").rsplit("/", 1)[1]
    routes = link_urls()
    assert {name for name, _ in routes} >= {
        "paperlink:enter",
        "paperlink:sheet",
        "paperlink:pdf",
        "paperlink:answer",
        "paperlink:join",
    }

    def url(name, kwargs, token):
        values = {"token": token, "schedule_id": schedule.pk}
        return reverse(name, kwargs={kw: values[kw] for kw in kwargs})

    anonymous = Client()
    for name, kwargs in routes:
        for browser in (anonymous, owner_client, outsider_client):
            for fake in ("x", token[:-1] + ("A" if token[-1] != "A" else "B"), "0" * 70):
                assert _ask(browser, url(name, kwargs, fake)) == 404, f"{name} must answer 404 to a made-up token"
            if name != "paperlink:enter":
                assert _ask(browser, url(name, kwargs, token)) == 404, f"{name} must answer 404 before the code"
    # with the code of the other link entered, this link's pages still answer 404
    other_path = re.sub(r"^https?://[^/]+", "", other.url)
    assert submit(anonymous, other_path, {"code": other.code}, button="提供票を開く").status_code == 302
    for name, kwargs in routes:
        if name != "paperlink:enter":
            assert _ask(anonymous, url(name, kwargs, token)) == 404, f"{name} opened with another link's code"
    # and once its own code is entered, they open
    path = re.sub(r"^https?://[^/]+", "", new.url)
    assert submit(anonymous, path, {"code": new.code}, button="提供票を開く").status_code == 302
    for name, kwargs in routes:
        assert _ask(anonymous, url(name, kwargs, token)) in (200, 302), f"{name} must open with its code"
