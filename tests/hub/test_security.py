"""The hub stores only what it cannot read, keeps a revocation list, and bounds what it accepts (issue 13: 7, 8, 9)."""

import datetime as dt
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from linkage.exchange.hubclient import HubError
from linkage.signing import pki, sealing
from tests.hub.conftest import start_hub
from tests.hub.process import ROOT
from tests.hub.test_api import client_for, make_package

pytestmark = pytest.mark.slow


def sealed(sender, recipient, data=None, recipients=None):
    data = data or make_package(sender, recipient, seal=False)
    return sealing.seal_package(
        data, key=sender.key, certificate=sender.certificate, recipients=recipients or [recipient.certificate]
    )


def readable(blob: bytes) -> bytes:
    """Everything an operator could read from a stored blob: the bytes and, for a ZIP, its members."""
    out = [blob]
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            out += [readable(zf.read(n)) for n in zf.namelist()]
    except zipfile.BadZipFile:
        pass
    return b"\n".join(out)


def hub_command(hub, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=hub.env(), capture_output=True, text=True, check=True
    ).stdout


# --------------------------------------------------------------------------- 7: encrypted packages


def test_hub_refuses_a_package_that_is_not_encrypted(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    provider.register()
    with pytest.raises(HubError) as e:
        care.submit(make_package(care, provider, seal=False))
    assert e.value.status == 422 and e.value.code == "not_sealed" and "暗号化" in e.value.args[0]
    assert provider.inbox() == []


def test_hub_publishes_each_offices_current_certificates_and_the_sender_verifies_them(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    assert care.office_certificates(provider.office_number) == []  # not registered yet
    provider.register()
    rows = care.office_certificates(provider.office_number)
    assert [r["fingerprint"] for r in rows] == [provider.fingerprint]
    roots = pki.load_trusted_roots(hub_ca.path)
    certs = sealing.recipient_certificates(rows, office_number=provider.office_number, roots=roots)
    assert [pki.fingerprint(c) for c in certs] == [provider.fingerprint]
    # a hub (or a man in the middle) handing out another office's or an untrusted certificate is not believed
    stranger = client_for(hub, hub_ca)
    rogue = client_for(hub, pki.create_test_ca(), number=provider.office_number)
    forged = [
        {"fingerprint": "x", "certificate_pem": pki.certificate_pem(c)}
        for c in (stranger.certificate, rogue.certificate)
    ]
    assert sealing.recipient_certificates(forged, office_number=provider.office_number, roots=roots) == []


def test_sealed_package_is_delivered_but_the_hub_cannot_read_it(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    provider.register()
    inner = make_package(care, provider, seal=False)
    data = sealed(care, provider, inner)
    pid = care.submit(data)["package_id"]
    assert [p["package_id"] for p in provider.inbox()] == [pid]
    fetched = provider.fetch(pid)
    assert fetched == data
    stored = b"".join(readable(p.read_bytes()) for p in Path(hub.storage_dir).rglob("*") if p.is_file())
    for secret in ("1000000001", "山田", "ヤマダ"):
        assert secret.encode("utf-8") not in stored and secret.encode("cp932") not in stored
    assert secret.encode("cp932") in readable(inner)  # the plain package would have shown it
    envelope = sealing.read_envelope(fetched)
    assert sealing.unseal(envelope, {provider.fingerprint: provider.key}) == inner
    with pytest.raises(sealing.SealError):
        sealing.unseal(envelope, {care.fingerprint: care.key})  # only the recipient can open it


def test_tampered_or_foreign_envelopes_are_refused(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    provider.register()
    data = bytearray(sealed(care, provider))
    data[-10] ^= 0x01
    with pytest.raises(HubError) as e:
        care.submit(bytes(data))
    assert e.value.code == "tampered"
    other = client_for(hub, hub_ca)
    forged = sealing.seal_package(
        make_package(care, provider, key=other.key, certificate=other.certificate, seal=False),
        key=other.key,
        certificate=other.certificate,
        recipients=[provider.certificate],
    )
    with pytest.raises(HubError) as e:
        care.submit(forged)
    assert e.value.code == "certificate_office"


def test_acknowledged_packages_are_deleted_after_the_retention_period(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    provider.register()
    acked = care.submit(sealed(care, provider))["package_id"]
    waiting = care.submit(sealed(care, provider))["package_id"]
    provider.ack(acked, "received")
    status = care.status(acked)
    delete_after = dt.datetime.fromisoformat(status["delete_after"])
    assert dt.timedelta(days=29) < delete_after - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)
    assert care.status(waiting)["delete_after"] is None  # kept until acknowledged
    hub_command(hub, "hub_purge")  # default 30 days: nothing due yet
    assert provider.fetch(acked)
    assert "件のパッケージを削除しました" in hub_command(hub, "hub_purge", "--days", "0")
    with pytest.raises(HubError) as e:
        provider.fetch(acked)
    assert e.value.status == 410 and "削除" in e.value.args[0]
    status = care.status(acked)
    assert status["deleted_at"] and status["status"] == "received"
    assert any(p["package_id"] == acked and p["deleted_at"] for p in care.sent())
    assert provider.fetch(waiting)  # not acknowledged: still delivered


# --------------------------------------------------------------------------- 8: revocation


def test_revoked_certificate_cannot_sign_in_send_or_fetch(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    provider.register()
    pid = care.submit(sealed(care, provider))["package_id"]
    result = provider.revoke(provider.fingerprint, "鍵の漏えい")
    assert result["fingerprint"] == provider.fingerprint and result["revoked_at"]
    for call in (
        provider.inbox,
        lambda: provider.fetch(pid),
        lambda: provider.ack(pid, "received"),
        provider.register,
        lambda: provider.submit(sealed(provider, care)),
    ):
        with pytest.raises(HubError) as e:
            call()
        assert e.value.code == "revoked_certificate" and "失効" in e.value.args[0]
    assert care.office_certificates(provider.office_number) == []
    assert provider.fingerprint in {r["fingerprint"] for r in care.revocations()}
    # another office cannot revoke a certificate that is not its own
    stranger = client_for(hub, hub_ca)
    stranger.register()
    with pytest.raises(HubError) as e:
        care.revoke(stranger.fingerprint)
    assert e.value.status == 404
    assert stranger.inbox() == []


def test_operator_revokes_a_certificate_on_the_hub(hub, hub_ca):
    office = client_for(hub, hub_ca)
    office.register()
    hub_command(hub, "hub_revoke_certificate", office.fingerprint, "--reason", "運営者による失効")
    with pytest.raises(HubError) as e:
        office.inbox()
    assert e.value.code == "revoked_certificate"


def test_a_new_certificate_revokes_the_previous_one_after_the_overlap(hub, hub_ca):
    old = client_for(hub, hub_ca)
    old.register()
    new = client_for(hub, hub_ca, number=old.office_number)
    new.register()
    # during the overlap (24 h by default) both work and both are published
    assert old.inbox() == [] and new.inbox() == []
    rows = {r["fingerprint"]: r for r in new.office_certificates(old.office_number)}
    assert set(rows) == {old.fingerprint, new.fingerprint}
    assert rows[old.fingerprint]["revokes_at"] and rows[new.fingerprint]["revokes_at"] is None


@pytest.fixture(scope="module")
def hub_without_overlap(hub_ca, tmp_path_factory):
    process = start_hub(hub_ca, tmp_path_factory, "noverlap", HUB_CERTIFICATE_OVERLAP_HOURS="0")
    yield process
    process.stop()


def test_a_replaced_certificate_no_longer_reads_the_inbox(hub_without_overlap, hub_ca):
    hub = hub_without_overlap
    care, old = client_for(hub, hub_ca), client_for(hub, hub_ca)
    old.register()
    pid = care.submit(sealed(care, old))["package_id"]
    new = client_for(hub, hub_ca, number=old.office_number)
    new.register()
    for call in (old.inbox, lambda: old.fetch(pid), lambda: old.submit(sealed(old, care))):
        with pytest.raises(HubError) as e:
            call()
        assert e.value.code == "revoked_certificate"
    assert [p["package_id"] for p in new.inbox()] == [pid]
    assert [r["fingerprint"] for r in care.office_certificates(old.office_number)] == [new.fingerprint]


# --------------------------------------------------------------------------- 9: limits


def test_oversized_package_is_refused_before_it_is_read(hub, hub_ca):
    care, provider = client_for(hub, hub_ca), client_for(hub, hub_ca)
    provider.register()
    with pytest.raises(HubError) as e:
        care.submit(b"\0" * (8 * 1024 * 1024 + 1))
    assert e.value.status == 413 and e.value.code == "too_large" and "大きすぎ" in e.value.args[0]
    assert provider.inbox() == []
