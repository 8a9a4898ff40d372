"""Through the portal and a real hub: encrypted packages, retention, revocation, limits (issue 13: 7, 8, 9)."""

import datetime as dt
import hashlib
import io
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from linkage.exchange import certificates, importer, services
from linkage.exchange.hubclient import HubClient, HubError
from linkage.exchange.models import InboxStatus, OfficeCertificate, Package, PackageStatus, ReceivedPackage
from linkage.signing import pki, sealing
from linkage.signing.package import (
    CERTIFICATE,
    MANIFEST,
    SIGNATURE,
    PackageError,
    make_manifest,
    new_package_id,
    open_package,
)
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.exchange.world import MONTH, make_world
from tests.forms import submit
from tests.hub.process import ROOT
from tests.hub.test_security import readable

pytestmark = pytest.mark.slow


def deliver_all(office):
    with office_scope(office):
        for pk in Package.objects.filter(office=office, status=PackageStatus.QUEUED).values_list("pk", flat=True):
            assert services.package_deliver(package_pk=pk).outcome == "sent"


def sync(office):
    with office_scope(office):
        return services.office_sync(office=office)


def send_month(cm):
    with office_scope(cm.office):
        units = services.month_send_plan(office=cm.office, month=MONTH)
        return services.units_send(office=cm.office, actor=cm.admin, units=units, label="4月分")


def hub_client(office):
    with office_scope(office):
        return services.hub_client_for(office)


def hub_command(hub, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=hub.env(), capture_output=True, text=True, check=True
    ).stdout


# --------------------------------------------------------------------------- 7


def test_the_hub_holds_no_readable_health_data(exchange_env, hub_ca):
    cm, providers = make_world(hub_ca, clients=2, providers=(("11", "1211"),))
    provider = providers[0]
    send_month(cm)
    deliver_all(cm.office)
    assert sync(provider.office)["imported"] == 1
    dump = subprocess.run(["pg_dump", "--data-only", exchange_env.database_url], capture_output=True, check=True).stdout
    stored = b"".join(readable(p.read_bytes()) for p in Path(exchange_env.storage_dir).rglob("*") if p.is_file())
    assert stored
    for c in cm.clients:
        for secret in (c.family_name + " " + c.given_name, c.given_name, c.insured_number, c.family_name_kana):
            for encoding in ("utf-8", "cp932"):
                assert secret.encode(encoding) not in dump, secret
                assert secret.encode(encoding) not in stored, secret


def test_deleted_from_the_hub_after_retention_and_the_senders_audit_shows_when(exchange_env, hub_ca):
    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    provider = providers[0]
    send_month(cm)
    deliver_all(cm.office)
    sync(provider.office)
    hub_command(exchange_env, "hub_purge", "--days", "0")
    sync(cm.office)
    with office_scope(cm.office):
        package = Package.objects.get()
        assert package.status == PackageStatus.IMPORTED and package.hub_deleted_at is not None
    web = login_client(cm.admin)
    page = web.get(reverse("partners:audit")).content.decode()
    assert "連携基盤から削除" in page
    assert "連携基盤から削除" in web.get(reverse("exchange:package", args=[package.pk])).content.decode()


# --------------------------------------------------------------------------- 8


def test_an_office_admin_revokes_a_certificate_on_its_page(exchange_env, hub_ca):
    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    with office_scope(cm.office):
        record = OfficeCertificate.objects.get(office=cm.office)
        client = services.hub_client_for(cm.office)
    assert client.inbox() == []
    web = login_client(cm.admin)
    url = reverse("exchange:certificates")
    response = submit(web, url, {}, button="失効させる", form=f"revoke-{record.pk}", follow=True)
    assert "チェックを入れてください" in response.content.decode()  # nobody ticked: nothing happens
    assert client.inbox() == []
    response = submit(web, url, {"confirm": True}, button="失効させる", form=f"revoke-{record.pk}", follow=True)
    page = response.content.decode()
    assert "失効させました" in page and "失効済" in page
    with pytest.raises(HubError) as e:
        client.inbox()
    assert e.value.code == "revoked_certificate"
    with office_scope(cm.office):
        record.refresh_from_db()
        assert record.revoked_at is not None and not record.is_active
        with pytest.raises(certificates.NoCertificate):
            certificates.signing_identity(cm.office)
    assert "電子証明書の失効" in web.get(reverse("partners:audit")).content.decode()


