"""Secrets at rest: Fernet tokens with keys from ``settings.RENKEI_ENCRYPTION_KEYS``.

The first key encrypts; every key decrypts (MultiFernet), so a key is rotated by putting the
new key first and running ``manage.py reencrypt_secrets``. Plain secrets are never logged.
Used by the certificates of the exchange, the MFA secrets of members and the clients' secrets, so
it lives in ``portal.core`` (the lowest floor), not in the exchange.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "RENKEI_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured(
            "RENKEI_ENCRYPTION_KEYS を設定してください（Fernetキー、カンマ区切り、先頭が暗号化用）。"
        )
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def _fernet_key(value) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) is used as is; any other secret string is
    stretched to one with SHA-256 (generate real keys with ``Fernet.generate_key()``)."""
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (binascii.Error, ValueError):
        pass
    if not raw:
        raise ImproperlyConfigured("RENKEI_ENCRYPTION_KEYS に空の鍵があります。")
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


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
