"""Secrets at rest: Fernet tokens with keys from ``settings.RENKEI_ENCRYPTION_KEYS``.

The first key encrypts; every key decrypts (MultiFernet), so a key is rotated by putting the
new key first and running ``manage.py reencrypt_secrets``. Plain secrets are never logged.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "RENKEI_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("RENKEI_ENCRYPTION_KEYS を設定してください（Fernetキー、カンマ区切り、先頭が暗号化用）。")
    try:
        return MultiFernet([Fernet(k.encode("ascii") if isinstance(k, str) else k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("RENKEI_ENCRYPTION_KEYS の形式が正しくありません（URL-safe base64 の32バイト鍵）。") from exc


def encrypt_secret(data: bytes) -> str:
    return _fernet().encrypt(data).decode("ascii")


def decrypt_secret(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise SecretUnreadable("stored secret cannot be decrypted with the configured keys") from None


def rotate_secret(token: str) -> str:
    """Re-encrypt a token with the first (newest) key."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise SecretUnreadable("stored secret cannot be decrypted with the configured keys") from None
