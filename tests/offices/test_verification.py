"""事業所の本人確認 (issue 13 item 5) and the certificate Renkei issues on approval (issue 12 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linkage.exchange import certificates
from linkage.exchange.models import CertificateSource, OfficeCertificate
from linkage.signing import pki
from portal.offices import services
from portal.offices.models import (
    ClaimStatus,
    Office,
    OfficeNumberClaim,
    Role,
    VerificationEvent,
    VerificationStatus,
)
from portal.offices.tenancy import office_scope, scopes_disabled
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, give_totp
from tests.forms import submit

PDF = b"%PDF-1.4\n% scanned notice\n%%EOF\n"
PASSPHRASE = "issuing-ca-passphrase"


@pytest.fixture
def issuing_ca(settings, tmp_path, test_ca):
    """The operator's issuing CA: certificate + passphrase-encrypted key, from the settings (env)."""
    cert_file, key_file = tmp_path / "issuing-ca.pem", tmp_path / "issuing-ca-key.pem"
    cert_file.write_bytes(test_ca.pem())
    key_file.write_bytes(test_ca.key_pem(PASSPHRASE))
    settings.RENKEI_ISSUING_CA_CERT_FILE = str(cert_file)
    settings.RENKEI_ISSUING_CA_KEY_FILE = str(key_file)
    settings.RENKEI_ISSUING_CA_KEY_PASSPHRASE = PASSPHRASE
    settings.RENKEI_TRUSTED_CA_FILE = ""
    return test_ca


@pytest.fixture
def test_ca():
    return pki.create_test_ca(name="Renkei Issuing CA (test)")


@pytest.fixture
def operator(db):
    user = UserFactory(email="ops@example.jp", is_staff=True)
    give_totp(user)  # MFA is mandatory for operators
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user, client


@pytest.fixture
def newcomer(db):
    user = UserFactory(email="newcomer@example.jp")
    give_totp(user)  # the office admin they become must have an authenticator app (MFA is mandatory)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user, client


def register(client, number="1310099999", name="みなと居宅介護支援事業所", kind="43"):
    return submit(
        client,
        reverse("offices:register"),
        {
            "office_number": number,
            "name": name,
            "address": "東京都港区芝公園4-2-8",
            "phone": "03-5555-0000",
            "display_name": "港 太郎",
            "service_type_codes": [kind],
        },
        follow=True,
    )


def test_an_office_registered_through_the_page_is_unverified_and_cannot_exchange(newcomer):
    from linkage.exchange.services import SendError, units_send

    user, client = newcomer
    page = register(client).content.decode()
    office = Office.objects.get(office_number="1310099999")
    assert office.verification_status == VerificationStatus.UNVERIFIED
    assert "事業所の本人確認" in page and "データ連携（送信・受信・連携先の招待）はできません" in page
    with office_scope(office), pytest.raises(SendError, match="本人確認"):
        units_send(office=office, actor=None, units=[])
    # It cannot invite partners either: the page says why, and nothing is stored.
    response = submit(
        client,
        reverse("partners:invite"),
        {
            "invitee_office_number": "1370000011",
            "invitee_email": "x@example.jp",
            "service_type_codes": ["11"],
        },
        button="招待を送る",
    )
    assert "本人確認" in response.content.decode()
    # It can still prepare data: the 利用者 page opens.
    assert client.get(reverse("clients:list")).status_code == 200


def test_an_unverified_office_does_not_appear_to_partners(owner_client, office):
    hidden = OfficeFactory(
        office_number="1370055555",
        name="なりすまし訪問介護",
        kinds=["11"],
        verification_status=VerificationStatus.UNVERIFIED,
    )
    lookup = owner_client.get(reverse("partners:office_lookup"), {"invitee_office_number": hidden.office_number})
    assert "なりすまし訪問介護" not in lookup.content.decode()
    # Inviting its number needs an email address, as for an office not on Renkei.
    response = submit(
        owner_client,
        reverse("partners:invite"),
        {
            "invitee_office_number": hidden.office_number,
            "service_type_codes": ["11"],
        },
        button="招待を送る",
    )
    assert "まだ Renkei に登録されていません" in response.content.decode()


