"""Demo licences and invoices (``manage.py load_demo``), relative to today.

- さくら居宅介護支援事業所 (1310000001): 有効 — paid by bank transfer
- なにわケアプランセンター (2710000002): 更新待ち — ends in under 30 days; renewal invoice sent, unpaid
- ひまわり訪問介護ステーション (1370000011): 有効 — paid through the 国保連合会 deduction
- あおぞらデイサービス (1370000012): 有効 — free first period
- みどり訪問看護・福祉用具センター (2770000013): 失効 — renewal invoice overdue and unpaid

Offices that already have a licence are left alone, so loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.billing import services
from portal.billing.models import Licence, LicenceKind, PaymentMethod
from portal.offices.tenancy import office_scope

logger = logging.getLogger(__name__)


def _paid_licence(office, start, *, method, issued_on, paid_on, kind=LicenceKind.NEW):
    licence = Licence.objects.create(
        office=office,
        kind=kind,
        period_start=start,
        period_end=services.licence_period_end(start),
        price=services.settings.RENKEI_LICENCE_PRICE,
        created_by="demo",
    )
    invoice = services.invoice_issue(licence=licence, issued_on=issued_on, send_email=False)
    if paid_on is not None:
        services.payment_record(
            invoice=invoice, amount=invoice.amount, received_on=paid_on, method=method, note="デモ入金"
        )
    return licence, invoice


def load_app_demo(offices) -> None:
    today = timezone.localdate()
    if services.issuer_problems():
        logger.warning("billing demo skipped: invoice issuer settings are missing")
        return
    plans = {
        "1310000001": "active_bank",
        "2710000002": "renewal_due",
        "1370000011": "active_kokuhoren",
        "1370000012": "free",
        "2770000013": "lapsed",
    }
    for number, plan in plans.items():
        office = offices.get(number)
        if office is None:
            continue
        with office_scope(office):
            if Licence.objects.filter(office=office).exists():
                continue
            try:
                _load_office(office, plan, today)
            except ValidationError as error:  # never stop the whole demo for billing
                logger.warning("billing demo for office %s skipped: %s", office.pk, error.messages)


def _load_office(office, plan: str, today: dt.date) -> None:
    day = dt.timedelta(days=1)
    if plan == "active_bank":
        start = (
            today.replace(month=4, day=1) if today.month >= 4 else today.replace(year=today.year - 1, month=4, day=1)
        )
        _paid_licence(
            office, start, method=PaymentMethod.BANK_TRANSFER, issued_on=start - 20 * day, paid_on=start - 5 * day
        )
    elif plan == "renewal_due":
        end = today + 19 * day
        start = services.add_years(end + day, -1)
        licence, _ = _paid_licence(
            office, start, method=PaymentMethod.BANK_TRANSFER, issued_on=start - 14 * day, paid_on=start - 3 * day
        )
        renewal = services.licence_renew(office=office, on=today)
        services.invoice_issue(licence=renewal, issued_on=today - 5 * day, send_email=False)
    elif plan == "active_kokuhoren":
        start = (today - 140 * day).replace(day=1)
        _paid_licence(
            office, start, method=PaymentMethod.KOKUHOREN, issued_on=start - 10 * day, paid_on=start + 25 * day
        )
    elif plan == "free":
        start = (today - 50 * day).replace(day=1)
        Licence.objects.create(
            office=office,
            kind=LicenceKind.NEW,
            period_start=start,
            period_end=services.licence_period_end(start),
            price=0,
            is_free=True,
            note="開設記念の無料期間（デモ）",
            created_by="demo",
        )
    elif plan == "lapsed":
        end = today - 110 * day
        start = services.add_years(end + day, -1)
        _paid_licence(
            office, start, method=PaymentMethod.BANK_TRANSFER, issued_on=start - 14 * day, paid_on=start - 2 * day
        )
        renewal = Licence.objects.create(
            office=office,
            kind=LicenceKind.RENEWAL,
            period_start=end + day,
            period_end=services.licence_period_end(end + day),
            price=services.settings.RENKEI_LICENCE_PRICE,
            created_by="demo",
        )
        services.invoice_issue(licence=renewal, issued_on=end - 25 * day, due_on=end + 5 * day, send_email=False)
