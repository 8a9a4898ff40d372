"""Sealed packages: a signed package encrypted to the recipient office's certificate(s).

Pure Python on ``cryptography`` (no Django): the portal's workers seal and open, the hub only
checks the outside. The hub, its storage and its backups therefore hold no readable health data.

Layout (binary, big-endian lengths)::

    b"RENKEI-SEALED/1\\n"
    u32 len | header    UTF-8 JSON, see below (routing data only: office numbers, kinds, ids)
    u32 len | signature the sender's signature over the exact header bytes (as pki.sign)
    u32 len | cert.pem  the sender's certificate
    payload             AES-256-GCM ciphertext of the signed package ZIP (linkage.signing.package)

The header carries the package id, unit kind, ファイル連番, month, sender and recipient (office
number + kind), the GCM nonce, the SHA-256 and size of the payload, and one wrapped content key
per recipient certificate (``keys``): RSA certificates by RSA-OAEP (SHA-256), EC certificates by
ECDH with an ephemeral key on the same curve + HKDF-SHA256 + AES key wrap (RFC 3394). The
signed package (with the sender's signature over its manifest) is *inside* the encryption;
the receiver verifies it completely after decrypting. The GCM additional data binds the
ciphertext to the format, package id, sender and recipient.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import struct
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from linkage.signing import pki
from linkage.signing.package import UNIT_KINDS

MAGIC = b"RENKEI-SEALED/1\n"
FORMAT = "renkei-sealed/1"
CIPHER = "A256GCM"
ALG_RSA = "RSA-OAEP-256"
ALG_ECDH = "ECDH-ES+A256KW"
MAX_HEADER = 64 * 1024
MAX_SIGNATURE = 2048
MAX_CERTIFICATE = 16 * 1024
MAX_RECIPIENT_KEYS = 8
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_OFFICE_RE = re.compile(r"^\d{10}$")
_KIND_RE = re.compile(r"^[0-9A-Z]{2}$")
_FPR_RE = re.compile(r"^[0-9a-f]{64}$")


class SealError(ValueError):
    """A sealed package that cannot be made, read or opened. ``str(error)`` is Japanese."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass
class Envelope:
    header: dict
    header_bytes: bytes
    signature: bytes
    certificate: x509.Certificate
    payload: bytes

    @property
    def package_id(self) -> str:
        return self.header["package_id"]

    @property
    def sender_office(self) -> str:
        return self.header["sender"]["office_number"]

    @property
    def recipient_office(self) -> str:
        return self.header["recipient"]["office_number"]

    @property
    def key_fingerprints(self) -> list[str]:
        return [k["fingerprint"] for k in self.header["keys"]]


def is_sealed(data: bytes) -> bool:
    return bytes(data[: len(MAGIC)]) == MAGIC


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64")
    return base64.b64decode(text, validate=True)


def _aad(header: dict) -> bytes:
    return "|".join(
        [FORMAT, header["package_id"], header["sender"]["office_number"], header["recipient"]["office_number"]]
    ).encode("ascii")


def _kdf(shared: bytes, fingerprint: str, epk_der: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"renkei-sealed/1|" + fingerprint.encode("ascii") + b"|" + epk_der,
    ).derive(shared)


# --------------------------------------------------------------------------- recipients


