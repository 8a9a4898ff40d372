"""Tampered, foreign, expired and fuzzed packages: rejected every time, no server error, nothing imported."""

import datetime as dt
import io
import os
import random
import zipfile

import pytest
from django.conf import settings as django_settings

from linkage.exchange import certificates, importer, services
from linkage.exchange.hubclient import HubClient, HubError
from linkage.exchange.models import InboxStatus, ReceivedPackage, ReceivedSchedule
from linkage.signing import pki, sealing
from linkage.signing.package import build_package, new_package_id
from portal.offices.tenancy import office_scope
from tests.exchange.samples import schedule_unit
from tests.exchange.world import make_world

pytestmark = pytest.mark.slow
N = 25  # per category


def package(cm, provider, *, key, cert, unit=None, files=None):
    unit = unit or schedule_unit(
        sender=cm.office.office_number,
        recipient=provider.office.office_number,
        recipient_kind="11",
        month="202604",
        clients=[(c.insured_number, c.full_name, c.full_name_kana) for c in provider.clients],
        sequence=dt.datetime(2026, 3, 25, 10, random.randint(0, 59), random.randint(0, 59)),
    )
    return build_package(
        files=files or unit.files,
        key=key,
        certificate=cert,
        package_id=new_package_id(),
        sender_office=cm.office.office_number,
        sender_kind="43",
        recipient_office=provider.office.office_number,
        recipient_kind="11",
        sequence=unit.sequence,
        unit_kind="schedule",
        month="202604",
        created_at=dt.datetime.now(dt.UTC),
    )


def tamper(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            content = src.read(name)
            if name.startswith("UPPLAN"):
                i = random.randrange(len(content))
                content = content[:i] + bytes([content[i] ^ 0x01]) + content[i + 1 :]
            zf.writestr(name, content)
    return out.getvalue()


@pytest.fixture
def parties(exchange_env, hub_ca):
    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    key, cert = pki.issue_office_certificate(hub_ca, office_number=cm.office.office_number)
    return cm, providers[0], key, cert


def test_bad_packages_rejected_at_hub_and_at_receiver_100_percent(parties, hub_ca):
    cm, provider, key, cert = parties
    now = pki.utcnow()
    other_key, other_cert = pki.issue_office_certificate(hub_ca, office_number=provider.office.office_number)
    expired = pki.issue_office_certificate(
        hub_ca,
        office_number=cm.office.office_number,
        not_before=now - dt.timedelta(days=30),
        not_after=now - dt.timedelta(days=1),
    )
    rogue = pki.issue_office_certificate(pki.create_test_ca(), office_number=cm.office.office_number)
    makers = {
        "tampered": lambda: tamper(package(cm, provider, key=key, cert=cert)),
        "other_office_certificate": lambda: package(cm, provider, key=other_key, cert=other_cert),
        "expired_certificate": lambda: package(cm, provider, key=expired[0], cert=expired[1]),
        "untrusted_ca": lambda: package(cm, provider, key=rogue[0], cert=rogue[1]),
    }
    hub = HubClient(django_settings.RENKEI_HUB_URL, office_number=cm.office.office_number, key=key, certificate=cert)
    figures = {}
    for name, make in makers.items():
        refused_hub = refused_receiver = 0
        for _ in range(N):
            data = make()
            try:
                hub.submit(data)
            except HubError as exc:
                refused_hub += exc.status == 422
            with office_scope(provider.office):
                record = importer.received_package_store(office=provider.office, data=data, package_id=new_package_id())
                refused_receiver += record.status == InboxStatus.REJECTED
        figures[name] = (refused_hub, refused_receiver)
    with office_scope(provider.office):
        importer.imports_run(office=provider.office)
        assert not ReceivedSchedule.objects.exists()
        assert not ReceivedPackage.objects.exclude(status=InboxStatus.REJECTED).exists()
    print(f"\nFIGURES rejections (hub/receiver of {N} each): {figures}")
    assert all(v == (N, N) for v in figures.values())


def test_fuzzed_packages_no_server_error_nothing_imported(parties):
    cm, provider, key, cert = parties
    hub = HubClient(django_settings.RENKEI_HUB_URL, office_number=cm.office.office_number, key=key, certificate=cert)
    valid = package(cm, provider, key=key, cert=cert)
    blobs = [os.urandom(random.randint(0, 3000)) for _ in range(60)]
    blobs += [valid[: random.randint(0, len(valid) - 1)] for _ in range(60)]
    blobs += [b"PK\x03\x04" + os.urandom(200) for _ in range(20)]
    statuses = []
    for blob in blobs:
        try:
            hub.submit(blob)
            statuses.append(201)
        except HubError as exc:
            statuses.append(exc.status)
        with office_scope(provider.office):
            importer.received_package_store(office=provider.office, data=blob, package_id=new_package_id())
    assert all(s is not None and 400 <= s < 500 for s in statuses), statuses
    with office_scope(provider.office):
        importer.imports_run(office=provider.office)
        assert ReceivedPackage.objects.filter(status=InboxStatus.REJECTED).count() == len(blobs)
        assert not ReceivedSchedule.objects.exists()
    print(f"\nFIGURES fuzz: {len(blobs)} blobs, hub 5xx=0, receiver rejected={len(blobs)}, imported=0")


def test_valid_signature_over_invalid_csv_is_delivered_but_never_imported(parties):
    cm, provider, key, cert = parties
    unit = schedule_unit(
        sender=cm.office.office_number,
        recipient=provider.office.office_number,
        recipient_kind="11",
        month="202604",
        clients=[(c.insured_number, c.full_name, c.full_name_kana) for c in provider.clients],
    )
    bad_files = [(n, d.replace(b"\r\n", b",extra\r\n", 1)) for n, d in unit.files]
    hub = HubClient(django_settings.RENKEI_HUB_URL, office_number=cm.office.office_number, key=key, certificate=cert)
    with office_scope(provider.office):
        recipient = certificates.signing_identity(provider.office).certificate
    hub.submit(
        sealing.seal_package(
            package(cm, provider, key=key, cert=cert, unit=unit, files=bad_files),
            key=key,
            certificate=cert,
            recipients=[recipient],
        )
    )
    with office_scope(provider.office):
        services.office_sync(office=provider.office)
        record = ReceivedPackage.objects.get()
        assert record.status == InboxStatus.REJECTED
        assert any(f["severity"] == "error" for f in record.findings)
        assert not ReceivedSchedule.objects.exists()
    with office_scope(cm.office):
        status = hub.sent()[-1]["status"]
    assert status == "rejected"
