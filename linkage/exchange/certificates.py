"""Office certificates: upload (PKCS#12), the active signing identity, key rotation."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkage.exchange.models import CertificateSource, OfficeCertificate
from linkage.signing import pki
from portal.core import crypto
from portal.offices.tenancy import scopes_disabled

log = logging.getLogger(__name__)


def trusted_roots():
    """The CAs whose office certificates are trusted: the configured bundle and the issuing CA."""
    return pki.load_trusted_roots(
        getattr(settings, "RENKEI_TRUSTED_CA_FILE", ""), getattr(settings, "RENKEI_ISSUING_CA_CERT_FILE", "")
    )


@dataclass
class SigningIdentity:
    office_number: str
    key: object
    certificate: object  # x509.Certificate
    certificate_pem: str


def certificate_upload(
    *, office, uploaded_by, data: bytes, password: str, now: dt.datetime | None = None
) -> OfficeCertificate:
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
        raise ValidationError(
            {
                "file": (
                    f"この証明書は事業所番号 {shown} のものです。この事業所（{office.office_number}）の証明書を選んでください。"
                )
            }
        )
    roots = trusted_roots()
    if not roots and not settings.DEBUG:
        # In production a certificate is only accepted when it chains to a configured CA: without
        # RENKEI_TRUSTED_CA_FILE anyone could make a self-signed certificate naming any office.
        raise ValidationError(
            {
                "file": (
                    "連携基盤が信頼する認証局が設定されていないため、証明書を登録できません。"
                    "運営者にお問い合わせください（設定: RENKEI_TRUSTED_CA_FILE）。"
                )
            }
        )
    if roots:
        try:
            pki.verify_chain(cert, roots, intermediates=extra, now=now)
        except pki.CertificateError:
            raise ValidationError(
                {
                    "file": (
                        "この証明書は連携基盤が信頼する認証局から発行されたものではありません。発行元を確認してください。"
                    )
                }
            ) from None
    return _store(office=office, uploaded_by=uploaded_by, key=key, cert=cert)


@transaction.atomic
def _store(*, office, uploaded_by, key, cert, source: str = CertificateSource.UPLOADED) -> OfficeCertificate:
    info = pki.describe(cert)
    OfficeCertificate.objects.filter(office=office, is_active=True).update(is_active=False)
    record = OfficeCertificate.objects.create(
        office=office,
        subject=info.subject,
        issuer=info.issuer,
        serial=info.serial,
        fingerprint=info.fingerprint,
        not_before=info.not_before,
        not_after=info.not_after,
        certificate_pem=pki.certificate_pem(cert),
        encrypted_private_key=crypto.encrypt_secret(pki.private_key_der(key)),
        uploaded_by=uploaded_by,
        is_active=True,
        source=source,
    )
    log.info("certificate %s stored for office %s", record.pk, office.pk)
    from linkage.exchange.tasks import publish_certificate
    from portal.core.tasks import enqueue

    enqueue(publish_certificate, office.pk)  # senders need it at the hub to encrypt to this office
    return record


def certificate_install(*, office, key, cert) -> OfficeCertificate:
    """Store an already checked key + certificate (the test CA command)."""
    return _store(office=office, uploaded_by=None, key=key, cert=cert)


# --------------------------------------------------------------------------- the issuing CA


class IssuingCANotConfigured(Exception):
    """RENKEI_ISSUING_CA_CERT_FILE / RENKEI_ISSUING_CA_KEY_FILE are not set (Japanese message)."""


def issuing_ca() -> pki.CertificateAuthority:
    """The operator's issuing CA from ``RENKEI_ISSUING_CA_CERT_FILE`` / ``_KEY_FILE`` (+ passphrase)."""
    from pathlib import Path

    cert_file = getattr(settings, "RENKEI_ISSUING_CA_CERT_FILE", "")
    key_file = getattr(settings, "RENKEI_ISSUING_CA_KEY_FILE", "")
    if not cert_file or not key_file or not Path(cert_file).exists() or not Path(key_file).exists():
        raise IssuingCANotConfigured(
            "発行用認証局（RENKEI_ISSUING_CA_CERT_FILE・RENKEI_ISSUING_CA_KEY_FILE）が設定されていないため、"
            "電子証明書を発行できません。"
        )
    return pki.CertificateAuthority.load(
        Path(cert_file).read_bytes(),
        Path(key_file).read_bytes(),
        getattr(settings, "RENKEI_ISSUING_CA_KEY_PASSPHRASE", "") or None,
    )


def certificate_issue(*, office, now: dt.datetime | None = None) -> OfficeCertificate:
    """Issue ``office`` a signing certificate naming its 事業所番号 with the issuing CA and make it the
    active one (the key is encrypted at rest like an uploaded one). Only for verified offices."""
    if not office.is_verified:
        raise ValidationError("本人確認が済んでいない事業所には電子証明書を発行できません。")
    ca = issuing_ca()
    now = now or timezone.now()
    key, cert = pki.issue_office_certificate(
        ca,
        office_number=office.office_number,
        name=office.name,
        not_before=now - dt.timedelta(hours=1),
        not_after=now + dt.timedelta(days=getattr(settings, "RENKEI_ISSUED_CERTIFICATE_DAYS", 397)),
    )
    record = _store(office=office, uploaded_by=None, key=key, cert=cert, source=CertificateSource.ISSUED)
    log.info("certificate %s issued to office %s", record.pk, office.pk)
    return record


