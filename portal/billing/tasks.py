"""Celery tasks: thin, keyed by primary keys, run inside the office scope, safe to run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from portal.offices.models import Office
from portal.offices.tenancy import office_scope


@shared_task(name="billing.send_invoice_email", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_invoice_email(office_id: int, invoice_id: int) -> bool:
    """Email an issued invoice to the office admins (once: keyed by the invoice)."""
    from portal.billing.models import Invoice
    from portal.billing.services import invoice_email_send

    with office_scope(office_id):
        invoice = Invoice.objects.select_related("office").filter(pk=invoice_id).first()
        if invoice is None:
            return False
        return invoice_email_send(invoice=invoice)


@shared_task(name="billing.office_reminders", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def office_reminders(office_id: int, on: str | None = None) -> list[str]:
    """Send the due reminders of one office (renewal due, invoice overdue, licence lapsed)."""
    from portal.billing.services import office_reminders_send

    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        return []
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    with office_scope(office):
        return office_reminders_send(office=office, on=day)


@shared_task(name="billing.queue_reminders")
def queue_reminders() -> int:
    """Beat entry (CELERY_BEAT_SCHEDULE["billing-reminders"]): one reminder task per office."""
    today = timezone.localdate().isoformat()
    office_ids = list(Office.objects.values_list("pk", flat=True))
    for office_id in office_ids:
        office_reminders.apply_async(args=(office_id, today))
    return len(office_ids)
