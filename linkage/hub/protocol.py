"""The hub's request-signing protocol (pure Python; used by the hub and by its clients).

Every request carries::

    X-Renkei-Office       the caller's 10-digit 事業所番号
    X-Renkei-Certificate  SHA-256 fingerprint (hex) of the caller's registered certificate
    X-Renkei-Timestamp    Unix time in seconds (accepted within ±300 s of the hub's clock)
    X-Renkei-Nonce        16–64 characters [A-Za-z0-9_-], never reused (replay protection)
    X-Renkei-Signature    base64 signature, with the certificate's private key, over

        RENKEI-HUB-1\\n<METHOD>\\n<path with query>\\n<timestamp>\\n<nonce>\\n<hex SHA-256 of the body>
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from linkage.signing import pki

VERSION = "RENKEI-HUB-1"
H_OFFICE = "X-Renkei-Office"
H_CERT = "X-Renkei-Certificate"
H_TIMESTAMP = "X-Renkei-Timestamp"
H_NONCE = "X-Renkei-Nonce"
H_SIGNATURE = "X-Renkei-Signature"
CLOCK_SKEW_SECONDS = 300


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([VERSION, method.upper(), path, timestamp, nonce, hashlib.sha256(body or b"").hexdigest()]).encode(
        "utf-8"
    )


def sign_headers(
    *, key, fingerprint: str, office_number: str, method: str, path: str, body: bytes = b"", now: float | None = None
) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_urlsafe(24)
    signature = pki.sign(key, canonical(method, path, timestamp, nonce, body))
    return {
        H_OFFICE: office_number,
        H_CERT: fingerprint,
        H_TIMESTAMP: timestamp,
        H_NONCE: nonce,
        H_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }
