import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from linkage.exchange import certificates
from linkage.exchange.models import OfficeCertificate
from linkage.signing import pki
from portal.offices.tenancy import office_scope
from tests.exchange.conftest import make_p12

URL = "/exchange/certificates/"


def upload(client, data, password="pw-2026", name="office.p12"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "application/x-pkcs12"), "password": password})


def test_admin_uploads_certificate_and_sees_its_details(owner_client, office, trusted_ca):
    data, key, cert = make_p12(trusted_ca, office.office_number, name=office.name)
    response = upload(owner_client, data)
    assert response.status_code == 302
    page = owner_client.get(URL).content.decode()
    info = pki.describe(cert)
    assert "使用中" in page
    assert info.serial in page
    assert "Renkei Test CA" in page  # issuer
    assert office.office_number in page  # subject
    assert "BEGIN" not in page and "PRIVATE" not in page
    with office_scope(office):
        record = OfficeCertificate.objects.get()
        der = pki.private_key_der(key)
        assert der not in record.encrypted_private_key.encode()
        identity = certificates.signing_identity(office)
    assert pki.private_key_der(identity.key) == der


@pytest.mark.parametrize(
    "case,expected",
    [
        ("password", "パスワードが違う"),
        ("no_key", "秘密鍵が含まれていません"),
        ("expired", "有効期限"),
        ("other_office", "この事業所"),
        ("garbage", "PKCS#12形式"),
        ("not_signing", "署名用ではありません"),
        ("untrusted", "信頼する認証局"),
    ],
)
def test_bad_certificates_get_a_clear_japanese_error(case, expected, owner_client, office, trusted_ca):
    number = office.office_number
    if case == "password":
        data = make_p12(trusted_ca, number)[0]
        response = upload(owner_client, data, password="wrong")
    elif case == "no_key":
        _, key, cert = make_p12(trusted_ca, number)
        response = upload(owner_client, pki.pkcs12_bytes(key, cert, "pw-2026", with_key=False))
    elif case == "expired":
        now = pki.utcnow()
        data = make_p12(
            trusted_ca, number, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
        )[0]
        response = upload(owner_client, data)
    elif case == "other_office":
        response = upload(owner_client, make_p12(trusted_ca, "1399999999")[0])
    elif case == "garbage":
        response = upload(owner_client, b"this is not a certificate")
    elif case == "not_signing":
        response = upload(owner_client, make_p12(trusted_ca, number, signing=False)[0])
    else:
        response = upload(owner_client, make_p12(pki.create_test_ca(), number)[0])
    assert response.status_code == 200
    assert expected in response.content.decode()
    with office_scope(office):
        assert not OfficeCertificate.objects.exists()


def test_member_without_admin_role_cannot_open_certificates(member_client):
    assert member_client.get(URL).status_code == 403


def test_new_upload_replaces_active_certificate(owner_client, office, trusted_ca):
    upload(owner_client, make_p12(trusted_ca, office.office_number)[0])
    upload(owner_client, make_p12(trusted_ca, office.office_number)[0])
    with office_scope(office):
        assert OfficeCertificate.objects.count() == 2
        assert OfficeCertificate.objects.filter(is_active=True).count() == 1
    assert "過去の証明書" in owner_client.get(URL).content.decode()


def test_key_rotation_reencrypts_with_newest_key(settings, office, trusted_ca):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.RENKEI_ENCRYPTION_KEYS = [old]
    _, key, cert = make_p12(trusted_ca, office.office_number)
    with office_scope(office):
        certificates.certificate_install(office=office, key=key, cert=cert)
    settings.RENKEI_ENCRYPTION_KEYS = [new, old]
    assert certificates.secrets_reencrypt() == 1
    settings.RENKEI_ENCRYPTION_KEYS = [new]
    with office_scope(office):
        identity = certificates.signing_identity(office)
    assert pki.private_key_der(identity.key) == pki.private_key_der(key)
    settings.RENKEI_ENCRYPTION_KEYS = [old]
    with office_scope(office), pytest.raises(certificates.NoCertificate):
        certificates.signing_identity(office)


def test_dashboard_warns_30_days_before_expiry(owner_client, office, trusted_ca):
    assert "電子証明書が登録されていません" in owner_client.get(reverse("dashboard")).content.decode()
    now = pki.utcnow()
    _, key, cert = make_p12(trusted_ca, office.office_number, not_after=now + dt.timedelta(days=20))
    with office_scope(office):
        certificates.certificate_install(office=office, key=key, cert=cert)
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert "有効期限が近づいています" in page
    _, key, cert = make_p12(trusted_ca, office.office_number, not_after=now + dt.timedelta(days=90))
    with office_scope(office):
        certificates.certificate_install(office=office, key=key, cert=cert)
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert "有効期限が近づいています" not in page and "電子証明書が登録されていません" not in page


def test_make_test_ca_creates_trust_store_and_installs_certificates(tmp_path, settings, office, outsider_office):
    call_command("make_test_ca", "--dir", str(tmp_path), "--install", "--password", "pw")
    roots = pki.load_trusted_roots(tmp_path / "ca.pem")
    assert len(roots) == 1
    for o in (office, outsider_office):
        key, cert, _ = pki.load_pkcs12((tmp_path / f"{o.office_number}.p12").read_bytes(), "pw")
        assert pki.office_number_of(cert) == o.office_number
        pki.verify_chain(cert, roots)
        with office_scope(o):
            assert certificates.active_certificate(o).fingerprint == pki.fingerprint(cert)
    # a second run reuses the CA
    call_command("make_test_ca", "--dir", str(tmp_path), "--office", office.office_number)
    assert pki.load_trusted_roots(tmp_path / "ca.pem")[0] == roots[0]
