"""利用者のタイムライン: every record of one 利用者 in date order (one query per kind of record, whatever their
number), and the events Renkei already knows that a care manager may add to the 支援経過 with one click.
Run inside the office scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from portal.core.wareki import wareki_date, wareki_month

KINDS = {
    "assessment": "アセスメント",
    "plan": "居宅サービス計画",
    "meeting": "担当者会議",
    "log": "支援経過",
    "monitoring": "モニタリング",
    "send": "送信",
    "receipt": "受信",
    "consent": "同意",
}


@dataclass
class Event:
    kind: str
    day: dt.date
    at: dt.datetime | None  # the time of day when known (sorting within a day)
    title: str
    detail: str = ""
    url: str = ""
    source: str = ""  # for an event that can go to the 支援経過 with one click: "plan_delivered:12", …
    log_kind: str = ""  # the 支援経過 種別 proposed for it
    logged: bool = False
    order: int = 0

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def log_text(self) -> str:
        return self.title + (f"（{self.detail}）" if self.detail else "")


def _local(value):
    return timezone.localtime(value) if value else None


def _in(day, date_from, date_to):
    return day is not None and (date_from is None or day >= date_from) and (date_to is None or day <= date_to)


def client_events(
    *, client, date_from: dt.date | None = None, date_to: dt.date | None = None, kinds: set[str] | None = None
) -> list[Event]:
    """The events of ``client`` between the dates (inclusive), oldest first."""
    kinds = set(kinds or KINDS)
    events: list[Event] = []

    def window(qs, field):
        if date_from:
            qs = qs.filter(**{f"{field}__gte": date_from})
        if date_to:
            qs = qs.filter(**{f"{field}__lte": date_to})
        return qs

    if "assessment" in kinds:
        from portal.casework.models import Assessment

        for a in (
            window(Assessment.objects.filter(client=client), "assessed_on")
            .annotate(problem_count=Count("problem_rows"))
            .select_related("written_by__user")
        ):
            events.append(
                Event(
                    "assessment",
                    a.assessed_on,
                    None,
                    f"アセスメント（{a.reason_label or '理由の記載なし'}）",
                    f"課題{a.problem_count}件" + (f"・{a.written_by.name}" if a.written_by else ""),
                    reverse("casework:assessment_detail", kwargs={"assessment_id": a.pk}),
                )
            )
    if "plan" in kinds:
        events.extend(_plan_events(client, date_from, date_to))
    if "meeting" in kinds:
        from portal.casework.models import ServiceMeeting

        for m in window(ServiceMeeting.objects.filter(client=client), "held_on").annotate(
            attendee_count=Count("attendees")
        ):
            at = timezone.make_aware(dt.datetime.combine(m.held_on, m.start_time)) if m.start_time else None
            events.append(
                Event(
                    "meeting",
                    m.held_on,
                    at,
                    "サービス担当者会議（第4表）",
                    f"{m.place}・出席者{m.attendee_count}人・{m.topics[:40]}",
                    reverse("casework:meeting_edit", kwargs={"meeting_id": m.pk}),
                )
            )
    if "log" in kinds:
        from portal.casework.models import SupportLogEntry

        for e in window(SupportLogEntry.objects.filter(client=client), "occurred_on").select_related(
            "written_by__user"
        ):
            at = timezone.make_aware(dt.datetime.combine(e.occurred_on, e.occurred_time)) if e.occurred_time else None
            events.append(
                Event(
                    "log",
                    e.occurred_on,
                    at,
                    f"{e.get_kind_display()}" + (f"：{e.counterpart}" if e.counterpart else ""),
                    e.content,
                    reverse("casework:support_log_edit", kwargs={"entry_id": e.pk}),
                )
            )
    if "monitoring" in kinds:
        from portal.casework.models import Monitoring

        for m in window(Monitoring.objects.filter(client=client), "visited_on"):
            events.append(
                Event(
                    "monitoring",
                    m.visited_on,
                    None,
                    f"{wareki_month(m.month)}のモニタリング（{m.get_place_display()}）",
                    ("計画の変更が必要" if m.plan_change_needed else "") + (f" {m.policy[:60]}" if m.policy else ""),
                    reverse("casework:monitoring_edit", kwargs={"monitoring_id": m.pk}),
                )
            )
    if kinds & {"send", "receipt"}:
        events.extend(_package_events(client, kinds & {"send", "receipt"}, date_from, date_to))
    if "consent" in kinds:
        events.extend(_consent_events(client, date_from, date_to))
    for i, event in enumerate(events):
        event.order = i
    events.sort(key=lambda e: (e.day, e.at or timezone.make_aware(dt.datetime.combine(e.day, dt.time(0, 0))), e.order))
    return events


def _plan_events(client, date_from, date_to):
    from portal.careplans.models import CarePlan

    events = []
    plans = list(
        CarePlan.objects.filter(client=client)
        .only(
            "pk",
            "plan_date",
            "status",
            "confirmed_at",
            "delivered_on",
            "delivered_to",
            "previous_id",
            "delivered_by_name",
        )
        .order_by("plan_date", "pk")
    )
    for no, plan in enumerate(plans, start=1):
        url = reverse("careplans:plan_detail", kwargs={"plan_id": plan.pk})
        label = f"居宅サービス計画 第{no}版（{wareki_date(plan.plan_date)} {'変更' if plan.previous_id else '作成'}）"
        if _in(plan.plan_date, date_from, date_to):
            events.append(Event("plan", plan.plan_date, None, f"{label}", plan.get_status_display(), url))
        confirmed = _local(plan.confirmed_at)
        if confirmed and _in(confirmed.date(), date_from, date_to):
            events.append(Event("plan", confirmed.date(), confirmed, f"{label}を確定", "", url))
        if plan.delivered_on and _in(plan.delivered_on, date_from, date_to):
            events.append(
                Event(
                    "plan",
                    plan.delivered_on,
                    None,
                    f"{label}を交付",
                    "交付先: " + plan.delivered_to if plan.delivered_to else "",
                    url,
                    source=f"plan_delivered:{plan.pk}",
                    log_kind="other",
                )
            )
    return events


def _package_events(client, kinds, date_from, date_to):
    """Sends and receipts of packages naming ``client``: the exchange tells (portal modules do not import it)."""
    from portal.casework.ports import package_events

    events = []
    for row in package_events.get().client_package_events(client=client, kinds=kinds):
        at = _local(row["at"])
        if _in(at.date(), date_from, date_to):
            events.append(
                Event(row["kind"], at.date(), at, row["title"], row["detail"], source=row["source"], log_kind="other")
            )
    return events


def _consent_events(client, date_from, date_to):
    from portal.partners.models import Consent

    events = []
    for c in Consent.objects.filter(client=client).select_related("partnership"):
        partner = c.partnership.partner_name or "連携先"
        if _in(c.obtained_on, date_from, date_to):
            events.append(
                Event(
                    "consent",
                    c.obtained_on,
                    None,
                    f"{partner}との情報共有に同意（{c.get_method_display()}）",
                    c.scopes_label,
                    source=f"consent_obtained:{c.pk}",
                    log_kind="other",
                )
            )
        if c.revoked_on and _in(c.revoked_on, date_from, date_to):
            events.append(
                Event(
                    "consent",
                    c.revoked_on,
                    None,
                    f"{partner}との情報共有の同意を撤回",
                    c.revocation_reason,
                    source=f"consent_revoked:{c.pk}",
                    log_kind="other",
                )
            )
    return events


# --------------------------------------------------------------------------- one click to the 支援経過

LOGGABLE = ("plan", "send", "receipt", "consent")


def loggable_events(*, client, days: int = 90) -> list[Event]:
    """Known events of the last ``days`` days that can go to the 支援経過, each marked when already added."""
    today = timezone.localdate()
    events = [
        e
        for e in client_events(
            client=client, date_from=today - dt.timedelta(days=days), date_to=today, kinds=set(LOGGABLE)
        )
        if e.source
    ]
    logged = logged_sources(client=client)
    for event in events:
        event.logged = event.source in logged
    return events


def event_by_source(*, client, source: str) -> Event | None:
    """The loggable event named ``source`` (only a known, current event of this client can be added)."""
    return next((e for e in loggable_events(client=client, days=366) if e.source == source), None)


def logged_sources(*, client) -> set[str]:
    from portal.casework.models import SupportLogEntry

    return set(SupportLogEntry.objects.filter(client=client).exclude(source="").values_list("source", flat=True))
