"""Writes for licences, invoices, payments and reminders; the sending gate.

HackSoft style: ``<entity>_<action>(*, keyword-only args)``. Every write that could race
takes a row lock first:
- licence writes lock the ``Office`` row (two operators renewing at once → one wins,
  the other gets a Japanese error);
- issuing locks the ``Licence`` row (never two live invoices for one period) and the
  ``InvoiceNumberSequence`` row of the series (numbers without gaps or duplicates; the
  unique constraints on ``Invoice.number`` and ``(series, sequence)`` are the safety net);
- recording a payment locks the ``Invoice`` row (no over-payment by two clicks).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.billing.licensing import (
    LicenceState,
    LicenceStatus,
    active_invoices,
    is_settled,
    licence_state,
    licence_status,
)
from portal.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceNumberSequence,
    Licence,
    LicenceKind,
    Payment,
    PaymentMethod,
    ReminderKind,
    ReminderSent,
    validate_registration_number,
)
from portal.billing.tax import split_tax_included
from portal.core.wareki import wareki_date
from portal.offices.models import Membership, Office, Role
from portal.offices.tenancy import office_scope

logger = logging.getLogger(__name__)

__all__ = [
    "SendingBlocked",
    "assert_can_send",
    "licence_state",
    "licence_status",
    "licence_apply",
    "licence_renew",
    "invoice_issue",
    "invoice_cancel",
    "payment_record",
    "invoice_outstanding",
    "office_reminders_send",
    "invoice_email_send",
]


# --------------------------------------------------------------------------- gating


class SendingBlocked(PermissionDenied):
    """The office may not send (its licence has lapsed). ``str(exc)`` says why and what to do, in Japanese."""

    def __init__(self, status: LicenceStatus):
        self.status = status
        super().__init__(status.message)


class SuspendedBlocked(SendingBlocked):
    """The office is suspended by the operator (利用停止): the message says so and why."""

    def __init__(self, message: str):
        self.status = None
        PermissionDenied.__init__(self, message)


def assert_can_send(office, on: dt.date | None = None) -> None:
    """Raise ``SendingBlocked`` if ``office`` may not send on ``on`` (today by default).

    A lapsed licence (失効) or a suspended office (利用停止) blocks. Login, reading, printing
    and exporting are never gated. Call this at the start of every send path.
    """
    from portal.offices.services import OfficeSuspended, assert_not_suspended

    try:
        assert_not_suspended(office)
    except OfficeSuspended as exc:
        logger.info("sending blocked for office %s (suspended)", getattr(office, "pk", office))
        raise SuspendedBlocked(str(exc)) from None
    status = licence_status(office, on)
    if not status.can_send:
        logger.info("sending blocked for office %s (licence lapsed)", getattr(office, "pk", office))
        raise SendingBlocked(status)


# --------------------------------------------------------------------------- licences


def add_years(day: dt.date, years: int) -> dt.date:
    """Same month and day ``years`` later; 29 February becomes 28 February."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def licence_period_end(start: dt.date) -> dt.date:
    """A yearly period: 2026-04-01 → 2027-03-31."""
    return add_years(start, 1) - dt.timedelta(days=1)


def _actor(user) -> str:
    return getattr(user, "email", "") or "" if user is not None else ""


def _lock_office(office: Office) -> Office:
    return Office.objects.select_for_update().get(pk=office.pk)


@transaction.atomic
def licence_apply(*, office: Office, start: dt.date, free: bool = False, by=None, note: str = "") -> Licence:
    """A new application (申込): the first period, or a fresh start after a lapse.

    ``free=True`` starts the office on a free first period (only for an office that has
    never had a licence).
    """
    _lock_office(office)
    with office_scope(office):
        status = licence_status(office, start)
        existing = list(Licence.objects.filter(office=office))
        if free and existing:
            raise ValidationError({"free": "無料期間は、はじめてライセンスを登録する事業所だけに設定できます。"})
        end = licence_period_end(start)
        overlap = next((lic for lic in existing if lic.period_start <= end and start <= lic.period_end), None)
        if overlap is not None:
            raise ValidationError(
                {
                    "start": (
                        f"この期間（{wareki_date(start)}〜{wareki_date(end)}）には、すでにライセンス"
                        f"（{wareki_date(overlap.period_start)}〜{wareki_date(overlap.period_end)}）があります。"
                        "続けて使う場合は「更新」を使ってください。"
                    )
                }
            )
        if status.state in (LicenceState.ACTIVE, LicenceState.RENEWAL_DUE, LicenceState.GRACE):
            raise ValidationError(
                {"start": "この事業所のライセンスはまだ続いています。新規申込ではなく「更新」を使ってください。"}
            )
        price = 0 if free else int(settings.RENKEI_LICENCE_PRICE)
        return Licence.objects.create(
            office=office,
            kind=LicenceKind.NEW,
            period_start=start,
            period_end=end,
            price=price,
            is_free=free,
            note=note,
            created_by=_actor(by),
        )


