"""Items 1, 2 and 6: the operator's admin goes through allauth with MFA; MFA is mandatory for staff and
office admins; login throttling is per account and per (trusted) client address; TOTP secrets and
recovery codes are encrypted at rest."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from portal.offices.models import Role
from tests.conftest import login_client
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory, UserFactory

LOCKED = "ログインの失敗が続いたため"


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def staff_user(email="ops@example.jp", totp=True):
    user = UserFactory(email=email)
    user.is_staff = user.is_superuser = True
    user.save()
    secret = generate_totp_secret()
    if totp:
        TOTP.activate(user, secret)
    return user, secret


def login_post(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


# --- item 1: the admin login is allauth's, with MFA -----------------------------------------------


def test_admin_login_page_is_the_allauth_login(client, db):
    response = client.get("/operator/admin/login/?next=/operator/admin/offices/office/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/operator/admin/offices/office/"
    assert client.get("/operator/admin/")["Location"].startswith("/operator/admin/login/")


def test_an_office_member_is_refused_by_the_admin_without_a_redirect_loop(owner_client):
    response = owner_client.get("/operator/admin/", follow=True)
    assert response.status_code == 403 and "運営者だけが開けます" in response.content.decode()


def test_admin_login_refuses_an_outside_next(client, db):
    response = client.get("/operator/admin/login/?next=https://evil.example/")
    assert response["Location"] == reverse("account_login") + "?next=/operator/admin/"


def test_staff_with_totp_is_not_signed_in_by_the_password_alone(client, db):
    user, secret = staff_user()
    response = login_post(client, user.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/operator/admin/").status_code == 302
    response = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if code_for(secret) != "000000" else "111111"}
    )
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get("/operator/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/operator/admin/", "/billing/operator/"])
def test_staff_without_totp_must_set_it_up_before_any_operator_page(path, db):
    user, _ = staff_user(totp=False)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    setup = client.get(reverse("mfa_activate_totp"))  # the setup page itself stays open (no loop)
    assert setup.status_code == 200 or setup["Location"].startswith(reverse("account_reauthenticate"))


def test_office_admin_without_totp_must_set_it_up(db):
    admin = MembershipFactory(office=OfficeFactory(), role=Role.ADMIN, mfa=False)
    client = login_client(admin)
    for path in (reverse("dashboard"), reverse("clients:list"), reverse("offices:staff")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp"), path
    page = client.get(reverse("mfa_activate_totp"), follow=True).content.decode()
    assert "管理者は2段階認証が必須です" in page


def test_a_new_admin_sets_up_totp_right_after_signing_in_without_typing_the_password_again(client, db):
    admin = MembershipFactory(office=OfficeFactory(), role=Role.ADMIN, mfa=False)
    response = login_post(client, admin.user.email, PASSWORD)
    assert client.get(response["Location"])["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_a_care_manager_of_an_office_without_the_requirement_is_not_forced(db):
    member = MembershipFactory(office=OfficeFactory(), role=Role.CARE_MANAGER)
    assert login_client(member).get(reverse("offices:staff")).status_code == 200


def test_an_admin_cannot_switch_mfa_off(db):
    admin = MembershipFactory(office=OfficeFactory(), role=Role.ADMIN)
    client = login_client(admin)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=admin.user, type=Authenticator.Type.TOTP).exists()


def test_seven_wrong_passwords_then_the_right_one_is_refused(client, db):
    user, _ = staff_user()
    for _ in range(7):
        login_post(client, user.email, "wrong-password-1")
    response = login_post(client, user.email, PASSWORD)
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- item 2: per account, and per trusted client address ------------------------------------------


def test_one_attacker_cannot_lock_out_another_user_behind_the_same_proxy(settings, db):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    victim = UserFactory(email="victim@example.jp")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for n in range(22):
        login_post(attacker, f"guess{n % 6}@example.jp", "wrong-password-1")
    assert LOCKED in login_post(attacker, "guess0@example.jp", "wrong-password-1").content.decode()
    # Same proxy (REMOTE_ADDR), another person: signs in.
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    response = login_post(colleague, victim.email, PASSWORD)
    assert response.status_code == 302 and int(colleague.session["_auth_user_id"]) == victim.pk


def test_failures_on_other_accounts_from_one_address_do_not_lock_a_user_out(db):
    """Without a proxy: a few failures from a shared address still let other users in (per account)."""
    victim = UserFactory(email="victim@example.jp")
    shared = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(8):
        login_post(shared, f"other{n}@example.jp", "wrong-password-1")
    response = login_post(shared, victim.email, PASSWORD)
    assert response.status_code == 302 and int(shared.session["_auth_user_id"]) == victim.pk


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(db):
    """Without BEHIND_PROXY a spoofed X-Forwarded-For cannot dodge the per-address limit."""
    for n in range(22):
        Client(REMOTE_ADDR="192.0.2.99", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(
            reverse("account_login"), {"login": f"x{n}@example.jp", "password": "wrong-password-1"}
        )
    response = login_post(
        Client(REMOTE_ADDR="192.0.2.99", HTTP_X_FORWARDED_FOR="198.51.100.250"), "y@example.jp", "wrong-password-1"
    )
    assert LOCKED in response.content.decode()


def test_behind_proxy_trusts_one_proxy_hop():
    import importlib
    import os

    import config.settings as module

    old = os.environ.get("BEHIND_PROXY")
    os.environ["BEHIND_PROXY"] = "1"
    try:
        reloaded = importlib.reload(module)
        assert reloaded.ALLAUTH_TRUSTED_PROXY_COUNT == 1
    finally:
        if old is None:
            os.environ.pop("BEHIND_PROXY")
        else:
            os.environ["BEHIND_PROXY"] = old
        importlib.reload(module)


# --- item 6: TOTP secrets and recovery codes encrypted at rest ------------------------------------


def test_totp_secret_and_recovery_seed_are_encrypted_at_rest(db):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user, secret = staff_user()
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored and stored.startswith("fernet:")
    codes = RecoveryCodes.activate(user)
    seed = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).data["seed"]
    assert seed.startswith("fernet:") and len(codes.generate_codes()) == 10


def test_a_database_copy_without_the_key_does_not_pass_mfa(settings, db):
    user, secret = staff_user()
    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    settings.RENKEI_ENCRYPTION_KEYS = ["b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMTI="]
    with pytest.raises(Exception):
        TOTP(instance).validate_code(code_for(secret))


def test_reencrypt_secrets_rotates_mfa_secrets_and_encrypts_old_plain_ones(settings, db):
    from cryptography.fernet import Fernet

    user, secret = staff_user()
    legacy_user = UserFactory()
    legacy_secret = generate_totp_secret()
    Authenticator.objects.create(user=legacy_user, type=Authenticator.Type.TOTP, data={"secret": legacy_secret})
    new_key = Fernet.generate_key().decode()
    settings.RENKEI_ENCRYPTION_KEYS = [new_key, *settings.RENKEI_ENCRYPTION_KEYS]
    call_command("reencrypt_secrets")
    settings.RENKEI_ENCRYPTION_KEYS = [new_key]
    for owner, plain in ((user, secret), (legacy_user, legacy_secret)):
        instance = Authenticator.objects.get(user=owner, type=Authenticator.Type.TOTP)
        assert instance.data["secret"].startswith("fernet:")
        assert TOTP(instance).validate_code(code_for(plain))
