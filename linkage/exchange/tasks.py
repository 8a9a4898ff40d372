"""Celery tasks of the exchange: thin — fetch by id, run inside the office scope, call a service.

Delivery is keyed by the package (its row is claimed with a conditional UPDATE) and retried
with exponential backoff while the hub is unreachable. Nothing depends on the broker keeping
a message: ``sweep_outbox`` (beat) re-queues packages that are due or whose worker died.
"""

from __future__ import annotations

import logging

from celery import shared_task

from portal.offices.models import Office
from portal.offices.tenancy import office_scope

log = logging.getLogger(__name__)


@shared_task(bind=True, name="exchange.deliver_package", max_retries=None, acks_late=True)
def deliver_package(self, office_id: int, package_pk: int):
    from linkage.exchange.services import package_deliver

    with office_scope(office_id):
        result = package_deliver(package_pk=package_pk)
    if result.outcome == "retry":
        raise self.retry(countdown=result.retry_in)
    return result.outcome


@shared_task(name="exchange.sweep_outbox")
def sweep_outbox():
    """Re-queue packages that are due (backoff elapsed) or stuck in 送信中 (a killed worker)."""
    from linkage.exchange.services import outbox_due

    queued = 0
    for office_id in Office.objects.values_list("pk", flat=True):
        with office_scope(office_id):
            due = outbox_due(office=Office(pk=office_id))
        for pk in due:
            deliver_package.apply_async(args=(office_id, pk))
            queued += 1
    return queued


@shared_task(name="exchange.poll_hub")
def poll_hub():
    """Periodic: one sync task per office with an active signing certificate."""
    from linkage.exchange.models import OfficeCertificate

    count = 0
    for office_id in Office.objects.filter(verification_status="verified", suspended_at__isnull=True).values_list(
        "pk", flat=True
    ):
        with office_scope(office_id):
            if not OfficeCertificate.objects.filter(office_id=office_id, is_active=True).exists():
                continue
        sync_office.apply_async(args=(office_id,))
        count += 1
    return count


@shared_task(bind=True, name="exchange.sync_office", max_retries=5, acks_late=True)
def sync_office(self, office_id: int):
    """Receive, import, acknowledge and update sent statuses for one office."""
    from linkage.exchange.certificates import NoCertificate
    from linkage.exchange.hubclient import HubError
    from linkage.exchange.services import office_sync
    from portal.offices.services import OfficeSuspended

    office = Office.objects.get(pk=office_id)
    with office_scope(office):
        try:
            return office_sync(office=office)
        except NoCertificate:
            return {"skipped": "no certificate"}
        except OfficeSuspended:
            return {"skipped": "suspended"}
        except HubError as exc:
            if exc.retryable:
                log.info("office %s: hub unavailable during sync", office_id)
                raise self.retry(countdown=30) from None
            raise


@shared_task(name="exchange.renew_certificates")
def renew_certificates():
    """Periodic: issue or renew Renkei-issued signing certificates of verified offices before they expire."""
    from linkage.exchange.certificates import certificates_renew

    return certificates_renew()


@shared_task(bind=True, name="exchange.publish_certificate", max_retries=10, acks_late=True)
def publish_certificate(self, office_id: int):
    """Register the office's active certificate with the hub (after an upload)."""
    from linkage.exchange.certificates import certificate_publish
    from linkage.exchange.hubclient import HubError

    with office_scope(office_id):
        try:
            certificate_publish(office=Office.objects.get(pk=office_id))
        except HubError as exc:
            if exc.retryable:
                raise self.retry(countdown=60) from None
            log.warning("office %s: the hub refused its certificate (%s)", office_id, exc.code)
    return "published"