@transaction.atomic
def licence_renew(*, office: Office, by=None, on: dt.date | None = None, note: str = "") -> Licence:
    """Create the next yearly period right after the latest one (更新).

    Refused (in Japanese) when there is nothing to renew, when the next period already
    exists, and when the licence has lapsed — a lapsed office makes a new application.
    """
    on = on or timezone.localdate()
    _lock_office(office)
    with office_scope(office):
        latest = Licence.objects.filter(office=office).order_by("-period_start").first()
        if latest is None:
            raise ValidationError(
                "この事業所にはまだライセンスがありません。更新ではなく新規申込として登録してください。"
            )
        status = licence_status(office, on)
        if status.state == LicenceState.LAPSED:
            raise ValidationError(
                "ライセンスは失効しています（猶予期間も過ぎています）。失効したライセンスは更新できません。"
                "送信を再開するには「新規申込」として、今日以降の開始日で登録してください。"
            )
        if status.state == LicenceState.APPLIED:
            raise ValidationError(
                "申込中のライセンスはまだお支払いが確認できていません。更新はお支払いの確認後にできます。"
            )
        if status.licence.pk != latest.pk:  # a later period is already registered
            waiting = (
                "（お支払い待ちです）"
                if status.next_licence is not None and not is_settled(status.next_licence)
                else ""
            )
            raise ValidationError(
                f"次の期間（{wareki_date(latest.period_start)}〜{wareki_date(latest.period_end)}）は"
                f"すでに登録されています{waiting}。"
            )
        start = latest.period_end + dt.timedelta(days=1)
        return Licence.objects.create(
            office=office,
            kind=LicenceKind.RENEWAL,
            period_start=start,
            period_end=licence_period_end(start),
            price=int(settings.RENKEI_LICENCE_PRICE),
            is_free=False,
            note=note,
            created_by=_actor(by),
        )


# --------------------------------------------------------------------------- invoices


def issuer_problems() -> list[str]:
    """What is wrong with the issuer settings (Japanese), empty when invoices can be issued."""
    problems = []
    if not settings.RENKEI_INVOICE_ISSUER_NAME.strip():
        problems.append("請求書の発行者名（RENKEI_INVOICE_ISSUER_NAME）が設定されていません。")
    number = settings.RENKEI_INVOICE_REGISTRATION_NUMBER
    if not number:
        problems.append("適格請求書発行事業者の登録番号（RENKEI_INVOICE_REGISTRATION_NUMBER）が設定されていません。")
    else:
        try:
            validate_registration_number(number)
        except ValidationError as error:
            problems.extend(error.messages)
    return problems


def _next_number(series: str) -> tuple[int, str]:
    """Take the next number of ``series`` under a row lock (inside the caller's transaction).

    The counter row is created with INSERT … ON CONFLICT DO NOTHING, then locked with
    SELECT … FOR UPDATE: concurrent issuers queue on the lock, and a rolled-back issue
    rolls the counter back too — no gaps, no duplicates.
    """
    InvoiceNumberSequence.objects.bulk_create([InvoiceNumberSequence(series=series)], ignore_conflicts=True)
    counter = InvoiceNumberSequence.objects.select_for_update().get(series=series)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value, f"{series}-{counter.last_value:06d}"


