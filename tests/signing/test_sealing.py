"""Sealed packages without a hub: RSA and EC recipients, wrong keys, tampering, routing data only outside."""

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from linkage.signing import pki, sealing
from linkage.signing.package import build_package, new_package_id, open_package
from tests.exchange.samples import schedule_unit


def signed_package(key, cert, sender="1310000001", recipient="1370000011"):
    unit = schedule_unit(sender=sender, recipient=recipient)
    return build_package(
        files=unit.files,
        key=key,
        certificate=cert,
        package_id=new_package_id(),
        sender_office=sender,
        sender_kind="43",
        recipient_office=recipient,
        recipient_kind="11",
        sequence=unit.sequence,
        unit_kind="schedule",
        month="202504",
        created_at=dt.datetime.now(dt.UTC),
    )


def test_sealed_to_an_rsa_and_an_ec_certificate_each_opens_it(test_ca):
    sender_key, sender_cert = pki.issue_office_certificate(test_ca, office_number="1310000001")
    ec_key, ec_cert = pki.issue_office_certificate(test_ca, office_number="1370000011")
    rsa_key, rsa_cert = pki.issue_office_certificate(
        test_ca, office_number="1370000011", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    inner = signed_package(sender_key, sender_cert)
    data = sealing.seal_package(inner, key=sender_key, certificate=sender_cert, recipients=[ec_cert, rsa_cert])
    envelope = sealing.read_envelope(data)
    sealing.verify_envelope(envelope, roots=[test_ca.certificate])
    assert envelope.sender_office == "1310000001" and envelope.recipient_office == "1370000011"
    assert b"1000000001" not in data and "山田".encode("cp932") not in data
    for fpr, key in ((pki.fingerprint(ec_cert), ec_key), (pki.fingerprint(rsa_cert), rsa_key)):
        opened = sealing.unseal(envelope, {fpr: key})
        assert opened == inner and open_package(opened, roots=[test_ca.certificate]).sender_office == "1310000001"
    with pytest.raises(sealing.SealError) as e:
        sealing.unseal(envelope, {pki.fingerprint(sender_cert): sender_key})
    assert e.value.code == "no_key"


def test_recipient_certificates_keeps_only_what_the_sender_can_trust_and_use(test_ca):
    _, good = pki.issue_office_certificate(test_ca, office_number="1370000011")
    _, ed = pki.issue_office_certificate(test_ca, office_number="1370000011", key=ed25519.Ed25519PrivateKey.generate())
    now = pki.utcnow()
    _, expired = pki.issue_office_certificate(
        test_ca, office_number="1370000011", not_before=now - dt.timedelta(days=9), not_after=now - dt.timedelta(days=1)
    )
    rows = [{"certificate_pem": pki.certificate_pem(c)} for c in (good, ed, expired)] + [{"certificate_pem": "garbage"}]
    kept = sealing.recipient_certificates(rows, office_number="1370000011", roots=[test_ca.certificate])
    assert [pki.fingerprint(c) for c in kept] == [pki.fingerprint(good)]


def test_a_swapped_header_or_payload_is_refused(test_ca):
    key, cert = pki.issue_office_certificate(test_ca, office_number="1310000001")
    rkey, rcert = pki.issue_office_certificate(test_ca, office_number="1370000011")
    one = sealing.seal_package(signed_package(key, cert), key=key, certificate=cert, recipients=[rcert])
    two = sealing.seal_package(signed_package(key, cert), key=key, certificate=cert, recipients=[rcert])
    a, b = sealing.read_envelope(one), sealing.read_envelope(two)
    a.payload = b.payload  # another package's ciphertext under this header
    with pytest.raises(sealing.SealError) as e:
        sealing.verify_envelope(a, roots=[test_ca.certificate])
    assert e.value.code == "tampered"
    with pytest.raises(sealing.SealError):
        sealing.unseal(a, {pki.fingerprint(rcert): rkey})
    for bad in (b"", b"RENKEI-SEALED/1\n\x00\x00", b"PK\x03\x04", one[:200]):
        with pytest.raises(sealing.SealError):
            sealing.read_envelope(bad)
