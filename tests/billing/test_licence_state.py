"""Licence states by date: 申込中 → 有効 → 更新待ち → 猶予 → 失効, renewal and re-application."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.billing import services
from portal.billing.licensing import LicenceState, licence_state, licence_status
from portal.billing.models import LicenceKind, PaymentMethod
from portal.offices.tenancy import office_scope
from tests.billing.conftest import paid_licence, renew_paid

D = dt.date
APPLIED, ACTIVE, RENEWAL_DUE, GRACE, LAPSED = (
    LicenceState.APPLIED,
    LicenceState.ACTIVE,
    LicenceState.RENEWAL_DUE,
    LicenceState.GRACE,
    LicenceState.LAPSED,
)


def state(office, on):
    with office_scope(office):
        return licence_state(office, on)


def test_an_office_without_licence_is_applying_and_may_send(office):
    assert state(office, D(2026, 1, 1)) == APPLIED
    with office_scope(office):
        services.assert_can_send(office, D(2026, 1, 1))
        assert "まだ登録されていません" in licence_status(office, D(2026, 1, 1)).message


def test_period_is_one_year_and_29_february_is_handled(office):
    with office_scope(office):
        licence = services.licence_apply(office=office, start=D(2025, 4, 1))
    assert (licence.period_start, licence.period_end, licence.price) == (D(2025, 4, 1), D(2026, 3, 31), 21000)
    assert services.licence_period_end(D(2024, 2, 29)) == D(2025, 2, 27)
    assert services.licence_period_end(D(2023, 3, 1)) == D(2024, 2, 29)


@pytest.mark.parametrize(
    "on,expected",
    [
        (D(2025, 3, 31), APPLIED),  # paid, the period has not started yet
        (D(2025, 4, 1), ACTIVE),  # first day
        (D(2026, 2, 28), ACTIVE),  # 31 days left
        (D(2026, 3, 1), RENEWAL_DUE),  # 30 days left
        (D(2026, 3, 31), RENEWAL_DUE),  # last day
        (D(2026, 4, 1), GRACE),  # 1 day after the end
        (D(2026, 4, 30), GRACE),  # 30 days after the end (RENKEI_LICENCE_GRACE_DAYS = 30)
        (D(2026, 5, 1), LAPSED),  # 31 days after the end
    ],
)
def test_states_of_a_paid_year_by_date(office, on, expected):
    paid_licence(office, D(2025, 4, 1), issued_on=D(2025, 3, 10))
    assert state(office, on) == expected


def test_grace_period_is_configurable(office, settings):
    paid_licence(office, D(2025, 4, 1))
    settings.RENKEI_LICENCE_GRACE_DAYS = 10
    assert state(office, D(2026, 4, 10)) == GRACE
    assert state(office, D(2026, 4, 11)) == LAPSED


def test_an_unpaid_application_is_applying_until_due_date_plus_grace(office):
    paid_licence(office, D(2025, 4, 1), paid=False, issued_on=D(2025, 4, 1))  # due 2025-05-01
    assert state(office, D(2025, 4, 15)) == APPLIED
    assert state(office, D(2025, 5, 31)) == APPLIED  # due + 30 days
    assert state(office, D(2025, 6, 1)) == LAPSED
    with office_scope(office):
        status = licence_status(office, D(2025, 4, 15))
    assert "RK-2025-000001" in status.message and "令和7年5月1日" in status.message


def test_a_partial_payment_does_not_make_the_licence_valid(office):
    _, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    with office_scope(office):
        services.payment_record(invoice=invoice, amount=10000, received_on=D(2025, 4, 5), method=PaymentMethod.OTHER)
    assert state(office, D(2025, 4, 10)) == APPLIED
    with office_scope(office):
        services.payment_record(
            invoice=invoice, amount=11000, received_on=D(2025, 4, 20), method=PaymentMethod.BANK_TRANSFER
        )
    assert state(office, D(2025, 4, 20)) == ACTIVE


def test_free_first_period_is_valid_without_invoice(office):
    with office_scope(office):
        licence = services.licence_apply(office=office, start=D(2025, 10, 1), free=True)
    assert licence.is_free and licence.price == 0
    assert state(office, D(2025, 10, 1)) == ACTIVE
    with office_scope(office), pytest.raises(ValidationError, match="無料期間のライセンスには請求書を発行しません"):
        services.invoice_issue(licence=licence, send_email=False)


def test_free_period_only_for_a_new_office(office):
    paid_licence(office, D(2024, 4, 1))
    with office_scope(office), pytest.raises(ValidationError) as error:
        services.licence_apply(office=office, start=D(2026, 1, 1), free=True)
    assert "はじめてライセンスを登録する事業所だけ" in str(error.value)


def test_renewal_paid_in_time_keeps_the_office_active(office):
    paid_licence(office, D(2025, 4, 1))
    renewal, _ = renew_paid(office, on=D(2026, 3, 10))
    assert renewal.kind == LicenceKind.RENEWAL
    assert (renewal.period_start, renewal.period_end) == (D(2026, 4, 1), D(2027, 3, 31))
    assert state(office, D(2026, 3, 10)) == ACTIVE  # next period paid: no longer 更新待ち
    assert state(office, D(2026, 4, 1)) == ACTIVE
    assert state(office, D(2026, 5, 15)) == ACTIVE


def test_unpaid_renewal_goes_through_grace_to_lapsed_and_payment_restores(office):
    paid_licence(office, D(2025, 4, 1))
    renewal, invoice = renew_paid(office, on=D(2026, 3, 5), paid=False)
    with office_scope(office):
        due = licence_status(office, D(2026, 3, 15))
    assert due.state == RENEWAL_DUE and invoice.number in due.message
    assert state(office, D(2026, 4, 15)) == GRACE
    assert state(office, D(2026, 5, 1)) == LAPSED
    with office_scope(office):
        lapsed = licence_status(office, D(2026, 5, 1))
        assert invoice.number in lapsed.message  # paying the open renewal invoice is the way back
        services.payment_record(
            invoice=invoice, amount=21000, received_on=D(2026, 5, 10), method=PaymentMethod.BANK_TRANSFER
        )
    assert state(office, D(2026, 5, 10)) == ACTIVE


def test_renewing_a_lapsed_licence_is_refused_in_japanese_and_reapplication_works(office):
    paid_licence(office, D(2024, 4, 1))  # ended 2025-03-31, lapsed from 2025-05-01
    with office_scope(office), pytest.raises(ValidationError) as error:
        services.licence_renew(office=office, on=D(2025, 6, 1))
    assert "失効したライセンスは更新できません" in str(error.value)
    assert "新規申込" in str(error.value)
    licence, _ = paid_licence(office, D(2025, 6, 1))
    assert licence.kind == LicenceKind.NEW
    assert state(office, D(2025, 6, 1)) == ACTIVE


def test_renewal_during_grace_is_allowed(office):
    paid_licence(office, D(2025, 4, 1))
    renewal, _ = renew_paid(office, on=D(2026, 4, 20))
    assert renewal.period_start == D(2026, 4, 1)
    assert state(office, D(2026, 4, 20)) == ACTIVE


def test_renewing_twice_is_refused(office):
    paid_licence(office, D(2025, 4, 1))
    renew_paid(office, on=D(2026, 3, 5), paid=False)
    with office_scope(office), pytest.raises(ValidationError) as error:
        services.licence_renew(office=office, on=D(2026, 3, 6))
    assert "すでに登録されています（お支払い待ちです）" in str(error.value)


def test_renewing_an_unpaid_application_is_refused(office):
    paid_licence(office, D(2025, 4, 1), paid=False)
    with office_scope(office), pytest.raises(ValidationError, match="お支払いの確認後"):
        services.licence_renew(office=office, on=D(2025, 4, 10))


def test_renewing_without_any_licence_is_refused(office):
    with office_scope(office), pytest.raises(ValidationError, match="新規申込として登録してください"):
        services.licence_renew(office=office, on=D(2025, 4, 10))


def test_a_new_application_overlapping_an_existing_period_is_refused(office):
    paid_licence(office, D(2025, 4, 1))
    with office_scope(office), pytest.raises(ValidationError) as error:
        services.licence_apply(office=office, start=D(2025, 10, 1))
    assert "すでにライセンス" in str(error.value) and "更新" in str(error.value)
