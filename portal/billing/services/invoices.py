"""Invoices: issuing (locks the ``Licence`` row and the number sequence) and cancelling."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.billing.licensing import active_invoices
from portal.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceNumberSequence,
    Licence,
    LicenceKind,
    Payment,
    validate_registration_number,
)
from portal.billing.services.licences import _actor
from portal.billing.tax import split_tax_included
from portal.core.wareki import wareki_date
from portal.offices.models import Office
from portal.offices.tenancy import office_scope

# One logger for the whole package, named as before the split, so log records keep their name.
logger = logging.getLogger("portal.billing.services")


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
