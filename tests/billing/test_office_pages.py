"""The office's licence and invoice page, and the PDF download."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.billing.conftest import T_NUMBER, paid_licence

D = dt.date


def test_admin_and_clerk_see_state_invoices_and_payment_status(office, owner_client, clerk_client):
    _, first = paid_licence(office, D(2025, 4, 1))
    for client in (owner_client, clerk_client):
        response = client.get(reverse("billing:office"))
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="licence-state">' in page
        assert first.number in page and "入金済み" in page
        assert reverse("billing:invoice_pdf", kwargs={"invoice_id": first.pk}) in page


def test_care_managers_do_not_see_billing(office, member_client):
    _, invoice = paid_licence(office, D(2025, 4, 1))
    assert member_client.get(reverse("billing:office")).status_code == 403
    assert member_client.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk})).status_code == 403


def test_clerk_downloads_the_invoice_pdf(office, clerk_client):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    response = clerk_client.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert T_NUMBER in text and "¥21,000" in text


def test_another_offices_invoice_is_404(office, outsider_client):
    _, invoice = paid_licence(office, D(2025, 4, 1))
    assert outsider_client.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk})).status_code == 404


def test_unpaid_and_overdue_are_marked(office, owner_client):
    paid_licence(office, D(2025, 4, 1), paid=False, issued_on=D(2025, 4, 1))  # due 2025-05-01, long past
    page = owner_client.get(reverse("billing:office")).content.decode()
    assert "未入金・期限超過" in page and "残り 21,000円" in page


@pytest.mark.parametrize("years", [1, 4])
def test_query_count_does_not_grow_with_invoices(office, owner_client, django_assert_max_num_queries, years):
    from tests.billing.conftest import renew_paid

    paid_licence(office, D(2021, 4, 1))
    for year in range(2, years + 1):
        renew_paid(office, on=D(2020 + year, 3, 15))
    with django_assert_max_num_queries(14):
        assert owner_client.get(reverse("billing:office")).status_code == 200
