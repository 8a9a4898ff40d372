"""Signed packages: build, verify, and refuse everything that is not exactly what was signed."""

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage.signing import pki
from linkage.signing.package import (
    MANIFEST,
    SIGNATURE,
    PackageError,
    build_package,
    new_package_id,
    open_package,
    peek_manifest,
)
from tests.exchange.samples import schedule_unit

SENDER, RECIPIENT = "1300000001", "1300000002"


@pytest.fixture(scope="module")
def ca():
    return pki.create_test_ca()


@pytest.fixture(scope="module")
def sender_identity(ca):
    return pki.issue_office_certificate(ca, office_number=SENDER)


def package(identity, *, unit=None, sender=SENDER, **overrides):
    unit = unit or schedule_unit(sender=sender, recipient=RECIPIENT)
    key, cert = identity
    args = dict(
        files=unit.files,
        key=key,
        certificate=cert,
        package_id=new_package_id(),
        sender_office=sender,
        sender_kind="43",
        recipient_office=RECIPIENT,
        recipient_kind="11",
        sequence=unit.sequence,
        unit_kind="schedule",
        month="202504",
        created_at=dt.datetime.now(dt.UTC),
    )
    args.update(overrides)
    return build_package(**args), unit


def rezip(data, change):
    members = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            members[name] = zf.read(name)
    change(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def test_roundtrip(ca, sender_identity):
    data, unit = package(sender_identity)
    verified = open_package(data, roots=[ca.certificate])
    assert verified.files == unit.files
    assert verified.sender_office == SENDER and verified.recipient_office == RECIPIENT
    assert verified.manifest["sequence"] == unit.sequence
    assert [f["name"] for f in verified.manifest["files"]] == [n for n, _ in unit.files]


def test_tampered_file_is_refused(ca, sender_identity):
    data, unit = package(sender_identity)
    name = unit.files[0][0]

    def tamper(m):
        m[name] = m[name].replace(b"250", b"990", 1)

    with pytest.raises(PackageError) as e:
        open_package(rezip(data, tamper), roots=[ca.certificate])
    assert e.value.code == "tampered" and "改ざん" in str(e.value)


def test_tampered_manifest_is_refused(ca, sender_identity):
    data, _ = package(sender_identity)
    with pytest.raises(PackageError) as e:
        open_package(
            rezip(data, lambda m: m.update({MANIFEST: m[MANIFEST].replace(b"202504", b"202505")})),
            roots=[ca.certificate],
        )
    assert e.value.code == "bad_signature"


def test_signature_by_another_offices_certificate_is_refused(ca):
    other = pki.issue_office_certificate(ca, office_number="1399999999")
    data, _ = package(other)  # manifest says SENDER, signed with 1399999999's certificate
    with pytest.raises(PackageError) as e:
        open_package(data, roots=[ca.certificate])
    assert e.value.code == "certificate_office"


def test_certificate_from_untrusted_ca_is_refused(ca):
    rogue = pki.issue_office_certificate(pki.create_test_ca(), office_number=SENDER)
    data, _ = package(rogue)
    with pytest.raises(PackageError) as e:
        open_package(data, roots=[ca.certificate])
    assert e.value.code == "untrusted_certificate"


def test_expired_certificate_is_refused(ca, sender_identity):
    data, _ = package(sender_identity)
    later = pki.utcnow() + dt.timedelta(days=2000)
    with pytest.raises(PackageError) as e:
        open_package(data, roots=[ca.certificate], now=later)
    assert e.value.code == "expired_certificate"


def test_extra_member_and_file_name_mismatch_are_refused(ca, sender_identity):
    data, unit = package(sender_identity)
    with pytest.raises(PackageError) as e:
        open_package(rezip(data, lambda m: m.update({"evil.CSV": b"x"})), roots=[ca.certificate])
    assert e.value.code == "extra_member"
    wrong = schedule_unit(sender=SENDER, recipient="1300000003")
    data, _ = package(sender_identity, unit=wrong)
    with pytest.raises(PackageError) as e:
        open_package(data, roots=[ca.certificate])
    assert e.value.code == "file_name_mismatch"


def test_missing_signature_is_refused(ca, sender_identity):
    data, _ = package(sender_identity)
    with pytest.raises(PackageError) as e:
        open_package(rezip(data, lambda m: m.pop(SIGNATURE)), roots=[ca.certificate])
    assert e.value.code == "missing_member"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash(ca, blob):
    with pytest.raises(PackageError):
        open_package(blob, roots=[ca.certificate])
    peek_manifest(blob)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0), flip=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_truncated_or_bitflipped_packages_are_refused(ca, sender_identity, cut, flip, bit):
    data, _ = package(sender_identity)
    truncated = data[: cut % len(data)]
    with pytest.raises(PackageError):
        open_package(truncated, roots=[ca.certificate])
    i = flip % len(data)
    flipped = data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1 :]
    try:
        verified = open_package(flipped, roots=[ca.certificate])
    except PackageError:
        return
    # A flip in ZIP bookkeeping that leaves every signed byte intact is harmless: content is identical.
    assert verified.files == open_package(data, roots=[ca.certificate]).files
