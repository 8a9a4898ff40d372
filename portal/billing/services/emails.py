"""Billing e-mails: the invoice e-mail and the licence reminders, each sent at most once."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.billing.licensing import LicenceState, active_invoices, licence_status
from portal.billing.models import Invoice, ReminderKind, ReminderSent
from portal.offices.models import Membership, Office, Role

# One logger for the whole package, named as before the split, so log records keep their name.
logger = logging.getLogger("portal.billing.services")


def office_admin_emails(office: Office) -> list[str]:
    return sorted(
        {
            email
            for email in Membership.objects.filter(office=office, role=Role.ADMIN).values_list("user__email", flat=True)
            if email
        }
    )


def _send_once(
    *,
    office: Office,
    key: str,
    kind: str,
    subject: str,
    body: str,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bool:
    """Send one email to the office admins unless ``key`` was sent before; True if sent now.

    The ReminderSent row is inserted and the mail sent in one transaction: a second worker
    blocks on the unique key and then skips; a failed send rolls the row back so the next
    run tries again.
    """
    recipients = office_admin_emails(office)
    if not recipients:
        logger.warning("no admin email for office %s; %s not sent", office.pk, kind)
        return False
    try:
        with transaction.atomic():
            ReminderSent.objects.create(office=office, key=key, kind=kind, recipients=len(recipients))
            message = EmailMessage(subject=f"[Renkei] {subject}", body=body, to=recipients)
            for name, content, mimetype in attachments:
                message.attach(name, content, mimetype)
            message.send()
    except IntegrityError:
        return False
    logger.info("billing email %s sent for office %s", kind, office.pk)
    return True


def _billing_url() -> str:
    return settings.SITE_URL + reverse("billing:office")


def invoice_email_send(*, invoice: Invoice) -> bool:
    """Email an issued invoice (PDF attached) to the office admins, once."""
    from portal.billing.pdf import invoice_pdf

    office = invoice.office
    body = render_to_string(
        "billing/email/invoice_issued.txt",
        {
            "invoice": invoice,
            "office": office,
            "link": _billing_url(),
        },
    )
    title = "取消請求書" if invoice.is_cancellation else "請求書"
    return _send_once(
        office=office,
        key=f"invoice-issued:{invoice.pk}",
        kind=ReminderKind.INVOICE_ISSUED,
        subject=f"{title} {invoice.number} を発行しました",
        body=body,
        attachments=((invoice.filename, invoice_pdf(invoice), "application/pdf"),),
    )


def office_reminders_send(*, office: Office, on: dt.date | None = None) -> list[str]:
    """Send the due reminders of one office (inside its scope); returns the keys sent now.

    - 更新待ち → "renewal-due:<licence>"       once per period
    - overdue invoice → "invoice-overdue:<invoice>" once per invoice
    - 失効 → "licence-lapsed:<licence>"        once per lapse
    """
    on = on or timezone.localdate()
    sent = []
    status = licence_status(office, on)
    context = {"office": office, "status": status, "link": _billing_url(), "on": on}
    if status.state == LicenceState.RENEWAL_DUE:
        key = f"renewal-due:{status.licence.pk}"
        if _send_once(
            office=office,
            key=key,
            kind=ReminderKind.RENEWAL_DUE,
            subject="ライセンス更新のお知らせ",
            body=render_to_string("billing/email/renewal_due.txt", context),
        ):
            sent.append(key)
    if status.state == LicenceState.LAPSED and status.licence is not None:
        key = f"licence-lapsed:{status.licence.pk}"
        if _send_once(
            office=office,
            key=key,
            kind=ReminderKind.LICENCE_LAPSED,
            subject="ライセンスが失効しました（送信が止まっています）",
            body=render_to_string("billing/email/licence_lapsed.txt", context),
        ):
            sent.append(key)
    overdue = (
        active_invoices().filter(office=office, due_on__lt=on).annotate(paid=Sum("payments__amount")).order_by("due_on")
    )
    for invoice in overdue:
        outstanding = invoice.amount - (invoice.paid or 0)
        if outstanding <= 0:
            continue
        key = f"invoice-overdue:{invoice.pk}"
        if _send_once(
            office=office,
            key=key,
            kind=ReminderKind.INVOICE_OVERDUE,
            subject=f"請求書 {invoice.number} のお支払い期限が過ぎています",
            body=render_to_string(
                "billing/email/invoice_overdue.txt",
                {
                    **context,
                    "invoice": invoice,
                    "outstanding": outstanding,
                },
            ),
        ):
            sent.append(key)
    return sent