def test_office_applies_with_its_notice_and_the_operator_approves_and_renkei_issues_a_certificate(
    newcomer, operator, issuing_ca, django_capture_on_commit_callbacks
):
    user, client = newcomer
    register(client)
    office = Office.objects.get(office_number="1310099999")
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            client,
            reverse("offices:verification"),
            {
                "method": "document",
                "document": SimpleUploadedFile("notice.pdf", PDF, "application/pdf"),
            },
            button="本人確認を申請する",
            follow=True,
        )
    assert "本人確認を申請しました" in response.content.decode()
    office.refresh_from_db()
    assert office.verification_status == VerificationStatus.PENDING
    assert any("ops@example.jp" in m.to for m in mail.outbox)

    # Only the operator sees the queue; an office member gets 404.
    assert client.get(reverse("offices:operator_verifications")).status_code == 404
    assert client.get(reverse("offices:operator_verification", args=[office.pk])).status_code == 404
    op_user, op_client = operator
    queue = op_client.get(reverse("offices:operator_verifications")).content.decode()
    assert "みなと居宅介護支援事業所" in queue and "確認待ち" in queue
    document = op_client.get(reverse("offices:operator_verification_document", args=[office.pk]))
    assert b"".join(document.streaming_content) == PDF
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            op_client, reverse("offices:operator_verification", args=[office.pk]), {}, button="承認する", follow=True
        )
    assert "電子証明書を発行しました" in response.content.decode()
    office.refresh_from_db()
    assert office.is_verified and office.verified_at is not None
    with office_scope(office):
        record = OfficeCertificate.objects.get(office=office, is_active=True)
        identity = certificates.signing_identity(office)
        trail = list(VerificationEvent.objects.filter(office=office).values_list("action", flat=True))
    assert record.source == CertificateSource.ISSUED
    assert pki.office_number_of(identity.certificate) == "1310099999"
    assert identity.certificate.issuer == issuing_ca.certificate.subject
    pki.verify_chain(identity.certificate, certificates.trusted_roots())  # the issuing CA is trusted
    assert (
        "PRIVATE" not in record.encrypted_private_key
        and pki.private_key_der(identity.key) not in record.encrypted_private_key.encode()
    )
    assert trail == ["certificate_issued", "approved", "requested"]
    assert any("本人確認が完了しました" in m.subject for m in mail.outbox)
    page = client.get(reverse("exchange:certificates")).content.decode()
    assert "Renkeiが発行" in page and "電子請求受付システム" in page and "介護DX証明書" in page


def test_operator_rejects_with_a_reason_the_office_sees(newcomer, operator):
    user, client = newcomer
    register(client)
    office = Office.objects.get(office_number="1310099999")
    submit(
        client,
        reverse("offices:verification"),
        {"method": "register", "note": "公表システムに掲載があります"},
        button="本人確認を申請する",
    )
    op_user, op_client = operator
    url = reverse("offices:operator_verification", args=[office.pk])
    response = submit(op_client, url, {}, button="却下する")
    assert "確認できなかった理由を入力してください" in response.content.decode()
    submit(op_client, url, {"reason": "公表システムの所在地と一致しません"}, button="却下する")
    office.refresh_from_db()
    assert office.verification_status == VerificationStatus.REJECTED
    page = client.get(reverse("offices:verification")).content.decode()
    assert "公表システムの所在地と一致しません" in page and "もう一度申請してください" in page


def test_document_must_be_a_pdf_or_jpeg(newcomer):
    user, client = newcomer
    register(client)
    response = submit(
        client,
        reverse("offices:verification"),
        {
            "method": "document",
            "document": SimpleUploadedFile("notice.txt", b"hello", "text/plain"),
        },
        button="本人確認を申請する",
    )
    assert "PDF" in response.content.decode()
    assert Office.objects.get(office_number="1310099999").verification_status == VerificationStatus.UNVERIFIED
    response = submit(client, reverse("offices:verification"), {"method": "document"}, button="本人確認を申請する")
    assert "指定通知書（PDF・JPEG・PNG）を選んでください" in response.content.decode()


def test_a_claimed_number_can_be_contested_and_the_operator_decides(newcomer, operator, issuing_ca):
    squatter = OfficeFactory(office_number="1310077777", name="先に登録した事業所")
    MembershipFactory(office=squatter, role=Role.ADMIN)
    with office_scope(squatter):
        certificates.certificate_issue(office=squatter)
    user, client = newcomer
    page = register(client, number="1310077777").content.decode()
    assert "この事業所番号はすでに登録されています" in page and "異議を申し立てる" in page
    response = submit(
        client,
        reverse("offices:claim") + "?number=1310077777",
        {
            "claimant_office_name": "本物の居宅介護支援事業所",
            "claimant_name": "本物 花子",
            "phone": "03-1111-2222",
            "document": SimpleUploadedFile("notice.pdf", PDF, "application/pdf"),
        },
        button="異議を申し立てる",
        follow=True,
    )
    assert "異議の申立てを受け付けました" in response.content.decode()
    claim = OfficeNumberClaim.objects.get()
    assert claim.office == squatter and claim.status == ClaimStatus.PENDING

    op_user, op_client = operator
    assert "1310077777" in op_client.get(reverse("offices:operator_verifications")).content.decode()
    url = reverse("offices:operator_claim", args=[claim.pk])
    assert client.get(url).status_code == 404  # the claimant is not the operator
    submit(op_client, url, {"reason": "指定通知書と代表電話で申立人の事業所と確認しました"}, button="異議を認める")
    claim.refresh_from_db()
    squatter.refresh_from_db()
    assert claim.status == ClaimStatus.UPHELD and claim.decided_by == op_user
    assert squatter.verification_status == VerificationStatus.REJECTED
    with office_scope(squatter):
        assert not OfficeCertificate.objects.filter(office=squatter, is_active=True).exists()
        with pytest.raises(certificates.NoCertificate):
            certificates.signing_identity(squatter)
        trail = list(VerificationEvent.objects.filter(office=squatter).values_list("action", flat=True))
    assert trail[:3] == ["rejected", "contest_upheld", "contested"]
    # The claimed office sees that its number was contested, not who contested it.
    holder = login_client(squatter.memberships.get())
    page = holder.get(reverse("offices:verification")).content.decode()
    assert "異議の申立て" in page and "本物" not in page


