"""Delivery (worker): seal and post queued packages to the hub, retry, sync sent statuses."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from linkage.exchange import certificates
from linkage.exchange.hubclient import HubClient, HubError
from linkage.exchange.models import Channel, HubSync, Package, PackageStatus
from linkage.signing import sealing

log = logging.getLogger("linkage.exchange.services")  # the name log settings know


# --------------------------------------------------------------------------- delivery (worker)


def hub_client_for(office) -> HubClient:
    identity = certificates.signing_identity(office)
    return HubClient(
        settings.RENKEI_HUB_URL,
        office_number=office.office_number,
        key=identity.key,
        certificate=identity.certificate,
        timeout=getattr(settings, "RENKEI_HUB_TIMEOUT", 30),
    )


def retry_delay(attempts: int) -> int:
    base = getattr(settings, "RENKEI_SEND_RETRY_BASE", 5)
    cap = getattr(settings, "RENKEI_SEND_RETRY_MAX", 600)
    return int(min(cap, base * (2 ** max(0, attempts - 1))))


@dataclass
class DeliveryResult:
    outcome: str  # sent | retry | error | skipped
    retry_in: int | None = None


def package_deliver(*, package_pk: int) -> DeliveryResult:
    """Claim the package (conditional UPDATE), submit it to the hub, record the outcome.

    Idempotent: a package already sent, or claimed by another worker recently, is skipped; the
    hub treats a second submit of the same package id as the same package.
    """
    from portal.offices.models import Office

    if Office.objects.filter(
        pk__in=Package.objects.filter(pk=package_pk).values("office_id"), suspended_at__isnull=False
    ).exists():
        return DeliveryResult("skipped")  # 利用停止: stays 送信待ち; the sweep sends it after 再開
    now = timezone.now()
    stale = now - dt.timedelta(seconds=getattr(settings, "RENKEI_SEND_CLAIM_TIMEOUT", 300))
    claimed = (
        Package.objects.filter(pk=package_pk, channel=Channel.HUB)
        .filter(Q(status=PackageStatus.QUEUED) | Q(status=PackageStatus.SENDING, claimed_at__lt=stale))
        .update(status=PackageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return DeliveryResult("skipped")
    package = Package.objects.select_related("office").get(pk=package_pk)
    if not package.office.is_verified:
        from portal.offices.services import NOT_VERIFIED_MESSAGE

        Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
            status=PackageStatus.ERROR, last_error=NOT_VERIFIED_MESSAGE
        )
        return DeliveryResult("error")
    try:
        client = hub_client_for(package.office)
        result = client.submit(package_sealed(package=package, client=client))
    except (certificates.NoCertificate, sealing.SealError) as exc:
        Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
            status=PackageStatus.ERROR, last_error=str(exc)
        )
        return DeliveryResult("error")
    except HubError as exc:
        max_attempts = getattr(settings, "RENKEI_SEND_MAX_ATTEMPTS", 15)
        if exc.retryable and package.attempts < max_attempts:
            delay = retry_delay(package.attempts)
            Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
                status=PackageStatus.QUEUED,
                last_error=f"{exc}（{delay}秒後に再送します）",
                next_attempt_at=now + dt.timedelta(seconds=delay),
            )
            log.info("package %s: hub unavailable (attempt %s), retry in %ss", package.pk, package.attempts, delay)
            return DeliveryResult("retry", delay)
        Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
            status=PackageStatus.ERROR, last_error=f"連携基盤が受け付けませんでした: {exc}"
        )
        log.warning("package %s refused by hub: %s", package.pk, exc.code)
        return DeliveryResult("error")
    Package.objects.filter(pk=package.pk, status=PackageStatus.SENDING).update(
        status=PackageStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    log.info("package %s delivered to hub (duplicate=%s)", package.pk, bool(result.get("duplicate")))
    return DeliveryResult("sent")


def package_sealed(*, package: Package, client: HubClient) -> bytes:
    """The package encrypted to the recipient office's current certificate(s) as published by the
    hub and checked here (trusted CA, 事業所番号, validity). Made once and kept, so a retry sends
    the same bytes. Raises a retryable HubError while the recipient has no certificate at the hub."""
    if package.sealed_content:
        return bytes(package.sealed_content)
    number = package.recipient_office_number
    rows = client.office_certificates(number)
    recipients = sealing.recipient_certificates(rows, office_number=number, roots=certificates.trusted_roots())
    if not rows:
        raise HubError(
            f"送信先の事業所（{number}）の電子証明書が連携基盤にまだ登録されていないため、暗号化できません。"
            "相手が証明書を登録すると送信します。",
            code="no_recipient_certificate",
            retryable=True,
        )
    if not recipients:
        raise sealing.SealError(
            f"連携基盤が示した送信先の事業所（{number}）の電子証明書を確認できないため、送信を中止しました"
            "（信頼する認証局の発行でないか、事業所番号・有効期限が合いません）。運営者に連絡してください。",
            "untrusted_recipient_certificate",
        )
    identity = certificates.signing_identity(package.office)
    sealed = sealing.seal_package(
        bytes(package.content), key=identity.key, certificate=identity.certificate, recipients=recipients
    )
    Package.objects.filter(pk=package.pk, sealed_content__isnull=True).update(sealed_content=sealed)
    return bytes(Package.objects.filter(pk=package.pk).values_list("sealed_content", flat=True).get())


def outbox_due(*, office) -> list[int]:
    """Packages to (re)queue: queued and due, or stuck in 送信中 past the claim timeout (killed worker)."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=getattr(settings, "RENKEI_SEND_CLAIM_TIMEOUT", 300))
    return list(
        Package.objects.filter(office=office, channel=Channel.HUB)
        .filter(
            Q(
                status=PackageStatus.QUEUED,
                next_attempt_at__isnull=True,
                created_at__lt=now - dt.timedelta(seconds=getattr(settings, "RENKEI_SEND_QUEUED_GRACE", 30)),
            )
            | Q(status=PackageStatus.QUEUED, next_attempt_at__lt=now)
            | Q(status=PackageStatus.SENDING, claimed_at__lt=stale)
        )
        .values_list("pk", flat=True)[:1000]
    )


