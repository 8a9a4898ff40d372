"""Login, rate limiting, MFA requirement, CSRF page: as a user sees them."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


def test_login_page_is_japanese(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "ログイン" in page and "パスワード" in page


def test_login_with_email_and_password(db):
    user = UserFactory(email="cm@example.jp")
    client = Client()
    response = client.post(reverse("account_login"), {"login": "cm@example.jp", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code in (200, 302)
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_attempts_are_rate_limited(db):
    UserFactory(email="cm@example.jp")
    client = Client()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": "cm@example.jp", "password": "wrong-password"})
        assert "ログインの失敗が続いたため" not in response.content.decode()
    # After five failures even the right password is refused until the window passes.
    response = client.post(reverse("account_login"), {"login": "cm@example.jp", "password": PASSWORD})
    assert "5分ほど待ってから、もう一度お試しください" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_sends_a_verification_email(db, client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.jp",
            "password1": "kaigo-hoken-2026!",
            "password2": "kaigo-hoken-2026!",
        },
    )
    assert response.status_code == 302
    assert mail.outbox and mail.outbox[-1].to == ["new@example.jp"]


def test_password_reset_mail(db, client):
    UserFactory(email="cm@example.jp")
    client.post(reverse("account_reset_password"), {"email": "cm@example.jp"})
    assert mail.outbox and mail.outbox[-1].to == ["cm@example.jp"]


def test_office_requiring_mfa_sends_members_without_totp_to_setup(member_client, office, member):
    office.require_mfa = True
    office.save()
    response = member_client.get(reverse("offices:staff"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    Authenticator.objects.create(user=member.user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert member_client.get(reverse("offices:staff")).status_code == 200


def test_csrf_failure_page_is_japanese(owner, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("offices:staff_invite"), {"email": "x@example.jp", "role": "clerk"})
    assert response.status_code == 403
    assert "セキュリティ確認エラー" in response.content.decode()


def test_member_of_no_office_sees_no_office_data(db):
    user = UserFactory()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("offices:staff"))["Location"] == reverse("offices:register")


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_render(client, db, path):
    assert client.get(path).status_code == 200