def _issuer_snapshot() -> dict:
    problems = issuer_problems()
    if problems:
        raise ValidationError(problems)
    return {
        "issuer_name": settings.RENKEI_INVOICE_ISSUER_NAME.strip(),
        "issuer_registration_number": settings.RENKEI_INVOICE_REGISTRATION_NUMBER,
        "issuer_address": settings.RENKEI_INVOICE_ISSUER_ADDRESS,
        "issuer_contact": settings.RENKEI_INVOICE_ISSUER_CONTACT,
    }


def _recipient_snapshot(office: Office) -> dict:
    return {
        "recipient_name": office.name,
        "recipient_office_number": office.office_number,
        "recipient_postal_code": office.postal_code,
        "recipient_address": office.address,
    }


def licence_description(licence: Licence) -> str:
    what = "年間利用料（更新）" if licence.kind == LicenceKind.RENEWAL else "年間利用料"
    return (
        f"Renkei ケアプラン連携ポータル {what}"
        f"（{wareki_date(licence.period_start)}〜{wareki_date(licence.period_end)}）"
    )


def _create_invoice(*, series: str, **fields) -> Invoice:
    sequence, number = _next_number(series)
    return Invoice.objects.create(series=series, sequence=sequence, number=number, **fields)


@transaction.atomic
def invoice_issue(
    *,
    licence: Licence,
    by=None,
    issued_on: dt.date | None = None,
    due_on: dt.date | None = None,
    send_email: bool = True,
) -> Invoice:
    """Issue the 適格請求書 for a licence period and (after commit) email it to the office admins."""
    issued_on = issued_on or timezone.localdate()
    with office_scope(licence.office_id):
        locked = Licence.objects.select_for_update().select_related("office").get(pk=licence.pk)
        if locked.is_free:
            raise ValidationError("無料期間のライセンスには請求書を発行しません。")
        existing = active_invoices().filter(licence=locked).first()
        if existing is not None:
            raise ValidationError(
                f"このライセンスにはすでに請求書 {existing.number} が発行されています。"
                "内容を訂正する場合は、その請求書を取り消して再発行してください。"
            )
        issuer = _issuer_snapshot()
        split = split_tax_included(locked.price)
        due_on = due_on or issued_on + dt.timedelta(days=int(settings.RENKEI_INVOICE_PAYMENT_DAYS))
        if due_on < issued_on:
            raise ValidationError({"due_on": "支払期限は発行日以降の日付にしてください。"})
        invoice = _create_invoice(
            series=f"{settings.RENKEI_INVOICE_NUMBER_PREFIX}-{issued_on.year}",
            office=locked.office,
            licence=locked,
            kind=InvoiceKind.INVOICE,
            issued_on=issued_on,
            due_on=due_on,
            period_start=locked.period_start,
            period_end=locked.period_end,
            description=licence_description(locked),
            amount=split.gross,
            amount_net=split.net,
            tax_rate=split.rate,
            tax_amount=split.tax,
            payment_instructions=settings.RENKEI_INVOICE_PAYMENT_INSTRUCTIONS,
            issued_by=_actor(by),
            **issuer,
            **_recipient_snapshot(locked.office),
        )
    logger.info("invoice %s issued for office %s", invoice.pk, invoice.office_id)
    if send_email:
        from portal.billing.jobs import INVOICE_EMAIL
        from portal.jobs.services import job_create

        job_create(office=invoice.office, kind=INVOICE_EMAIL, subject_id=invoice.pk, unique=True)
    return invoice


