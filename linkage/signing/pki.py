"""Certificates and signatures, with ``cryptography`` only (no Django import: the hub uses it too).

An office's signing certificate carries its 10-digit 事業所番号 in the subject attribute
``serialNumber`` (OID 2.5.4.5); that is how a certificate "belongs" to an office.
``make_test_ca`` (see :func:`issue_office_certificate`) issues certificates of that shape.

Signatures: RSA keys sign with PKCS#1 v1.5 + SHA-256, EC keys with ECDSA + SHA-256,
Ed25519 keys with Ed25519. Chains are checked with ``cryptography.x509.verification``
against the trusted CA store (``RENKEI_TRUSTED_CA_FILE``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store, VerificationError

from linkage.standard.wareki import era_date

OFFICE_NUMBER_RE = re.compile(r"^\d{10}$")
EXPIRY_WARNING_DAYS = 30


class CertificateError(ValueError):
    """A certificate or key that cannot be used. ``str(error)`` is Japanese for the user."""

    def __init__(self, message: str, code: str = "certificate"):
        super().__init__(message)
        self.code = code


class SignatureError(ValueError):
    """A signature that does not verify. ``str(error)`` is Japanese."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial: str  # hex, upper case
    not_before: dt.datetime
    not_after: dt.datetime
    office_number: str | None
    fingerprint: str  # SHA-256 of the DER, hex


def rfc4514(name: x509.Name) -> str:
    return name.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber"})


def office_number_of(cert: x509.Certificate) -> str | None:
    """The 事業所番号 a certificate belongs to (subject serialNumber), or None."""
    values = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)]
    for value in values:
        if isinstance(value, str) and OFFICE_NUMBER_RE.match(value):
            return value
    return None


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def describe(cert: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=rfc4514(cert.subject),
        issuer=rfc4514(cert.issuer),
        serial=format(cert.serial_number, "X"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        office_number=office_number_of(cert),
        fingerprint=fingerprint(cert),
    )


def load_pem_certificate(data: bytes | str) -> x509.Certificate:
    if isinstance(data, str):
        data = data.encode("ascii", "replace")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError("証明書（PEM形式）を読み取れませんでした。", "unreadable") from None


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_trusted_roots(path: str | Path | None, *more: str | Path | None) -> list[x509.Certificate]:
    """All certificates of one or more PEM bundles (the trusted CA store: ``RENKEI_TRUSTED_CA_FILE``
    and the issuing CA's certificate). Missing or unset paths are skipped; duplicates are dropped."""
    roots: list[x509.Certificate] = []
    seen: set[bytes] = set()
    for item in (path, *more):
        if not item:
            continue
        p = Path(item)
        if not p.exists():
            continue
        for cert in x509.load_pem_x509_certificates(p.read_bytes()):
            digest = cert.fingerprint(hashes.SHA256())
            if digest not in seen:
                seen.add(digest)
                roots.append(cert)
    return roots


def load_pkcs12(data: bytes, password: str) -> tuple[object, x509.Certificate, list[x509.Certificate]]:
    """Open a PKCS#12 (.p12/.pfx) file → (private key, certificate, additional certificates).

    Raises :class:`CertificateError` with a Japanese message for a wrong password, a file that
    is not PKCS#12, a file without a private key or without a certificate, and a key that does
    not belong to the certificate.
    """
    if not data:
        raise CertificateError("ファイルが空です。電子証明書ファイル（.p12 / .pfx）を選んでください。", "empty")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode("utf-8") if password else None)
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            raise CertificateError(
                "パスワードが違うため電子証明書を開けませんでした。証明書の発行時に受け取ったパスワードを確認してください。",
                "password",
            ) from None
        raise CertificateError(
            "電子証明書ファイル（PKCS#12形式: .p12 / .pfx）として読み取れませんでした。ファイルを確認してください。",
            "unreadable",
        ) from None
    except Exception:  # noqa: BLE001 - any parser failure is a bad file for the user
        raise CertificateError(
            "電子証明書ファイル（PKCS#12形式: .p12 / .pfx）として読み取れませんでした。ファイルを確認してください。",
            "unreadable",
        ) from None
    if key is None:
        raise CertificateError(
            "ファイルに秘密鍵が含まれていません。署名には秘密鍵付きの電子証明書（.p12 / .pfx）が必要です。",
            "no_key",
        )
    if cert is None:
        raise CertificateError(
            "ファイルに証明書が含まれていません。証明書と秘密鍵を含むファイルを選んでください。", "no_certificate"
        )
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise CertificateError(
            "この種類の鍵には対応していません（RSA・楕円曲線暗号の鍵に対応しています）。", "key_type"
        )
    if public_bytes(key.public_key()) != public_bytes(cert.public_key()):
        raise CertificateError(
            "秘密鍵と証明書が対応していません。同じ証明書の秘密鍵を含むファイルを選んでください。", "key_mismatch"
        )
    return key, cert, list(extra or [])


