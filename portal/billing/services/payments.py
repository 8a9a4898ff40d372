"""Payments: what is outstanding on an invoice and recording a payment (locks the ``Invoice`` row)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from portal.billing.models import Invoice, Payment, PaymentMethod
from portal.billing.services.licences import _actor
from portal.offices.tenancy import office_scope

# One logger for the whole package, named as before the split, so log records keep their name.
logger = logging.getLogger("portal.billing.services")


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
