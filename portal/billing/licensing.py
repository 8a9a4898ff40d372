"""Licence state, computed from dates and payments (never stored).

States (``LicenceState``):
  申込中  APPLIED      no licence yet, or a new application whose invoice is not yet due
                       (+ grace), or a paid application whose period has not started
  有効    ACTIVE       a paid (or free) period covers the day
  更新待ち RENEWAL_DUE  as ACTIVE, but at most RENKEI_LICENCE_RENEWAL_NOTICE_DAYS (30) days
                       are left and the next period is not paid yet
  猶予    GRACE        the last paid period ended at most RENKEI_LICENCE_GRACE_DAYS ago
  失効    LAPSED       anything else: the office cannot send (see services.assert_can_send)

A period is *settled* when it is free or its current invoice (issued and not cancelled)
is paid in full. Everything here reads; writes are in ``services.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.billing.models import Invoice, InvoiceKind, Licence, LicenceKind, Payment
from portal.core.wareki import wareki_date


class LicenceState(models.TextChoices):
    APPLIED = "applied", "申込中"
    ACTIVE = "active", "有効"
    RENEWAL_DUE = "renewal_due", "更新待ち"
    GRACE = "grace", "猶予"
    LAPSED = "lapsed", "失効"


STATE_BADGE = {
    LicenceState.APPLIED: "",
    LicenceState.ACTIVE: "ok",
    LicenceState.RENEWAL_DUE: "warn",
    LicenceState.GRACE: "warn",
    LicenceState.LAPSED: "ng",
}


def grace_days() -> int:
    return int(settings.RENKEI_LICENCE_GRACE_DAYS)


def renewal_notice_days() -> int:
    return int(settings.RENKEI_LICENCE_RENEWAL_NOTICE_DAYS)


def active_invoices():
    """Invoices that count: issued bills (not cancellations) that have not been cancelled."""
    return Invoice.objects.filter(kind=InvoiceKind.INVOICE).exclude(
        Exists(Invoice.objects.filter(cancels=OuterRef("pk")))
    )


def with_settlement(licences: models.QuerySet) -> models.QuerySet:
    """Annotate licences with their current invoice (id, number, amount, due date) and the sum paid on it.

    One query however many licences: everything is a correlated subquery.
    """
    current = active_invoices().filter(licence=OuterRef("pk")).order_by("-issued_on", "-pk")
    paid = (
        Payment.objects.filter(invoice=OuterRef("current_invoice_id"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return licences.annotate(
        current_invoice_id=Subquery(current.values("pk")[:1]),
        current_invoice_number=Subquery(current.values("number")[:1]),
        current_invoice_amount=Subquery(current.values("amount")[:1]),
        current_invoice_due_on=Subquery(current.values("due_on")[:1]),
    ).annotate(paid_total=Coalesce(Subquery(paid), Value(0)))


def is_settled(licence: Licence) -> bool:
    """Free, or its current invoice is paid in full (needs ``with_settlement``)."""
    if licence.is_free:
        return True
    amount = getattr(licence, "current_invoice_amount", None)
    return amount is not None and licence.paid_total >= amount


@dataclass(frozen=True)
class LicenceStatus:
    state: LicenceState
    licence: Licence | None  # the period the state is about
    on: dt.date
    until: dt.date | None = None  # end of the period / of the grace / of the payment window
    next_licence: Licence | None = None

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def badge(self) -> str:
        return STATE_BADGE[self.state]

    @property
    def can_send(self) -> bool:
        return self.state != LicenceState.LAPSED

    @property
    def days_left(self) -> int | None:
        return (self.until - self.on).days if self.until else None

    @property
    def message(self) -> str:
        """What the office sees (Japanese): the state, why, and what to do."""
        s, lic = self.state, self.licence
        if s == LicenceState.ACTIVE:
            return f"ライセンスは有効です（{wareki_date(lic.period_end)}まで）。"
        if s == LicenceState.RENEWAL_DUE:
            text = f"ライセンスの有効期限は{wareki_date(lic.period_end)}です（あと{self.days_left}日）。"
            nxt = self.next_licence
            if nxt is not None and getattr(nxt, "current_invoice_number", None):
                return text + f"更新分の請求書（{nxt.current_invoice_number}）のお支払いをお願いします。"
            return text + "更新の手続きをお願いします（運営者から更新分の請求書をお送りします）。"
        if s == LicenceState.GRACE:
            return (
                f"ライセンスの有効期限（{wareki_date(lic.period_end)}）を過ぎています。"
                f"{wareki_date(self.until)}までは猶予期間として送信できますが、"
                "それまでに更新分のお支払いが確認できないと送信できなくなります。"
            )
        if s == LicenceState.APPLIED:
            if lic is None:
                return "ライセンスはまだ登録されていません。運営者がお申込みを確認したあと、請求書をお送りします。"
            if is_settled(lic):
                return f"お支払いを確認しました。ライセンスは{wareki_date(lic.period_start)}から有効になります。"
            if getattr(lic, "current_invoice_due_on", None):
                return (
                    f"ライセンスのお申込みを受け付けています。請求書（{lic.current_invoice_number}）を"
                    f"{wareki_date(lic.current_invoice_due_on)}までにお支払いください。"
                )
            return "ライセンスのお申込みを受け付けています。運営者から請求書をお送りします。"
        # LAPSED
        if lic is not None and is_settled(lic):
            why = f"ライセンスの有効期限（{wareki_date(lic.period_end)}）と猶予期間が過ぎたため、"
        elif lic is not None and lic.period_end < self.on and not _invoice_overdue(lic, self.on):
            # registered with a start date in the past: the period itself is over (nothing is overdue yet)
            why = (
                f"登録されたライセンスの期間（{wareki_date(lic.period_start)}〜{wareki_date(lic.period_end)}）が"
                "すでに終わっているため、"
            )
        elif lic is not None:
            why = "ライセンスの請求書のお支払いが期限を過ぎても確認できないため、"
        else:
            why = "ライセンスが失効しているため、"
        text = (
            why
            + "ケアプランデータの送信はできません。ログイン・閲覧・受信・印刷・CSV出力はこれまでどおりご利用いただけます。"
        )
        nxt = self.next_licence
        if nxt is not None and getattr(nxt, "current_invoice_number", None) and not is_settled(nxt):
            return (
                text + f"更新分の請求書（{nxt.current_invoice_number}）のお支払いが確認できしだい、送信を再開できます。"
            )
        return text + "送信を再開するには、運営者に再申込をご連絡のうえ、請求書のお支払いをお願いします。"


def _invoice_overdue(lic, on: dt.date) -> bool:
    due = getattr(lic, "current_invoice_due_on", None)
    return due is not None and on > due + dt.timedelta(days=grace_days())


def status_from_licences(licences: list[Licence], on: dt.date) -> LicenceStatus:
    """The state on ``on`` from one office's licences (annotated by ``with_settlement``)."""
    licences = sorted(licences, key=lambda lic: lic.period_start)
    settled = [lic for lic in licences if is_settled(lic)]
    one_day = dt.timedelta(days=1)

    current = next((lic for lic in settled if lic.period_start <= on <= lic.period_end), None)
    if current is not None:
        following = next((lic for lic in licences if lic.period_start == current.period_end + one_day), None)
        if (current.period_end - on).days <= renewal_notice_days() and not (following and is_settled(following)):
            return LicenceStatus(LicenceState.RENEWAL_DUE, current, on, current.period_end, following)
        return LicenceStatus(LicenceState.ACTIVE, current, on, current.period_end, following)

    ended = [lic for lic in settled if lic.period_end < on]
    last = max(ended, key=lambda lic: lic.period_end) if ended else None
    if last is not None and (on - last.period_end).days <= grace_days():
        following = next((lic for lic in licences if lic.period_start == last.period_end + one_day), None)
        return LicenceStatus(LicenceState.GRACE, last, on, last.period_end + dt.timedelta(days=grace_days()), following)

    applications = [lic for lic in licences if lic.kind == LicenceKind.NEW and lic.period_end >= on]
    if last is not None:  # only applications made after the last paid period count
        applications = [lic for lic in applications if lic.period_start > last.period_end]
    if applications:
        application = applications[0]
        if is_settled(application):
            return LicenceStatus(LicenceState.APPLIED, application, on, application.period_start)
        due = getattr(application, "current_invoice_due_on", None)
        if due is None:
            return LicenceStatus(LicenceState.APPLIED, application, on, None)
        deadline = due + dt.timedelta(days=grace_days())
        if on <= deadline:
            return LicenceStatus(LicenceState.APPLIED, application, on, deadline)
        return LicenceStatus(LicenceState.LAPSED, application, on, None)

    if not licences:
        return LicenceStatus(LicenceState.APPLIED, None, on, None)
    if last is None:
        return LicenceStatus(LicenceState.LAPSED, licences[-1], on, None)
    following = next((lic for lic in licences if lic.period_start == last.period_end + one_day), None)
    return LicenceStatus(LicenceState.LAPSED, last, on, None, following)


def licence_status(office, on: dt.date | None = None) -> LicenceStatus:
    """The licence state of ``office`` on ``on`` (today by default), with the period and message."""
    on = on or timezone.localdate()
    office_id = getattr(office, "pk", office)
    licences = list(with_settlement(Licence.objects.filter(office_id=office_id)))
    return status_from_licences(licences, on)


def licence_state(office, on: dt.date | None = None) -> LicenceState:
    """申込中 / 有効 / 更新待ち / 猶予 / 失効 of ``office`` on ``on`` (today by default)."""
    return licence_status(office, on).state


def statuses_for_offices(office_ids, on: dt.date | None = None) -> dict[int, LicenceStatus]:
    """Operator view: the status of many offices in one query (call with scopes disabled)."""
    on = on or timezone.localdate()
    by_office: dict[int, list[Licence]] = {pk: [] for pk in office_ids}
    for lic in with_settlement(Licence.objects.filter(office_id__in=list(by_office))):
        by_office[lic.office_id].append(lic)
    return {pk: status_from_licences(lics, on) for pk, lics in by_office.items()}