def public_bytes(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def check_signing_certificate(cert: x509.Certificate, *, now: dt.datetime | None = None) -> None:
    """Not expired, already valid, and usable for signing (digitalSignature / nonRepudiation)."""
    now = now or utcnow()
    if cert.not_valid_after_utc <= now:
        raise CertificateError(
            f"この電子証明書は有効期限（{era_date(cert.not_valid_after_utc.astimezone(JST).date())}）が切れています。"
            "新しい証明書を取得してください。",
            "expired",
        )
    if cert.not_valid_before_utc > now:
        raise CertificateError(
            f"この電子証明書はまだ有効になっていません（有効期間の開始: {era_date(cert.not_valid_before_utc.astimezone(JST).date())}）。",
            "not_yet_valid",
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise CertificateError(
            "この電子証明書は署名用ではありません（鍵用途にデジタル署名・否認防止がありません）。署名用の証明書を選んでください。",
            "key_usage",
        )


JST = dt.timezone(dt.timedelta(hours=9))


# --------------------------------------------------------------------------- keys


def private_key_der(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key_der(data: bytes):
    return serialization.load_der_private_key(data, password=None)


def sign(key, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    raise CertificateError("この種類の鍵には対応していません。", "key_type")


def verify_signature(cert: x509.Certificate, signature: bytes, data: bytes) -> None:
    """``certificate.public_key().verify(...)``; raises :class:`SignatureError`."""
    public_key = cert.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            raise SignatureError("対応していない種類の鍵で署名されています。")
    except InvalidSignature:
        raise SignatureError("署名が一致しません（内容が改ざんされたか、別の鍵で署名されています）。") from None


# --------------------------------------------------------------------------- chains


def _ee_policy() -> ExtensionPolicy:
    """End-entity policy: our office certificates need no SAN or EKU (they are not TLS certs)."""
    return ExtensionPolicy.permit_all().may_be_present(x509.KeyUsage, Criticality.AGNOSTIC, None)


def verify_chain(
    cert: x509.Certificate,
    roots: list[x509.Certificate],
    *,
    intermediates: list[x509.Certificate] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The certificate chains to one of ``roots`` and is valid at ``now``; else CertificateError."""
    if not roots:
        raise CertificateError("信頼する認証局（RENKEI_TRUSTED_CA_FILE）が設定されていません。", "no_trust_store")
    now = now or utcnow()
    if cert.not_valid_after_utc <= now:
        raise CertificateError("証明書の有効期限が切れています。", "expired")
    if cert.not_valid_before_utc > now:
        raise CertificateError("証明書の有効期間がまだ始まっていません。", "not_yet_valid")
    builder = (
        PolicyBuilder()
        .store(Store(roots))
        .time(now)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_ee_policy())
    )
    verifier = builder.build_client_verifier()
    try:
        verifier.verify(cert, intermediates or [])
    except VerificationError:
        raise CertificateError("証明書が信頼する認証局から発行されたものではありません。", "untrusted") from None


# --------------------------------------------------------------------------- test CA


@dataclass
class TestCA:
    key: object
    certificate: x509.Certificate

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, passphrase: str | None = None) -> bytes:
        encryption = (
            serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
            if passphrase
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    @classmethod
    def load(cls, cert_pem: bytes, key_pem: bytes, passphrase: str | None = None) -> TestCA:
        """Load a CA from its certificate and (possibly passphrase-encrypted) PEM key.

        Raises :class:`CertificateError` when the key cannot be opened or does not belong to the certificate.
        """
        try:
            key = serialization.load_pem_private_key(key_pem, passphrase.encode("utf-8") if passphrase else None)
        except (ValueError, TypeError):
            raise CertificateError(
                "発行用認証局の秘密鍵を開けません（パスフレーズを確認してください）。", "ca_key"
            ) from None
        cert = load_pem_certificate(cert_pem)
        if public_bytes(key.public_key()) != public_bytes(cert.public_key()):
            raise CertificateError("発行用認証局の秘密鍵と証明書が対応していません。", "ca_key")
        return cls(key, cert)


# The operator's issuing CA has the same shape as the test CA: a certificate and its key.
CertificateAuthority = TestCA


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def create_test_ca(*, name: str = "Renkei Test CA", days: int = 3650, now: dt.datetime | None = None) -> TestCA:
    now = now or utcnow()
    key = new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Renkei (test)"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return TestCA(key, cert)


def issue_office_certificate(
    ca: TestCA,
    *,
    office_number: str,
    name: str = "",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    days: int = 825,
    signing: bool = True,
    key=None,
):
    """Issue a certificate for one office: subject serialNumber = 事業所番号. Returns (key, cert)."""
    now = utcnow()
    key = key or new_key()
    not_before = not_before or now - dt.timedelta(days=1)
    not_after = not_after or now + dt.timedelta(days=days)
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, (name or f"事業所 {office_number}")[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{office_number} 署名用"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, office_number),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=signing,
                content_commitment=signing,
                key_encipherment=not signing,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return key, cert


def pkcs12_bytes(
    key, cert: x509.Certificate, password: str, *, ca: x509.Certificate | None = None, with_key: bool = True
) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password.encode("utf-8")) if password else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        b"renkei", key if with_key else None, cert, [ca] if ca is not None else None, encryption
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
