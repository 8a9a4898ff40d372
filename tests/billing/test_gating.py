"""Gating: a lapsed office cannot send; everything else keeps working, and every page says why."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.billing import services
from portal.billing.services import SendingBlocked, assert_can_send
from portal.offices.tenancy import office_scope
from tests.billing.conftest import paid_licence

D = dt.date
TODAY = dt.date.today()


def lapse(office):
    """A year that ended 100 days ago, paid: the grace (30 days) is over."""
    end = TODAY - dt.timedelta(days=100)
    paid_licence(office, services.add_years(end + dt.timedelta(days=1), -1))


@pytest.mark.parametrize("days_after_end,blocked", [(-10, False), (0, False), (1, False), (30, False), (31, True)])
def test_only_a_lapsed_licence_blocks_sending(office, days_after_end, blocked):
    licence, _ = paid_licence(office, D(2025, 4, 1))
    on = licence.period_end + dt.timedelta(days=days_after_end)
    with office_scope(office):
        if blocked:
            with pytest.raises(SendingBlocked) as error:
                assert_can_send(office, on)
            message = str(error.value)
            assert "送信はできません" in message  # why
            assert "請求書のお支払い" in message or "再申込" in message  # what to do
            assert "閲覧・受信・印刷・CSV出力" in message  # nothing held hostage
            assert isinstance(error.value, PermissionDenied)  # uncaught, it is a 403, not a 500
        else:
            assert_can_send(office, on)


def test_assert_can_send_accepts_an_office_id_and_defaults_to_today(office):
    lapse(office)
    with office_scope(office), pytest.raises(SendingBlocked):
        assert_can_send(office.pk)


def test_a_lapsed_office_still_logs_in_reads_and_downloads(office, owner, owner_client):
    lapse(office)
    for name in ("dashboard", "billing:office", "offices:staff"):
        response = owner_client.get(reverse(name))
        assert response.status_code == 200, name
        assert "ライセンス: 失効" in response.content.decode(), name  # the banner on every page
    with office_scope(office):
        invoice = office.invoices.first()
    pdf = owner_client.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": invoice.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_banner_is_shown_in_grace_but_not_when_active(office, owner, owner_client):
    end = TODAY - dt.timedelta(days=5)
    paid_licence(office, services.add_years(end + dt.timedelta(days=1), -1))
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert "ライセンス: 猶予" in page and "までは猶予期間として送信できます" in page
    with office_scope(office):
        renewal = services.licence_renew(office=office)
        services.invoice_issue(licence=renewal, send_email=False)
        invoice = renewal.invoices.get()
        services.payment_record(invoice=invoice, amount=invoice.amount, received_on=TODAY, method="bank_transfer")
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="licence-banner"' not in page
    assert "ライセンス（有効）" in page  # the dashboard card


def test_pages_without_an_office_do_not_ask_for_a_licence(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("home")).status_code == 200
