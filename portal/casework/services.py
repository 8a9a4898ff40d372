"""Services of the care manager's own records (issue 18)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from portal.casework.models import SupportLogEntry

# --------------------------------------------------------------------------- 第5表 居宅介護支援経過


@transaction.atomic
def support_log_create(*, office, client, author, data: dict) -> SupportLogEntry:
    """Add one entry (``data``: cleaned fields of ``SupportLogEntryForm``) to ``client``'s log."""
    return SupportLogEntry.objects.create(
        office=office, client=client, written_by=author, updated_by_name=author.name if author else "", **data
    )


@transaction.atomic
def support_log_update(*, entry: SupportLogEntry, data: dict, by=None, lock_version=None) -> SupportLogEntry:
    """Correct an entry (optimistic lock: ``RecordConflict`` if another member saved it meanwhile)."""
    from portal.casework.locking import claim

    claim(entry, lock_version, by, label="支援経過")
    for name, value in data.items():
        setattr(entry, name, value)
    entry.save()
    return entry


def support_log_filter(
    *, client, date_from: dt.date | None = None, date_to: dt.date | None = None, kind: str = "", q: str = ""
):
    """The entries of ``client`` in the period, of ``kind``, containing ``q`` (content or 相手)."""
    entries = SupportLogEntry.objects.filter(client=client).select_related("written_by__user")
    if date_from:
        entries = entries.filter(occurred_on__gte=date_from)
    if date_to:
        entries = entries.filter(occurred_on__lte=date_to)
    if kind:
        entries = entries.filter(kind=kind)
    for word in q.split():
        entries = entries.filter(Q(content__icontains=word) | Q(counterpart__icontains=word))
    return entries.order_by("occurred_on", "occurred_time", "pk")


def support_log_pdf(*, client, entries, author_name: str, created_on: dt.date, period: tuple) -> bytes:
    """第5表 居宅介護支援経過 as a PDF (A4 landscape, the 標準様式 of 老企第29号)."""
    from portal.documents.render import render_pdf

    return render_pdf(
        "casework/support_log_pdf.html",
        {
            "client": client,
            "entries": list(entries),
            "author_name": author_name,
            "created_on": created_on,
            "period": period,
        },
    )


# --------------------------------------------------------------------------- モニタリング


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month_start(month) - dt.timedelta(days=1)).replace(day=1)


EFFECTIVE_PLAN_STATUSES = ("confirmed", "delivered")


def plan_in_effect(*, client, on: dt.date):
    """The 居宅サービス計画 (確定 or 交付済) in effect for ``client`` on ``on``: the latest version dated on or before."""
    from portal.careplans.models import CarePlan

    return (
        CarePlan.objects.filter(client=client, status__in=EFFECTIVE_PLAN_STATUSES, plan_date__lte=on)
        .order_by("-plan_date", "-pk")
        .first()
    )


def plan_short_goals(plan) -> list:
    """The 第2表 短期目標 of ``plan`` in the order of the sheet (with their 長期目標 and 課題 loaded)."""
    if plan is None:
        return []
    from portal.careplans.models import ShortTermGoal

    return list(
        ShortTermGoal.objects.filter(goal__need__plan=plan)
        .select_related("goal__need")
        .order_by("goal__need__position", "goal__need__pk", "goal__position", "goal__pk", "position", "pk")
    )


@transaction.atomic
def monitoring_save(
    *, office, client, author, data: dict, evaluations: list[dict], instance=None, plan=None, lock_version=None
):
    """Create or update the month's monitoring and its 目標の達成状況 (``evaluations``: short_goal, goal_text,
    achievement, note). An update checks ``lock_version`` (``RecordConflict`` if someone saved meanwhile)."""
    from portal.casework.locking import claim
    from portal.casework.models import GoalEvaluation, Monitoring

    if instance is not None:
        claim(instance, lock_version, author, label="モニタリング")
    monitoring = instance or Monitoring(
        office=office, client=client, written_by=author, plan=plan, updated_by_name=author.name if author else ""
    )
    for name, value in data.items():
        setattr(monitoring, name, value)
    monitoring.month = month_start(monitoring.visited_on)
    monitoring.save()
    monitoring.evaluations.all().delete()
    GoalEvaluation.objects.bulk_create([GoalEvaluation(monitoring=monitoring, **e) for e in evaluations])
    return monitoring


# --------------------------------------------------------------------------- 運営基準減算 warnings

MONITORING_RULE = (
    "指定居宅介護支援等の事業の人員及び運営に関する基準 第13条第14号: 介護支援専門員は、少なくとも1月に1回、"
    "利用者の居宅を訪問して利用者に面接し、モニタリングの結果を記録しなければなりません"
    "（令和6年4月からは、利用者の同意と担当者会議等での合意があれば、2月に1回の居宅訪問を条件にテレビ電話装置等で"
    "実施できます）。特段の事情なく実施・記録がない月は運営基準減算（所定単位数の50%、2月以上継続で算定不可）の"
    "対象になります。"
)


