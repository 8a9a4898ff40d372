"""The hub as a real process: signed requests, package submission, delivery until acknowledged."""

import datetime as dt
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from linkage.exchange.hubclient import HubClient, HubError
from linkage.hub import protocol
from linkage.signing import pki, sealing
from linkage.signing.package import build_package, new_package_id
from tests.exchange.samples import schedule_unit
from tests.hub.process import ROOT

pytestmark = pytest.mark.slow

_numbers = iter(range(10_000, 99_999))


def office_number():
    return f"27{next(_numbers):08d}"


def client_for(hub, ca, number=None, **cert_kwargs):
    number = number or office_number()
    key, cert = pki.issue_office_certificate(ca, office_number=number, **cert_kwargs)
    return HubClient(hub.url, office_number=number, key=key, certificate=cert, timeout=10)


def make_package(
    sender: HubClient, recipient: HubClient, *, package_id=None, key=None, certificate=None, unit=None, seal=True
):
    """A signed package, sealed (encrypted to the recipient's certificate, signed outside) unless ``seal=False``."""
    unit = unit or schedule_unit(sender=sender.office_number, recipient=recipient.office_number)
    key, certificate = key or sender.key, certificate or sender.certificate
    data = build_package(
        files=unit.files,
        key=key,
        certificate=certificate,
        package_id=package_id or new_package_id(),
        sender_office=sender.office_number,
        sender_kind="43",
        recipient_office=recipient.office_number,
        recipient_kind="11",
        sequence=unit.sequence,
        unit_kind="schedule",
        month="202504",
        created_at=dt.datetime.now(dt.UTC),
    )
    if seal:
        data = sealing.seal_package(data, key=key, certificate=certificate, recipients=[recipient.certificate])
    return data


def raw(hub, method, path, headers, body=b""):
    request = urllib.request.Request(hub.url + path, data=body or None, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_submit_deliver_until_acknowledged_and_status(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    data = make_package(care, provider)
    submitted = care.submit(data)
    assert submitted["status"] == "submitted" and submitted["duplicate"] is False
    pid = submitted["package_id"]
    # delivered on every poll until acknowledged
    for _ in range(2):
        assert [p["package_id"] for p in provider.inbox()] == [pid]
        assert provider.fetch(pid) == data
    assert care.inbox() == []
    provider.ack(pid, "received")
    assert provider.inbox() == []
    assert care.status(pid)["status"] == "received"
    provider.ack(pid, "imported")
    provider.ack(pid, "received")  # late duplicate ack does not go back
    status = care.status(pid)
    assert status["status"] == "imported" and status["imported_at"]
    assert [p["status"] for p in care.sent() if p["package_id"] == pid] == ["imported"]


def test_submit_is_idempotent_by_package_id(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    pid = new_package_id()
    data = make_package(care, provider, package_id=pid)
    assert care.submit(data)["duplicate"] is False
    assert care.submit(data)["duplicate"] is True
    assert [p["package_id"] for p in provider.inbox()] == [pid]
    other = make_package(care, provider, package_id=pid)  # same id, different content (created_at)
    with pytest.raises(HubError) as e:
        care.submit(other)
    assert e.value.status == 409


def test_other_offices_cannot_see_or_acknowledge(hub, hub_ca):
    care, provider, stranger = client_for(hub, hub_ca), client_for(hub, hub_ca), client_for(hub, hub_ca)
    pid = care.submit(make_package(care, provider))["package_id"]
    assert stranger.inbox() == []
    for call in (
        lambda: stranger.fetch(pid),
        lambda: stranger.status(pid),
        lambda: stranger.ack(pid, "received"),
        lambda: care.ack(pid, "imported"),
    ):
        with pytest.raises(HubError) as e:
            call()
        assert e.value.status == 404


@pytest.mark.parametrize(
    "case", ["tampered", "other_office_cert", "expired_cert", "untrusted_cert", "not_sender", "garbage"]
)
def test_bad_packages_are_rejected(case, hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    submitter = care
    if case == "tampered":  # one bit of the encrypted payload flipped after signing
        data = bytearray(make_package(care, provider))
        data[-20] ^= 0x01
        data, expected = bytes(data), "tampered"
    elif case == "other_office_cert":
        other = client_for(hub, hub_ca)
        data, expected = (
            make_package(care, provider, key=other.key, certificate=other.certificate),
            "certificate_office",
        )
    elif case == "expired_cert":
        now = pki.utcnow()
        key, cert = pki.issue_office_certificate(
            hub_ca,
            office_number=care.office_number,
            not_before=now - dt.timedelta(days=10),
            not_after=now - dt.timedelta(days=1),
        )
        data, expected = make_package(care, provider, key=key, certificate=cert), "expired_certificate"
    elif case == "untrusted_cert":
        key, cert = pki.issue_office_certificate(pki.create_test_ca(), office_number=care.office_number)
        data, expected = make_package(care, provider, key=key, certificate=cert), "untrusted_certificate"
    elif case == "not_sender":
        data, expected, submitter = make_package(care, provider), "not_sender", provider
    else:
        data, expected = b"PK\x03\x04 definitely not a zip", "not_sealed"
    with pytest.raises(HubError) as e:
        submitter.submit(data)
    assert e.value.code == expected and e.value.retryable is False
    assert e.value.args[0]  # a Japanese message
    assert provider.inbox() == []


def test_signed_request_rules(hub, hub_ca):
    office = client_for(hub, hub_ca)
    office.register()
    path = "/api/inbox?limit=5"

    def headers(**kw):
        return protocol.sign_headers(
            key=kw.get("key", office.key),
            fingerprint=office.fingerprint,
            office_number=kw.get("office", office.office_number),
            method="GET",
            path=path,
            now=kw.get("now"),
        )

    good = headers()
    assert raw(hub, "GET", path, good)[0] == 200
    status, body = raw(hub, "GET", path, good)
    assert (status, body["error"]) == (401, "replay")
    assert raw(hub, "GET", path, {})[1]["error"] == "unauthenticated"
    assert raw(hub, "GET", path, headers(now=0))[1]["error"] == "clock_skew"
    assert raw(hub, "GET", path, headers(key=pki.new_key()))[1]["error"] == "bad_signature"
    assert raw(hub, "GET", path, headers(office="2700000000"))[1]["error"] == "wrong_office"
    tampered = dict(headers())
    assert raw(hub, "GET", "/api/inbox?limit=6", tampered)[1]["error"] == "bad_signature"


def test_certificate_registration_requires_trusted_ca(hub, hub_ca):
    rogue = client_for(hub, pki.create_test_ca())
    with pytest.raises(HubError) as e:
        rogue.register()
    assert e.value.code == "untrusted_certificate"
    with pytest.raises(HubError) as e:
        rogue.inbox()  # unknown certificate → client registers → refused
    assert e.value.code == "untrusted_certificate"


def test_openapi_documents_exactly_the_urlconf(hub):
    with urllib.request.urlopen(hub.url + "/api/openapi.json") as r:
        documented = set(json.loads(r.read())["paths"])
    script = (
        "import django, json; django.setup(); from config.hub_urls import urlpatterns as u; "
        "print(json.dumps([str(p.pattern) for p in u]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=hub.env(), capture_output=True, text=True, check=True
    )
    routes = {"/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", p) for p in json.loads(out.stdout)}
    assert documented == routes