# --------------------------------------------------------------------------- 9


def bomb_package(*, key, cert, sender, recipient, size=250 * 1024 * 1024) -> bytes:
    """A correctly signed package whose one CSV unpacks to ``size`` bytes (about 0.25 MB compressed)."""
    name = f"UPPLAN_{sender}43{recipient}11_20260325100000_202604.CSV"
    digest = hashlib.sha256()
    chunk = b"0" * (1024 * 1024)
    for _ in range(size // len(chunk)):
        digest.update(chunk)
    manifest = make_manifest(
        package_id=new_package_id(),
        files=[],
        sender_office=sender,
        sender_kind="43",
        recipient_office=recipient,
        recipient_kind="11",
        sequence="20260325100000",
        unit_kind="schedule",
        month="202604",
        created_at=dt.datetime.now(dt.UTC),
    )
    manifest = manifest.replace(
        b'"files":[]',
        b'"files":[{"name":"%s","sha256":"%s","size":%d}]' % (name.encode(), digest.hexdigest().encode(), size),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(MANIFEST, manifest)
        zf.writestr(SIGNATURE, pki.sign(key, manifest))
        zf.writestr(CERTIFICATE, pki.certificate_pem(cert))
        with zf.open(name, "w", force_zip64=True) as member:
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_quickly_with_bounded_memory(test_ca):
    key, cert = pki.issue_office_certificate(test_ca, office_number="1310000001")
    data = bomb_package(key=key, cert=cert, sender="1310000001", recipient="1370000011")
    assert len(data) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(PackageError) as e:
            open_package(data, roots=[test_ca.certificate])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.value.code == "too_large_unpacked" and "展開" in str(e.value)
    assert peak < 48 * 1024 * 1024, peak


def test_a_zip_bomb_through_the_hub_is_kept_aside_and_the_sender_told(exchange_env, hub_ca):
    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    provider = providers[0]
    with office_scope(cm.office):
        identity = certificates.signing_identity(cm.office)
    inner = bomb_package(
        key=identity.key,
        cert=identity.certificate,
        sender=cm.office.office_number,
        recipient=provider.office.office_number,
    )
    client = hub_client(cm.office)
    rows = client.office_certificates(provider.office.office_number)
    recipients = sealing.recipient_certificates(
        rows, office_number=provider.office.office_number, roots=pki.load_trusted_roots(hub_ca.path)
    )
    data = sealing.seal_package(inner, key=identity.key, certificate=identity.certificate, recipients=recipients)
    pid = client.submit(data)["package_id"]
    with office_scope(cm.office):  # the sender's outbox row, as units_send would have made it
        from linkage.exchange.models import SendBatch

        batch = SendBatch.objects.create(office=cm.office, label="4月分")
        Package.objects.create(
            office=cm.office,
            batch=batch,
            package_id=pid,
            unit_kind="schedule",
            sender_kind="43",
            recipient_office_number=provider.office.office_number,
            recipient_kind="11",
            sequence="20260325100000",
            content=inner,
            status=PackageStatus.SENT,
        )
    sync(provider.office)
    with office_scope(provider.office):
        record = ReceivedPackage.objects.get()
        assert record.status == InboxStatus.REJECTED and "展開" in record.error
        from linkage.exchange.models import ReceivedSchedule

        assert not ReceivedSchedule.objects.exists()
    sync(cm.office)
    with office_scope(cm.office):
        package = Package.objects.get(package_id=pid)
        assert package.status == PackageStatus.REJECTED and "展開" in package.remote_detail
    assert "展開" in login_client(cm.admin).get(reverse("exchange:batch", args=[batch.pk])).content.decode()


def test_a_package_from_an_office_that_is_not_a_partner_is_not_opened(exchange_env, hub_ca, monkeypatch):
    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    stranger, _ = make_world(hub_ca, clients=1, providers=(("15", "1121"),))
    provider = providers[0]
    with office_scope(stranger.office):
        identity = certificates.signing_identity(stranger.office)
    from tests.hub.test_api import make_package

    sender = HubClient(
        exchange_env.url,
        office_number=stranger.office.office_number,
        key=identity.key,
        certificate=identity.certificate,
    )
    recipient = hub_client(provider.office)
    inner = make_package(sender, recipient, seal=False)
    sender.submit(
        sealing.seal_package(
            inner, key=identity.key, certificate=identity.certificate, recipients=[recipient.certificate]
        )
    )

    def must_not_run(*args, **kwargs):
        raise AssertionError("a package from a stranger was opened")

    monkeypatch.setattr(importer, "open_package", must_not_run)
    monkeypatch.setattr(sealing, "unseal", must_not_run)
    sync(provider.office)
    with office_scope(provider.office):
        record = ReceivedPackage.objects.get()
        assert record.status == InboxStatus.REJECTED and "連携先に登録されていない" in record.error
        assert record.sender_office_number == stranger.office.office_number
    monkeypatch.undo()
    # once they are partners, 「もう一度取り込む」 opens the kept package and goes on to the checks
    from tests.factories import make_partnership

    make_partnership(stranger.office, provider.office, ["11"])
    with office_scope(provider.office):
        importer.package_retry(office=provider.office, received=record)
        record.refresh_from_db()
        assert "連携先に登録されていない" not in record.error and "検証に失敗" not in record.error
        assert record.files and record.status in (InboxStatus.PENDING_CLIENT, InboxStatus.REJECTED)


def test_received_notices_are_aggregated_and_rate_limited(
    exchange_env, hub_ca, mailoutbox, django_capture_on_commit_callbacks
):
    cm, providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    provider = providers[0]
    for _ in range(3):
        send_month(cm)
        deliver_all(cm.office)
        with django_capture_on_commit_callbacks(execute=True):
            sync(provider.office)
    assert len(mailoutbox) == 1 and "1件" in mailoutbox[0].subject
    from linkage.exchange.models import HubSync

    with office_scope(provider.office):  # the rate limit's interval (1 hour by default) has passed
        HubSync.objects.filter(office=provider.office).update(
            notice_sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        )
    with django_capture_on_commit_callbacks(execute=True):
        sync(provider.office)  # nothing new arrives: the waiting notices go out as one mail
    assert len(mailoutbox) == 2 and "2件" in mailoutbox[1].subject
    with django_capture_on_commit_callbacks(execute=True):
        sync(provider.office)
    assert len(mailoutbox) == 2


def test_a_send_unit_over_the_size_limit_is_refused_before_anything_is_stored(db, trusted_ca, settings):
    cm, _providers = make_world(trusted_ca, clients=2, providers=(("11", "1211"),))
    settings.RENKEI_PACKAGE_MAX_BYTES = 2000
    with pytest.raises(services.SendError) as e:
        send_month(cm)
    assert "大きすぎます" in str(e.value) and "利用者を分けて" in str(e.value)
    with office_scope(cm.office):
        assert not Package.objects.exists()


def test_a_recipient_certificate_the_sender_cannot_trust_stops_the_send(exchange_env, hub_ca, settings, tmp_path):
    cm, _providers = make_world(hub_ca, clients=1, providers=(("11", "1211"),))
    send_month(cm)
    other = tmp_path / "other-ca.pem"
    other.write_bytes(pki.create_test_ca().pem())
    settings.RENKEI_TRUSTED_CA_FILE = str(other)  # the hub hands out certificates this portal does not trust
    with office_scope(cm.office):
        package = Package.objects.get()
        assert services.package_deliver(package_pk=package.pk).outcome == "error"
        package.refresh_from_db()
    assert package.status == PackageStatus.ERROR and "確認できないため、送信を中止しました" in package.last_error
    assert package.sealed_content is None
