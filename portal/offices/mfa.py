"""Two-factor authentication (TOTP): who must have it, and its secrets encrypted at rest.

MFA is mandatory for every operator (staff) account and every office admin (管理者), and for every
member of an office that requires it (事業所設定). Such a person is sent to set up an authenticator
app before any other page, and cannot switch it off again. allauth's MFA stage then asks for the
code at every login, including the operator's admin (whose login is allauth's).

allauth stores the TOTP secret and the recovery-code seed in ``Authenticator.data`` through the
adapter's ``encrypt``/``decrypt`` hooks: here they are Fernet tokens with ``RENKEI_ENCRYPTION_KEYS``
(the same keys and rotation as the certificate private keys: ``manage.py reencrypt_secrets``).
"""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from portal.core import crypto

PREFIX = "fernet:"


def mfa_required(user, memberships=None) -> str | None:
    """Why ``user`` must use MFA (a Japanese sentence), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff or user.is_superuser:
        return "運営管理のアカウントは2段階認証が必須です。"
    from portal.offices.models import Role

    if memberships is None:
        memberships = list(user.memberships.select_related("office"))
    if any(m.role == Role.ADMIN for m in memberships):
        return "事業所の管理者は2段階認証が必須です。"
    required = [m.office for m in memberships if m.office.require_mfa]
    if required:
        return f"{required[0].name}では2段階認証が必須です。"
    return None


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def encrypt_text(text: str) -> str:
    return PREFIX + crypto.encrypt_secret(text.encode("utf-8"))


def decrypt_text(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption was switched on; `reencrypt_secrets` encrypts it
    return crypto.decrypt_secret(stored[len(PREFIX) :]).decode("utf-8")


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return super().can_delete_authenticator(authenticator)
        others = (
            Authenticator.objects.filter(user=authenticator.user)
            .exclude(pk=authenticator.pk)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
        )
        if mfa_required(authenticator.user) and not others.exists():
            return False
        return super().can_delete_authenticator(authenticator)


_SECRET_FIELDS = {"secret", "seed"}


def authenticators_reencrypt() -> int:
    """Encrypt (plain, older) or re-encrypt (with the newest key) every MFA secret; returns the count."""
    count = 0
    for instance in Authenticator.objects.filter(type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]):
        data = dict(instance.data)
        changed = False
        for field in _SECRET_FIELDS & set(data):
            data[field] = encrypt_text(decrypt_text(data[field]))
            changed = True
        if "migrated_codes" in data:
            data["migrated_codes"] = [encrypt_text(decrypt_text(code)) for code in data["migrated_codes"]]
            changed = True
        if changed:
            Authenticator.objects.filter(pk=instance.pk).update(data=data)
            count += 1
    return count
