"""Licence writes: applying for and renewing a licence (each locks the ``Office`` row first)."""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.billing.licensing import LicenceState, is_settled, licence_status
from portal.billing.models import Licence, LicenceKind
from portal.core.wareki import wareki_date
from portal.offices.models import Office
from portal.offices.tenancy import office_scope

# One logger for the whole package, named as before the split, so log records keep their name.
logger = logging.getLogger("portal.billing.services")


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