@dataclass(frozen=True)
class MissingMonitoring:
    client: object
    months: list  # first days of the months without a monitoring that counts, oldest first
    this_month: dt.date

    @property
    def this_month_missing(self) -> bool:
        return bool(self.months) and self.months[-1] == self.this_month

    @property
    def past_months(self) -> list:
        return [m for m in self.months if m != self.this_month]


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def monitoring_missing(*, today: dt.date, clients=None, lookback_months: int = 12) -> list[MissingMonitoring]:
    """利用者 whose plan was in effect in a month (this month and up to ``lookback_months`` before) without a
    monitoring that counts. Runs inside the office scope; a fixed number of queries whatever the number of
    利用者. The month a plan first takes effect is counted from the month after it (the plan's own visit)."""
    from portal.careplans.models import CarePlan
    from portal.casework.models import Monitoring
    from portal.clients.models import Client

    this_month = month_start(today)
    oldest = this_month
    for _ in range(lookback_months):
        oldest = previous_month(oldest)
    if clients is None:
        clients = Client.objects.filter(is_active=True)
    clients = {c.pk: c for c in clients}
    first_plan = {}
    for client_id, plan_date in (
        CarePlan.objects.filter(client_id__in=clients, status__in=EFFECTIVE_PLAN_STATUSES, plan_date__lte=today)
        .order_by("plan_date")
        .values_list("client_id", "plan_date")
    ):
        first_plan.setdefault(client_id, plan_date)
    done = {}
    for m in Monitoring.objects.filter(client_id__in=first_plan, month__gte=previous_month(oldest)):
        done[(m.client_id, m.month)] = m
    result = []
    for client_id, plan_date in first_plan.items():
        start = max(oldest, (month_start(plan_date) + dt.timedelta(days=32)).replace(day=1))
        missing = [
            month
            for month in _months_between(start, this_month)
            if not monitoring_counts(done.get((client_id, month)), done.get((client_id, previous_month(month))))
        ]
        if missing:
            result.append(MissingMonitoring(client=clients[client_id], months=missing, this_month=this_month))
    result.sort(key=lambda m: (m.client.family_name_kana, m.client.given_name_kana, m.client.pk))
    return result


def monitoring_counts(monitoring, previous=None) -> bool:
    """Whether a month's monitoring fulfils the rule: at the 居宅; online with consent and agreement when the
    previous month was at the 居宅 (2月に1回の訪問); elsewhere with the 特段の事情 recorded."""
    if monitoring is None or not monitoring.counts_as_visit:
        return False
    if monitoring.place == "online":
        return previous is not None and previous.place == "home"
    return True


# --------------------------------------------------------------------------- 第4表 サービス担当者会議の要点


@transaction.atomic
def service_meeting_save(
    *, office, client, author, data: dict, attendees: list[dict], instance=None, lock_version=None
):
    """Create or update a meeting and replace its attendees (``attendees``: cleaned rows, in order). An update
    checks ``lock_version`` (``RecordConflict`` if someone saved meanwhile)."""
    from portal.casework.locking import claim
    from portal.casework.models import MeetingAttendee, ServiceMeeting

    if instance is not None:
        claim(instance, lock_version, author, label="担当者会議の記録")
    meeting = instance or ServiceMeeting(
        office=office, client=client, written_by=author, updated_by_name=author.name if author else ""
    )
    for name, value in data.items():
        setattr(meeting, name, value)
    meeting.save()
    meeting.attendees.all().delete()
    MeetingAttendee.objects.bulk_create(
        [MeetingAttendee(meeting=meeting, position=i, **row) for i, row in enumerate(attendees, start=1)]
    )
    return meeting


def service_meeting_warnings(meeting) -> list[str]:
    """Warnings (never blocking) about a meeting against its plan version."""
    from portal.core.wareki import wareki_date

    warnings = []
    plan = meeting.plan
    if plan is not None and plan.delivered_on and meeting.held_on > plan.delivered_on:
        warnings.append(
            f"この会議は計画書の交付日（{wareki_date(plan.delivered_on)}）より後に開かれています。"
            "担当者会議は計画の原案を作成したあと、交付の前に開きます（運営基準 第13条第9号・第11号）。"
        )
    return warnings


def service_meeting_pdf(*, meeting, author_name: str) -> bytes:
    """第4表 サービス担当者会議の要点 as a PDF (A4 landscape, 標準様式 of 老企第29号)."""
    from portal.documents.render import render_pdf

    attendees = list(meeting.attendees.all())
    pairs = [attendees[i : i + 3] for i in range(0, max(len(attendees), 1), 3)]
    for row in pairs:
        row.extend([None] * (3 - len(row)))
    return render_pdf(
        "casework/service_meeting_pdf.html",
        {
            "meeting": meeting,
            "client": meeting.client,
            "attendee_rows": pairs,
            "absentees": [a for a in attendees if a.absent],
            "author_name": author_name,
        },
    )