def test_a_dismissed_claim_changes_nothing_for_the_office(newcomer, operator):
    holder = OfficeFactory(office_number="1310066666")
    user, client = newcomer
    claim = services.office_number_claim_create(
        user=user,
        office_number="1310066666",
        claimant_office_name="x",
        claimant_name="y",
        phone="0",
        document=SimpleUploadedFile("n.pdf", PDF, "application/pdf"),
    )
    op_user, op_client = operator
    url = reverse("offices:operator_claim", args=[claim.pk])
    assert "判断の理由を入力してください" in submit(op_client, url, {}, button="異議を退ける").content.decode()
    submit(op_client, url, {"reason": "申立人の事業所番号は別でした"}, button="異議を退ける")
    holder.refresh_from_db()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DISMISSED and holder.is_verified


def test_renkei_renews_its_certificates_before_they_expire(office, issuing_ca):
    with office_scope(office):
        first = certificates.certificate_issue(office=office)
    assert certificates.certificates_renew() == 0  # valid for a year: nothing to do
    later = first.not_after - dt.timedelta(days=10)
    assert certificates.certificates_renew(now=later) == 1
    with office_scope(office):
        active = OfficeCertificate.objects.get(office=office, is_active=True)
    assert active.pk != first.pk and active.not_after > first.not_after
    assert certificates.certificates_renew(now=later) == 0  # idempotent


def test_an_uploaded_certificate_is_kept_while_valid(office, issuing_ca):
    key, cert = pki.issue_office_certificate(issuing_ca, office_number=office.office_number)
    with office_scope(office):
        certificates.certificate_install(office=office, key=key, cert=cert)
    assert certificates.certificates_renew() == 0
    assert certificates.certificates_renew(now=timezone.now() + dt.timedelta(days=2000)) == 1


def test_unverified_offices_get_no_certificate(issuing_ca, db):
    office = OfficeFactory(verification_status=VerificationStatus.PENDING)
    assert certificates.certificates_renew() == 0
    with office_scope(office), pytest.raises(Exception, match="本人確認"):
        certificates.certificate_issue(office=office)


def test_the_hub_trusts_the_issuing_ca(issuing_ca, tmp_path):
    """The hub process (its own settings) trusts RENKEI_TRUSTED_CA_FILE and RENKEI_ISSUING_CA_CERT_FILE."""
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    from tests.hub.process import ROOT

    other = pki.create_test_ca(name="Other CA")
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(other.pem())
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.hub_settings",
            "RENKEI_TRUSTED_CA_FILE": str(bundle),
            "RENKEI_ISSUING_CA_CERT_FILE": django_settings.RENKEI_ISSUING_CA_CERT_FILE,
            "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        }
    )
    code = (
        "import django; django.setup(); from linkage.signing import pki; from linkage.hub.views import trusted_roots;"
        "print(' '.join(sorted(pki.fingerprint(c) for c in trusted_roots())))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == sorted([pki.fingerprint(other.certificate), pki.fingerprint(issuing_ca.certificate)])


def test_a_wrong_passphrase_is_a_clear_error(settings, issuing_ca, office):
    settings.RENKEI_ISSUING_CA_KEY_PASSPHRASE = "wrong"
    with office_scope(office), pytest.raises(pki.CertificateError, match="パスフレーズ"):
        certificates.certificate_issue(office=office)


def test_operator_pages_answer_404_to_office_members(owner_client, office):
    with scopes_disabled():
        claim = OfficeNumberClaim.objects.create(
            office=office,
            office_number=office.office_number,
            claimant=None,
            claimant_office_name="x",
            claimant_name="y",
            phone="0",
            document=SimpleUploadedFile("n.pdf", PDF),
        )
    for url in (
        reverse("offices:operator_verifications"),
        reverse("offices:operator_verification", args=[office.pk]),
        reverse("offices:operator_verification_document", args=[office.pk]),
        reverse("offices:operator_claim", args=[claim.pk]),
        reverse("offices:operator_claim_document", args=[claim.pk]),
    ):
        assert owner_client.get(url).status_code == 404, url


def test_an_unverified_office_neither_receives_nor_is_polled(db):
    from linkage.exchange import services as exchange
    from linkage.exchange.tasks import poll_hub

    office = OfficeFactory(verification_status=VerificationStatus.PENDING)
    key, cert = pki.issue_office_certificate(pki.create_test_ca(), office_number=office.office_number)
    with office_scope(office):
        certificates.certificate_install(office=office, key=key, cert=cert)  # e.g. its own uploaded .p12
        assert exchange.office_sync(office=office) == {"skipped": "unverified"}
    assert poll_hub.apply().get() == 0
    Office.objects.filter(pk=office.pk).update(verification_status=VerificationStatus.VERIFIED)
    from unittest import mock

    with mock.patch("linkage.exchange.tasks.sync_office.apply_async"):
        assert poll_hub.apply().get() == 1