def recipient_certificates(
    rows: list[dict], *, office_number: str, roots: list[x509.Certificate], now: dt.datetime | None = None
) -> list[x509.Certificate]:
    """The certificates the hub published for ``office_number`` that the sender can believe:
    chained to a trusted CA, valid now, naming that 事業所番号, with an RSA or EC key. Others are dropped."""
    found: dict[str, x509.Certificate] = {}
    for row in rows or []:
        try:
            cert = pki.load_pem_certificate(str(row.get("certificate_pem", "")))
            pki.verify_chain(cert, roots, now=now)
        except (pki.CertificateError, AttributeError):
            continue
        if pki.office_number_of(cert) != office_number:
            continue
        if not isinstance(cert.public_key(), (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
            continue
        found.setdefault(pki.fingerprint(cert), cert)
    return list(found.values())


def _wrap(cek: bytes, cert: x509.Certificate) -> dict:
    fingerprint = pki.fingerprint(cert)
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        wrapped = public_key.encrypt(
            cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        )
        return {"fingerprint": fingerprint, "alg": ALG_RSA, "wrapped": _b64(wrapped)}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        ephemeral = ec.generate_private_key(public_key.curve)
        epk_der = pki.public_bytes(ephemeral.public_key())
        kek = _kdf(ephemeral.exchange(ec.ECDH(), public_key), fingerprint, epk_der)
        return {
            "fingerprint": fingerprint,
            "alg": ALG_ECDH,
            "epk": _b64(epk_der),
            "wrapped": _b64(aes_key_wrap(kek, cek)),
        }
    raise SealError("送信先の証明書の鍵は暗号化に使えない種類です（RSA・楕円曲線暗号の証明書が必要です）。", "key_type")


def _unwrap(entry: dict, key) -> bytes:
    if entry.get("alg") == ALG_RSA and isinstance(key, rsa.RSAPrivateKey):
        return key.decrypt(
            _unb64(entry["wrapped"]),
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )
    if entry.get("alg") == ALG_ECDH and isinstance(key, ec.EllipticCurvePrivateKey):
        epk_der = _unb64(entry["epk"])
        epk = serialization.load_der_public_key(epk_der)
        if not isinstance(epk, ec.EllipticCurvePublicKey) or epk.curve.name != key.curve.name:
            raise ValueError("curve mismatch")
        kek = _kdf(key.exchange(ec.ECDH(), epk), entry["fingerprint"], epk_der)
        return aes_key_unwrap(kek, _unb64(entry["wrapped"]))
    raise ValueError("key type mismatch")


# --------------------------------------------------------------------------- sealing


def seal_package(package: bytes, *, key, certificate: x509.Certificate, recipients: list[x509.Certificate]) -> bytes:
    """Encrypt a signed package (linkage.signing.package) to every recipient certificate and sign the outside."""
    from linkage.signing.package import peek_manifest

    if not recipients:
        raise SealError("送信先の事業所の電子証明書がないため暗号化できません。", "no_recipient_certificate")
    m = peek_manifest(package)
    if not m or not isinstance(m.get("sender"), dict) or not isinstance(m.get("recipient"), dict):
        raise SealError("署名済みパッケージのマニフェストを読めません。", "bad_package")
    cek = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    header = {
        "format": FORMAT,
        "package_id": m.get("package_id"),
        "unit_kind": m.get("unit_kind"),
        "sequence": m.get("sequence"),
        "month": m.get("month"),
        "created_at": m.get("created_at"),
        "sender": {"office_number": m["sender"].get("office_number"), "kind": m["sender"].get("kind")},
        "recipient": {"office_number": m["recipient"].get("office_number"), "kind": m["recipient"].get("kind")},
        "cipher": CIPHER,
        "nonce": _b64(nonce),
        "keys": [_wrap(cek, cert) for cert in recipients[:MAX_RECIPIENT_KEYS]],
    }
    payload = AESGCM(cek).encrypt(nonce, package, _aad(header))
    header["payload_sha256"] = hashlib.sha256(payload).hexdigest()
    header["payload_size"] = len(payload)
    header_bytes = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    signature = pki.sign(key, header_bytes)
    cert_pem = pki.certificate_pem(certificate).encode("ascii")
    return b"".join(
        [
            MAGIC,
            struct.pack(">I", len(header_bytes)),
            header_bytes,
            struct.pack(">I", len(signature)),
            signature,
            struct.pack(">I", len(cert_pem)),
            cert_pem,
            payload,
        ]
    )


# --------------------------------------------------------------------------- reading (hub and receiver)


def _refuse(message: str, code: str):
    raise SealError(message, code)


def read_envelope(data: bytes) -> Envelope:
    """Parse the outside of a sealed package (nothing is decrypted). Raises :class:`SealError`."""
    data = bytes(data)
    if not is_sealed(data):
        _refuse(
            "暗号化されたパッケージではありません。連携基盤には送信先の証明書で暗号化したパッケージだけを送れます。",
            "not_sealed",
        )
    pos = len(MAGIC)
    parts = []
    for limit in (MAX_HEADER, MAX_SIGNATURE, MAX_CERTIFICATE):
        if len(data) < pos + 4:
            _refuse("暗号化パッケージが途中で切れています。", "bad_envelope")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        pos += 4
        if length == 0 or length > limit or len(data) < pos + length:
            _refuse("暗号化パッケージの形式が正しくありません。", "bad_envelope")
        parts.append(data[pos : pos + length])
        pos += length
    header_bytes, signature, cert_pem = parts
    try:
        header = json.loads(header_bytes.decode("utf-8"))
        certificate = x509.load_pem_x509_certificate(cert_pem)
    except (UnicodeDecodeError, ValueError, RecursionError):
        _refuse("暗号化パッケージのヘッダーを読めません。", "bad_envelope")
    if not _header_ok(header):
        _refuse("暗号化パッケージのヘッダーの形式が正しくありません。", "bad_envelope")
    return Envelope(
        header=header, header_bytes=header_bytes, signature=signature, certificate=certificate, payload=data[pos:]
    )


def _header_ok(h) -> bool:
    return (
        isinstance(h, dict)
        and h.get("format") == FORMAT
        and h.get("cipher") == CIPHER
        and isinstance(h.get("package_id"), str)
        and bool(_UUID_RE.match(h["package_id"]))
        and h.get("unit_kind") in UNIT_KINDS
        and isinstance(h.get("sequence"), str)
        and len(h["sequence"]) == 14
        and h["sequence"].isdigit()
        and (h.get("month") is None or (isinstance(h["month"], str) and len(h["month"]) == 6 and h["month"].isdigit()))
        and all(
            isinstance(h.get(side), dict)
            and isinstance(h[side].get("office_number"), str)
            and bool(_OFFICE_RE.match(h[side]["office_number"]))
            and isinstance(h[side].get("kind"), str)
            and bool(_KIND_RE.match(h[side]["kind"]))
            for side in ("sender", "recipient")
        )
        and isinstance(h.get("nonce"), str)
        and isinstance(h.get("payload_sha256"), str)
        and isinstance(h.get("payload_size"), int)
        and isinstance(h.get("keys"), list)
        and 0 < len(h["keys"]) <= MAX_RECIPIENT_KEYS
        and all(
            isinstance(k, dict)
            and isinstance(k.get("fingerprint"), str)
            and bool(_FPR_RE.match(k["fingerprint"]))
            and isinstance(k.get("wrapped"), str)
            for k in h["keys"]
        )
    )


def verify_envelope(envelope: Envelope, *, roots: list[x509.Certificate], now: dt.datetime | None = None) -> None:
    """The outside is signed by the sending office's trusted certificate and the payload is intact."""
    try:
        pki.verify_signature(envelope.certificate, envelope.signature, envelope.header_bytes)
    except pki.SignatureError as exc:
        _refuse(f"署名の検証に失敗しました: {exc}", "bad_signature")
    except Exception:  # noqa: BLE001 - malformed signature bytes
        _refuse("署名の検証に失敗しました: 署名の形式が正しくありません。", "bad_signature")
    try:
        pki.verify_chain(envelope.certificate, roots, now=now)
    except pki.CertificateError as exc:
        code = "expired_certificate" if exc.code in {"expired", "not_yet_valid"} else "untrusted_certificate"
        _refuse(f"送信元の証明書を確認できません: {exc}", code)
    number = pki.office_number_of(envelope.certificate)
    if number != envelope.sender_office:
        _refuse(
            f"署名した証明書（事業所番号 {number or '記載なし'}）が送信元事業所（{envelope.sender_office}）のものではありません。",
            "certificate_office",
        )
    if (
        len(envelope.payload) != envelope.header["payload_size"]
        or hashlib.sha256(envelope.payload).hexdigest() != envelope.header["payload_sha256"]
    ):
        _refuse("暗号化パッケージの内容が署名時と異なります（改ざんまたは破損）。", "tampered")


def unseal(envelope: Envelope, keys: dict) -> bytes:
    """Decrypt with one of the recipient's private keys (``{certificate fingerprint: key}``)."""
    for entry in envelope.header["keys"]:
        key = keys.get(entry["fingerprint"])
        if key is None:
            continue
        try:
            cek = _unwrap(entry, key)
            return AESGCM(cek).decrypt(_unb64(envelope.header["nonce"]), envelope.payload, _aad(envelope.header))
        except (ValueError, TypeError, KeyError, InvalidUnwrap, InvalidTag):
            _refuse(
                "パッケージを復号できません（改ざんされたか、別の証明書あてに暗号化されています）。", "undecryptable"
            )
    _refuse(
        "このパッケージはこの事業所の電子証明書あてに暗号化されていないため復号できません。"
        "証明書を更新した直後の場合は、送信元に再送を依頼してください。",
        "no_key",
    )
