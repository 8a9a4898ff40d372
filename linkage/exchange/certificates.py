"""Office certificates: upload (PKCS#12), the active signing identity, key rotation."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkage.exchange import crypto, pki
from linkage.exchange.models import OfficeCertificate
from portal.offices.tenancy import scopes_disabled

log = logging.getLogger(__name__)


def trusted_roots():
    return pki.load_trusted_roots(getattr(settings, "RENKEI_TRUSTED_CA_FILE", ""))


@dataclass
class SigningIdentity:
    office_number: str
    key: object
    certificate: object  # x509.Certificate
    certificate_pem: str


def certificate_upload(*, office, uploaded_by, data: bytes, password: str, now: dt.datetime | None = None) -> OfficeCertificate:
    """Check a PKCS#12 file and store it as the office's active certificate.

    Raises ValidationError (Japanese, for the field ``file`` or ``password``) when the file
    cannot be opened, has no private key, is expired or not for signing, belongs to another
    office, or is not issued by the trusted CA.
    """
    now = now or timezone.now()
    try:
        key, cert, extra = pki.load_pkcs12(data, password)
        pki.check_signing_certificate(cert, now=now)
    except pki.CertificateError as exc:
        field = "password" if exc.code == "password" else "file"
        raise ValidationError({field: str(exc)}) from None
    office_number = pki.office_number_of(cert)
    if office_number != office.office_number:
        shown = office_number or "記載なし"
        raise ValidationError({"file": (
            f"この証明書は事業所番号 {shown} のものです。この事業所（{office.office_number}）の証明書を選んでください。"
        )})
    roots = trusted_roots()
    if not roots and not settings.DEBUG:
        # In production a certificate is only accepted when it chains to a configured CA: without
        # RENKEI_TRUSTED_CA_FILE anyone could make a self-signed certificate naming any office.
        raise ValidationError({"file": (
            "連携基盤が信頼する認証局が設定されていないため、証明書を登録できません。"
            "運営者にお問い合わせください（設定: RENKEI_TRUSTED_CA_FILE）。"
        )})
    if roots:
        try:
            pki.verify_chain(cert, roots, intermediates=extra, now=now)
        except pki.CertificateError:
            raise ValidationError({"file": (
                "この証明書は連携基盤が信頼する認証局から発行されたものではありません。発行元を確認してください。"
            )}) from None
    return _store(office=office, uploaded_by=uploaded_by, key=key, cert=cert)


@transaction.atomic
def _store(*, office, uploaded_by, key, cert) -> OfficeCertificate:
    info = pki.describe(cert)
    OfficeCertificate.objects.filter(office=office, is_active=True).update(is_active=False)
    record = OfficeCertificate.objects.create(
        office=office, subject=info.subject, issuer=info.issuer, serial=info.serial,
        fingerprint=info.fingerprint, not_before=info.not_before, not_after=info.not_after,
        certificate_pem=pki.certificate_pem(cert),
        encrypted_private_key=crypto.encrypt_secret(pki.private_key_der(key)),
        uploaded_by=uploaded_by, is_active=True,
    )
    log.info("certificate %s stored for office %s", record.pk, office.pk)
    return record


def certificate_install(*, office, key, cert) -> OfficeCertificate:
    """Store an already checked key + certificate (the test CA command)."""
    return _store(office=office, uploaded_by=None, key=key, cert=cert)


def active_certificate(office) -> OfficeCertificate | None:
    return OfficeCertificate.objects.filter(office=office, is_active=True).first()


class NoCertificate(Exception):
    """The office has no usable signing certificate (Japanese message)."""


def signing_identity(office) -> SigningIdentity:
    record = active_certificate(office)
    if record is None:
        raise NoCertificate("電子証明書が登録されていません。事業所の管理者が「電子証明書」画面で登録してください。")
    if record.is_expired:
        raise NoCertificate("電子証明書の有効期限が切れています。新しい証明書を登録してください。")
    try:
        key = pki.load_private_key_der(crypto.decrypt_secret(record.encrypted_private_key))
    except crypto.SecretUnreadable:
        raise NoCertificate("電子証明書の秘密鍵を復号できません。暗号化キーの設定を確認してください。") from None
    cert = pki.load_pem_certificate(record.certificate_pem)
    return SigningIdentity(office.office_number, key, cert, record.certificate_pem)


def secrets_reencrypt() -> int:
    """Re-encrypt every stored private key with the newest key (operator command)."""
    count = 0
    with scopes_disabled():
        for record in OfficeCertificate.objects.all().only("pk", "encrypted_private_key").iterator():
            rotated = crypto.rotate_secret(record.encrypted_private_key)
            OfficeCertificate.objects.filter(pk=record.pk).update(encrypted_private_key=rotated)
            count += 1
    return count