def sent_status_sync(*, office, client: HubClient | None = None) -> int:
    """Copy the recipients' acknowledgements (受信済 / 取込済 / 取込エラー) from the hub."""
    client = client or hub_client_for(office)
    sync, _ = HubSync.objects.get_or_create(office=office)
    changed = 0
    while True:
        rows = client.sent(updated_after=sync.sent_updated_after or None)
        if not rows:
            break
        for row in rows:
            status = {
                "received": PackageStatus.RECEIVED,
                "imported": PackageStatus.IMPORTED,
                "rejected": PackageStatus.REJECTED,
            }.get(row["status"])
            if status is not None:
                values = {"status": status, "remote_detail": row.get("status_detail", "")[:4000]}
                if row.get("received_at"):
                    values["received_at"] = dt.datetime.fromisoformat(row["received_at"])
                if row.get("imported_at"):
                    values["imported_at"] = dt.datetime.fromisoformat(row["imported_at"])
                changed += Package.objects.filter(
                    office=office,
                    package_id=row["package_id"],
                    status__in=[
                        PackageStatus.QUEUED,
                        PackageStatus.SENDING,
                        PackageStatus.SENT,
                        PackageStatus.RECEIVED,
                    ],
                ).update(**values)
            if row.get("deleted_at"):
                _hub_deletion_record(office, row["package_id"], dt.datetime.fromisoformat(row["deleted_at"]))
            sync.sent_updated_after = row["updated_at"]
        sync.save(update_fields=["sent_updated_after"])
        if len(rows) < 500:
            break
    return changed


def _hub_deletion_record(office, package_id: str, deleted_at: dt.datetime) -> None:
    """The hub deleted a sent package after its retention period: note when, once, in the audit trail."""
    from portal.partners.models import AuditAction
    from portal.partners.services import audit_record

    package = Package.objects.filter(office=office, package_id=package_id, hub_deleted_at__isnull=True).first()
    if package is None:
        return
    if Package.objects.filter(pk=package.pk, hub_deleted_at__isnull=True).update(hub_deleted_at=deleted_at):
        audit_record(
            office=office,
            actor=None,
            action=AuditAction.PACKAGE_HUB_DELETED,
            partner_office_number=package.recipient_office_number,
            detail={"package_id": str(package.package_id), "deleted_at": deleted_at.isoformat()},
        )