def _needs_certificate(office, now: dt.datetime) -> bool:
    """No usable certificate, or Renkei's own one expires within RENKEI_CERTIFICATE_RENEW_DAYS.
    An office's own uploaded certificate is left alone while it is valid."""
    record = active_certificate(office)
    if record is None or record.not_after <= now:
        return True
    renew_at = record.not_after - dt.timedelta(days=getattr(settings, "RENKEI_CERTIFICATE_RENEW_DAYS", 30))
    return record.source == CertificateSource.ISSUED and renew_at <= now


def certificate_issue_if_needed(*, office, now: dt.datetime | None = None) -> OfficeCertificate | None:
    """Issue a certificate when the verified office needs one and the issuing CA is configured."""
    now = now or timezone.now()
    if not office.is_verified or not _needs_certificate(office, now):
        return None
    try:
        return certificate_issue(office=office, now=now)
    except IssuingCANotConfigured:
        log.warning("office %s needs a certificate but no issuing CA is configured", office.pk)
        return None


def certificates_renew(*, now: dt.datetime | None = None) -> int:
    """Periodic: every verified office gets a certificate before Renkei's expires (idempotent)."""
    from portal.offices.models import Office, VerificationStatus
    from portal.offices.tenancy import office_scope

    count = 0
    for office in Office.objects.filter(verification_status=VerificationStatus.VERIFIED):
        with office_scope(office), transaction.atomic():
            if certificate_issue_if_needed(office=office, now=now) is not None:
                count += 1
    return count


def certificates_deactivate(*, office) -> int:
    """Stop signing with any of the office's certificates (its verification was withdrawn)."""
    return OfficeCertificate.objects.filter(office=office, is_active=True).update(is_active=False)


def active_certificate(office) -> OfficeCertificate | None:
    return OfficeCertificate.objects.filter(office=office, is_active=True, revoked_at__isnull=True).first()


class NoCertificate(Exception):
    """The office has no usable signing certificate (Japanese message)."""


def signing_identity(office) -> SigningIdentity:
    record = active_certificate(office)
    if record is None:
        if not office.is_verified:
            raise NoCertificate(
                "事業所の本人確認が済むと、Renkei が電子証明書を発行します。「事業所の本人確認」から申請してください。"
            )
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


def _hub_client(office, record: OfficeCertificate):
    from linkage.exchange.hubclient import HubClient

    key = pki.load_private_key_der(crypto.decrypt_secret(record.encrypted_private_key))
    return HubClient(
        settings.RENKEI_HUB_URL,
        office_number=office.office_number,
        key=key,
        certificate=pki.load_pem_certificate(record.certificate_pem),
        timeout=getattr(settings, "RENKEI_HUB_TIMEOUT", 30),
    )


def certificate_publish(*, office) -> dict | None:
    """Register the office's active certificate with the hub, which publishes it to senders
    (they encrypt packages to it). A new certificate replaces the previous one there after the overlap."""
    record = active_certificate(office)
    if record is None or record.is_expired:
        return None
    return _hub_client(office, record).register()


def office_private_keys(office) -> dict:
    """{certificate fingerprint: private key} of every stored certificate of the office, to open
    packages sealed to the current one or to the previous one during the change-over."""
    keys = {}
    for record in OfficeCertificate.objects.filter(office=office).only("fingerprint", "encrypted_private_key"):
        try:
            keys[record.fingerprint] = pki.load_private_key_der(crypto.decrypt_secret(record.encrypted_private_key))
        except (crypto.SecretUnreadable, ValueError):
            continue
    return keys


class RevocationFailed(Exception):
    """The hub could not be told; nothing was changed (Japanese message)."""


def certificate_revoke(*, office, record: OfficeCertificate, actor, reason: str = "") -> OfficeCertificate:
    """Revoke one of the office's certificates at the hub (signed with that certificate), then here.

    After revoking the active certificate the office cannot send or receive until it uploads a
    new one. A certificate the hub already considers revoked (e.g. replaced) is simply marked here.
    """
    from linkage.exchange.hubclient import HubError
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    if record.revoked_at is not None:
        return record
    if not record.is_expired:
        try:
            _hub_client(office, record).revoke(record.fingerprint, reason or "revoked_by_office")
        except crypto.SecretUnreadable:
            raise RevocationFailed(
                "証明書の秘密鍵を復号できないため失効を連携基盤に届けられませんでした。運営者に連絡してください。"
            ) from None
        except HubError as exc:
            if exc.code != "revoked_certificate":
                raise RevocationFailed(
                    f"連携基盤で失効させられませんでした（{exc}）。時間をおいてもう一度お試しください。"
                ) from None
    now = timezone.now()
    OfficeCertificate.objects.filter(pk=record.pk).update(revoked_at=now, is_active=False)
    record.revoked_at, record.is_active = now, False
    audit_record(
        office=office,
        actor=actor,
        action=AuditAction.CERTIFICATE_REVOKED,
        detail={"certificate_id": record.pk, "fingerprint": record.fingerprint[:16]},
    )
    log.info("certificate %s of office %s revoked", record.pk, office.pk)
    return record
