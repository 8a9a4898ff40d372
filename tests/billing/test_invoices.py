"""Qualified invoices: snapshot, numbering, immutability, cancellation, PDF and email."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from pypdf import PdfReader

from portal.billing import services
from portal.billing.models import (
    Invoice,
    InvoiceImmutable,
    InvoiceKind,
    Payment,
    validate_registration_number,
)
from portal.billing.pdf import invoice_pdf
from portal.offices.tenancy import office_scope
from tests.billing.conftest import ISSUER, T_NUMBER, paid_licence

D = dt.date


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_invoice_is_a_qualified_invoice_snapshot(office):
    licence, invoice = paid_licence(office, D(2025, 4, 1), paid=False, issued_on=D(2025, 3, 15))
    assert invoice.number == "RK-2025-000001"
    assert (invoice.amount, invoice.amount_net, invoice.tax_rate, invoice.tax_amount) == (21000, 19091, 10, 1909)
    assert (invoice.issuer_name, invoice.issuer_registration_number) == (ISSUER, T_NUMBER)
    assert invoice.recipient_name == "さくら居宅介護支援事業所"
    assert invoice.recipient_office_number == office.office_number
    assert (invoice.period_start, invoice.period_end) == (D(2025, 4, 1), D(2026, 3, 31))
    assert (invoice.issued_on, invoice.due_on) == (D(2025, 3, 15), D(2025, 4, 14))
    assert "令和7年4月1日〜令和8年3月31日" in invoice.description


def test_snapshot_does_not_change_when_the_office_or_settings_change(office, settings):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    office.name = "さくらケアプランセンター"
    office.save()
    settings.RENKEI_INVOICE_ISSUER_NAME = "別の会社"
    with office_scope(office):
        again = Invoice.objects.get(pk=invoice.pk)
    assert again.recipient_name == "さくら居宅介護支援事業所"
    assert again.issuer_name == ISSUER
    assert "さくら居宅介護支援事業所" in pdf_text(invoice_pdf(again))


def test_numbers_are_sequential_per_year(office, outsider_office):
    numbers = []
    for target, start in ((office, D(2025, 4, 1)), (outsider_office, D(2025, 5, 1)), (office, D(2026, 6, 1))):
        numbers.append(paid_licence(target, start, paid=False, issued_on=start)[1].number)
    assert numbers == ["RK-2025-000001", "RK-2025-000002", "RK-2026-000001"]


def test_issuing_twice_for_one_period_is_refused(office):
    licence, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    with office_scope(office), pytest.raises(ValidationError) as error:
        services.invoice_issue(licence=licence, send_email=False)
    assert f"すでに請求書 {invoice.number} が発行されています" in str(error.value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1234567890123",
        "T123456789012",
        "T12345678901234",
        "t1234567890123",
        "T１２３４５６７８９０１２３",
        "T1234-567890123",
    ],
)
def test_registration_number_format_is_checked_in_japanese(value, settings, office):
    with pytest.raises(ValidationError) as error:
        validate_registration_number(value)
    assert "「T」に続けて半角数字13桁" in error.value.messages[0]
    settings.RENKEI_INVOICE_REGISTRATION_NUMBER = value
    with office_scope(office):
        licence = services.licence_apply(office=office, start=D(2025, 4, 1))
        with pytest.raises(ValidationError):
            services.invoice_issue(licence=licence, send_email=False)
        assert not Invoice.objects.exists()


def test_missing_issuer_name_is_explained(settings, office):
    settings.RENKEI_INVOICE_ISSUER_NAME = " "
    with office_scope(office):
        licence = services.licence_apply(office=office, start=D(2025, 4, 1))
        with pytest.raises(ValidationError, match="RENKEI_INVOICE_ISSUER_NAME"):
            services.invoice_issue(licence=licence, send_email=False)


def test_a_malformed_registration_number_fails_the_system_check(settings):
    from portal.billing.apps import check_invoice_issuer

    settings.RENKEI_INVOICE_REGISTRATION_NUMBER = "T12"
    errors = check_invoice_issuer(None)
    assert [e.id for e in errors] == ["billing.E001"]
    settings.RENKEI_INVOICE_REGISTRATION_NUMBER = T_NUMBER
    assert check_invoice_issuer(None) == []


def test_issued_invoice_cannot_be_changed_or_deleted(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    with office_scope(office):
        invoice.amount = 1
        with pytest.raises(InvoiceImmutable):
            invoice.save()
        with pytest.raises(InvoiceImmutable):
            invoice.delete()
        with pytest.raises(InvoiceImmutable):
            Invoice.objects.filter(pk=invoice.pk).update(amount=1)
        with pytest.raises(InvoiceImmutable):
            Invoice.objects.filter(pk=invoice.pk).delete()
        assert Invoice.objects.get(pk=invoice.pk).amount == 21000


def test_the_database_refuses_raw_updates_and_deletes(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    for sql in ("UPDATE billing_invoice SET amount = 1 WHERE id = %s", "DELETE FROM billing_invoice WHERE id = %s"):
        with pytest.raises(Exception, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [invoice.pk])
    with office_scope(office):
        assert Invoice.objects.get(pk=invoice.pk).amount == 21000


def test_cancellation_refers_to_the_original_and_adds_up_to_zero(office):
    licence, invoice = paid_licence(office, D(2025, 4, 1), paid=False, issued_on=D(2025, 4, 1))
    with office_scope(office):
        cancellation, replacement = services.invoice_cancel(
            invoice=invoice, reason="宛名の誤り", issued_on=D(2025, 4, 3), send_email=False
        )
        assert replacement is None
        assert cancellation.kind == InvoiceKind.CANCELLATION and cancellation.cancels_id == invoice.pk
        assert cancellation.number == "RK-2025-000002"
        assert cancellation.amount + invoice.amount == 0 and cancellation.tax_amount + invoice.tax_amount == 0
        assert "取消理由: 宛名の誤り" in cancellation.note
        assert services.invoice_outstanding(invoice) == 0
        text = pdf_text(invoice_pdf(cancellation))
        assert f"請求書 {invoice.number} の取消" in text and "−¥21,000" in text
        with pytest.raises(ValidationError, match="すでに取り消されています"):
            services.invoice_cancel(invoice=invoice, reason="二重", send_email=False)
        with pytest.raises(ValidationError, match="取消請求書はさらに取り消せません"):
            services.invoice_cancel(invoice=cancellation, reason="x", send_email=False)
        # the period can be invoiced again
        again = services.invoice_issue(licence=licence, issued_on=D(2025, 4, 3), send_email=False)
    assert again.number == "RK-2025-000003"


def test_cancelling_a_paid_invoice_needs_a_reissue_and_keeps_the_payments(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), issued_on=D(2025, 4, 1))
    with office_scope(office):
        with pytest.raises(ValidationError) as error:
            services.invoice_cancel(invoice=invoice, reason="住所の誤り", send_email=False)
        assert "入金が記録されています" in str(error.value)
        assert not Invoice.objects.filter(kind=InvoiceKind.CANCELLATION).exists()
        office.address = "東京都新宿区西新宿2-8-1 第二ビル"
        office.save()
        cancellation, replacement = services.invoice_cancel(
            invoice=invoice, reason="住所の誤り", reissue=True, issued_on=D(2025, 4, 10), send_email=False
        )
        assert replacement.recipient_address == "東京都新宿区西新宿2-8-1 第二ビル"
        assert list(Payment.objects.values_list("invoice_id", flat=True)) == [replacement.pk]
        assert services.invoice_outstanding(replacement) == 0
        assert services.licence_state(office, D(2025, 4, 10)) == "active"


def test_the_pdf_shows_everything_a_qualified_invoice_needs(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False, issued_on=D(2025, 3, 15))
    data = invoice_pdf(invoice)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        ISSUER,
        T_NUMBER,
        "さくら居宅介護支援事業所 御中",
        invoice.number,
        "令和7年3月15日",
        "¥21,000",
        "¥19,091",
        "¥1,909",
        "消費税（10%）",
        "10%対象",
        "令和7年4月14日",
        "みずほ銀行",
    ):
        assert expected in text, expected
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(data)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("IPAexGothic" in name for name in fonts), fonts


def test_issuing_emails_the_pdf_to_the_office_admins_once(
    office, owner, member, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with office_scope(office), django_capture_on_commit_callbacks(execute=True):
            licence = services.licence_apply(office=office, start=D(2025, 4, 1))
            invoice = services.invoice_issue(licence=licence, issued_on=D(2025, 4, 1))
    finally:
        app.conf.task_always_eager = False
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [owner.user.email]  # admins only, not the care manager
    assert invoice.number in mail.subject
    assert "21,000円" in mail.body and "1,909円" in mail.body
    name, content, mimetype = mail.attachments[0]
    assert (name, mimetype) == (f"請求書_{invoice.number}.pdf", "application/pdf")
    assert T_NUMBER in pdf_text(content)
    with office_scope(office):
        assert services.invoice_email_send(invoice=invoice) is False  # never twice
    assert len(mailoutbox) == 1
