"""Item 13: certificate upload checks the chain in production too; partner invitations to arbitrary
email addresses are rate-limited and carry fixed wording (no free text of the inviter)."""

from __future__ import annotations

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linkage.exchange.models import OfficeCertificate
from linkage.signing import pki
from portal.offices.tenancy import office_scope
from tests.exchange.conftest import make_p12
from tests.forms import submit


def test_without_a_trusted_ca_production_refuses_any_certificate(settings, owner_client, office):
    settings.DEBUG = False
    settings.RENKEI_TRUSTED_CA_FILE = ""
    self_signed = pki.create_test_ca()  # anyone can make a CA and a certificate naming this office
    data, _, _ = make_p12(self_signed, office.office_number)
    response = submit(
        owner_client,
        reverse("exchange:certificates"),
        {"file": SimpleUploadedFile("office.p12", data, "application/x-pkcs12"), "password": "pw-2026"},
    )
    assert response.status_code == 200
    assert "信頼する認証局が設定されていない" in response.content.decode()
    with office_scope(office):
        assert not OfficeCertificate.objects.exists()


def _invite(client, n, name="", message=""):
    return submit(
        client,
        reverse("partners:invite"),
        {
            "invitee_office_number": f"27700{n:05d}",
            "invitee_email": f"office{n}@example.jp",
            "invitee_name": name,
            "service_type_codes": ["17"],
            "message": message,
        },
    )


def test_invitations_to_email_addresses_are_rate_limited(settings, owner_client, django_capture_on_commit_callbacks):
    settings.RENKEI_PARTNER_EMAIL_INVITATIONS_PER_DAY = 3
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert _invite(owner_client, n).status_code == 302
        refused = _invite(owner_client, 9)
    assert refused.status_code == 200
    assert "1日に3件まで" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_the_invitation_mail_to_an_email_address_has_no_free_text(
    office, owner_client, django_capture_on_commit_callbacks
):
    office.name = "【重要】phish.example でパスワード再設定"
    office.save()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, 1, name="至急 http://phish.example/ で本人確認", message="http://phish.example/login")
    body = mail.outbox[-1].body
    assert "phish" not in body and "至急" not in body and "phish" not in mail.outbox[-1].subject
    assert "2770000001" in body and "/accounts/signup/" in body