@transaction.atomic
def invoice_cancel(
    *,
    invoice: Invoice,
    reason: str,
    reissue: bool = False,
    by=None,
    issued_on: dt.date | None = None,
    send_email: bool = True,
) -> tuple[Invoice, Invoice | None]:
    """Cancel an issued invoice with a cancelling invoice (negative amounts, referring to it).

    With ``reissue=True`` a corrected invoice for the same period is issued at once, with
    the office's current name and address, and payments already received move to it.
    Payments on an invoice cancelled without reissue are refused (the money would be lost).
    """
    issued_on = issued_on or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "取消の理由を入力してください（請求書に記載されます）。"})
    with office_scope(invoice.office_id):
        original = Invoice.objects.select_for_update().select_related("office", "licence").get(pk=invoice.pk)
        if original.is_cancellation:
            raise ValidationError("取消請求書はさらに取り消せません。")
        if Invoice.objects.filter(cancels=original).exists():
            raise ValidationError(f"請求書 {original.number} はすでに取り消されています。")
        has_payments = Payment.objects.filter(invoice=original).exists()
        if has_payments and not reissue:
            raise ValidationError(
                {
                    "reissue": (
                        "この請求書には入金が記録されています。取り消す場合は「訂正した請求書を再発行する」を選んでください"
                        "（入金記録は新しい請求書に引き継がれます）。"
                    )
                }
            )
        issuer = _issuer_snapshot()
        cancellation = _create_invoice(
            series=f"{settings.RENKEI_INVOICE_NUMBER_PREFIX}-{issued_on.year}",
            office=original.office,
            licence=original.licence,
            kind=InvoiceKind.CANCELLATION,
            cancels=original,
            issued_on=issued_on,
            due_on=None,
            period_start=original.period_start,
            period_end=original.period_end,
            description=f"請求書 {original.number}（{wareki_date(original.issued_on)}発行）の取消",
            amount=-original.amount,
            amount_net=-original.amount_net,
            tax_rate=original.tax_rate,
            tax_amount=-original.tax_amount,
            note=f"取消理由: {reason}"[:300],
            issued_by=_actor(by),
            recipient_name=original.recipient_name,
            recipient_office_number=original.recipient_office_number,
            recipient_postal_code=original.recipient_postal_code,
            recipient_address=original.recipient_address,
            **issuer,
        )
        replacement = None
        if reissue:
            replacement = invoice_issue(
                licence=original.licence,
                by=by,
                issued_on=issued_on,
                due_on=max(original.due_on or issued_on, issued_on),
                send_email=send_email,
            )
            moved = Payment.objects.filter(invoice=original).update(invoice=replacement)
            if moved:
                logger.info("moved %s payments from invoice %s to %s", moved, original.pk, replacement.pk)
    logger.info("invoice %s cancelled by %s", original.pk, cancellation.pk)
    if send_email:
        from portal.billing.jobs import INVOICE_EMAIL
        from portal.jobs.services import job_create

        job_create(office=cancellation.office, kind=INVOICE_EMAIL, subject_id=cancellation.pk, unique=True)
    return cancellation, replacement


def invoice_outstanding(invoice: Invoice) -> int:
    """What is still to be paid on ``invoice`` (0 for cancelled invoices and cancellations)."""
    if invoice.is_cancellation or Invoice.objects.filter(cancels=invoice).exists():
        return 0
    paid = Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or 0
    return max(invoice.amount - paid, 0)


@transaction.atomic
def payment_record(
    *, invoice: Invoice, amount: int, received_on: dt.date, method: str, by=None, note: str = ""
) -> Payment:
    """Record money received for an invoice; partial payments are fine, over-payment is refused."""
    if method not in PaymentMethod.values:
        raise ValidationError({"method": "入金方法を選んでください。"})
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationError({"amount": "入金額は1円以上の金額を入力してください。"})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "入金日に未来の日付は入力できません。"})
    with office_scope(invoice.office_id):
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.is_cancellation:
            raise ValidationError("取消請求書には入金を記録できません。")
        if Invoice.objects.filter(cancels=locked).exists():
            raise ValidationError(
                f"請求書 {locked.number} は取り消されています。入金は再発行した請求書に記録してください。"
            )
        outstanding = invoice_outstanding(locked)
        if outstanding == 0:
            raise ValidationError({"amount": f"請求書 {locked.number} はすでに全額入金済みです。"})
        if amount > outstanding:
            raise ValidationError(
                {
                    "amount": (
                        f"入金額 {amount:,}円 が未入金額 {outstanding:,}円 を超えています。"
                        f"請求書 {locked.number} に記録できるのは {outstanding:,}円 までです。金額を確認してください。"
                    )
                }
            )
        payment = Payment.objects.create(
            invoice=locked, amount=amount, received_on=received_on, method=method, note=note, recorded_by=_actor(by)
        )
    logger.info("payment %s recorded on invoice %s", payment.pk, invoice.pk)
    return payment


# --------------------------------------------------------------------------- email


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
