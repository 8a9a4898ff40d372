"""Payments: partial, full, over-payment refused in Japanese, never on a cancelled invoice."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.billing import services
from portal.billing.models import Payment, PaymentMethod
from portal.offices.tenancy import office_scope
from tests.billing.conftest import paid_licence

D = dt.date


def test_partial_payments_then_full(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    with office_scope(office):
        services.payment_record(
            invoice=invoice,
            amount=20000,
            received_on=D(2025, 4, 20),
            method=PaymentMethod.KOKUHOREN,
            note="4月分から差引",
        )
        assert services.invoice_outstanding(invoice) == 1000
        services.payment_record(invoice=invoice, amount=1000, received_on=D(2025, 4, 25), method=PaymentMethod.OTHER)
        assert services.invoice_outstanding(invoice) == 0
        assert Payment.objects.filter(invoice=invoice).count() == 2


def test_a_payment_larger_than_the_outstanding_amount_is_refused(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    with office_scope(office):
        services.payment_record(
            invoice=invoice, amount=15000, received_on=D(2025, 4, 20), method=PaymentMethod.BANK_TRANSFER
        )
        with pytest.raises(ValidationError) as error:
            services.payment_record(
                invoice=invoice, amount=7000, received_on=D(2025, 4, 21), method=PaymentMethod.BANK_TRANSFER
            )
        assert error.value.message_dict["amount"] == [
            f"入金額 7,000円 が未入金額 6,000円 を超えています。請求書 {invoice.number} に記録できるのは 6,000円 までです。金額を確認してください。"
        ]
        assert Payment.objects.filter(invoice=invoice).count() == 1  # nothing half-recorded


@pytest.mark.parametrize(
    "kwargs,field,text",
    [
        ({"amount": 0}, "amount", "1円以上"),
        ({"amount": -100}, "amount", "1円以上"),
        ({"method": "cash"}, "method", "入金方法を選んでください"),
        ({"received_on": D(2099, 1, 1)}, "received_on", "未来の日付"),
    ],
)
def test_bad_payment_input_is_refused(office, kwargs, field, text):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    data = {"amount": 1000, "received_on": D(2025, 4, 2), "method": PaymentMethod.BANK_TRANSFER, **kwargs}
    with office_scope(office), pytest.raises(ValidationError) as error:
        services.payment_record(invoice=invoice, **data)
    assert text in error.value.message_dict[field][0]


def test_a_fully_paid_invoice_takes_no_more_payments(office):
    _, invoice = paid_licence(office, D(2025, 4, 1))
    with office_scope(office), pytest.raises(ValidationError, match="すでに全額入金済み"):
        services.payment_record(invoice=invoice, amount=1, received_on=D(2025, 4, 2), method=PaymentMethod.OTHER)


def test_no_payment_on_a_cancelled_invoice_or_a_cancellation(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    with office_scope(office):
        cancellation, _ = services.invoice_cancel(invoice=invoice, reason="誤発行", send_email=False)
        with pytest.raises(ValidationError, match="取り消されています"):
            services.payment_record(invoice=invoice, amount=100, received_on=D(2025, 4, 2), method=PaymentMethod.OTHER)
        with pytest.raises(ValidationError, match="取消請求書には入金を記録できません"):
            services.payment_record(
                invoice=cancellation, amount=100, received_on=D(2025, 4, 2), method=PaymentMethod.OTHER
            )
