"""Writes for サービス利用票 (第6表): create a month, save the grid (optimistic lock), drafts,
copy from last month, fill from 第3表's weekly pattern.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal.clients.models import Client
from portal.core.wareki import wareki_month
from portal.offices.models import Membership, Office
from portal.schedules.grid import GridRow, rows_to_payload
from portal.schedules.models import NO_TIME, ScheduleDraft, ServiceSchedule, ServiceScheduleLine


class ScheduleConflict(Exception):
    """Someone saved the schedule after this user opened it; nothing was overwritten."""

    def __init__(self, schedule: ServiceSchedule):
        self.schedule = schedule
        when = timezone.localtime(schedule.updated_at).strftime("%m月%d日 %H:%M")
        who = schedule.updated_by_name or "別の職員"
        super().__init__(
            f"{who}さんが{when}にこの利用票を先に保存しました。あなたの変更はまだ保存していません"
            "（上書きを防ぐため）。入力内容は下書きとして残してあります。最新の内容を開き直して、もう一度入力してください。"
        )


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def parse_month(text: str | None) -> date | None:
    """'2026-05' → date(2026, 5, 1); None when not a month."""
    if not text:
        return None
    try:
        y, m = text.split("-")[:2]
        return date(int(y), int(m), 1)
    except (ValueError, TypeError):
        return None


def _author_name(author: Membership | None) -> str:
    return author.name if author is not None else ""


@transaction.atomic
def schedule_create(*, client: Client, month: date, author: Membership | None) -> ServiceSchedule:
    try:
        with transaction.atomic():
            return ServiceSchedule.objects.create(
                client=client,
                month=month_start(month),
                created_on=timezone.localdate(),
                updated_by=author,
                updated_by_name=_author_name(author),
            )
    except IntegrityError:
        raise ValidationError("この利用者のこの月のサービス利用票はすでにあります。")


def _line_values(row: GridRow, *, sort_order: int, over_mode: str = "auto") -> dict:
    return {
        "sort_order": sort_order,
        "provider_office_number": row.provider_office_number,
        "provider_name": row.provider_name,
        "service_type_code": row.service_type_code,
        "service_item_code": row.service_item_code,
        "start_time": row.start_hhmm,
        "end_time": row.end_hhmm,
        "planned_days": row.counts,
        "prorated_days": row.prorated_flags,
        "units_entered": row.units_value,
        "tais_code": row.tais_code,
        "notified_code": row.notified_code,
        "equipment_name": row.equipment_name,
        "class_over_units": int(row.over) if over_mode == "chosen" and row.over.isdigit() else None,
    }


@transaction.atomic
def schedule_save(
    *,
    schedule: ServiceSchedule,
    rows: list[GridRow],
    version: int,
    author: Membership,
    provider_names: dict[str, str] | None = None,
    over_mode: str = "auto",
    short_stay_before: int | None = None,
) -> ServiceSchedule:
    """Replace the planned lines with ``rows`` (and the over-limit allocation) if nobody saved since ``version``.

    Existing lines (matched by id) are updated in place so that their 実績 stays. Raises
    :class:`ScheduleConflict` (nothing changed) when the version moved on."""
    updated = ServiceSchedule.objects.filter(pk=schedule.pk, version=version).update(
        version=F("version") + 1,
        updated_at=timezone.now(),
        updated_by=author,
        updated_by_name=_author_name(author),
        over_mode=over_mode,
        short_stay_days_before=short_stay_before,
    )
    if not updated:
        raise ScheduleConflict(ServiceSchedule.objects.get(pk=schedule.pk))
    provider_names = provider_names or {}
    existing = {line.pk: line for line in ServiceScheduleLine.objects.filter(schedule=schedule)}
    keep = set()
    to_create = []
    for order, row in enumerate(rows):
        if not row.provider_name:
            row.provider_name = provider_names.get(row.provider_office_number, "")
        values = _line_values(row, sort_order=order, over_mode=over_mode)
        line = existing.get(row.line_id) if row.line_id else None
        if line is not None:
            keep.add(line.pk)
            for f, v in values.items():
                setattr(line, f, v)
            line.save()
        else:
            to_create.append(ServiceScheduleLine(schedule=schedule, **values))
    ServiceScheduleLine.objects.bulk_create(to_create)
    ServiceScheduleLine.objects.filter(schedule=schedule).exclude(pk__in=keep).exclude(
        pk__in=[line.pk for line in to_create]
    ).delete()
    ScheduleDraft.objects.filter(schedule=schedule, author=author).delete()
    schedule.refresh_from_db()
    return schedule


def schedule_draft_save(
    *,
    schedule: ServiceSchedule,
    author: Membership,
    rows: list[GridRow],
    base_version: int,
    over_mode: str | None = None,
    short_stay_before: str | None = None,
) -> ScheduleDraft:
    if short_stay_before is None:
        short_stay_before = "" if schedule.short_stay_days_before is None else str(schedule.short_stay_days_before)
    payload = rows_to_payload(rows, over_mode=over_mode or schedule.over_mode, short_stay_before=short_stay_before)
    draft, _ = ScheduleDraft.objects.update_or_create(
        schedule=schedule,
        author=author,
        defaults={"payload": payload, "base_version": base_version},
    )
    return draft


def schedule_draft_discard(*, schedule: ServiceSchedule, author: Membership) -> None:
    ScheduleDraft.objects.filter(schedule=schedule, author=author).delete()


# --------------------------------------------------------------------------- filling


@dataclass
class FillResult:
    rows: list[GridRow]
    skipped_days: int = 0  # days left out because they are outside the certification period
    note: str = ""


def _certified_days(client: Client, month: date) -> set[int]:
    days = calendar.monthrange(month.year, month.month)[1]
    out = set()
    certs = list(client.certifications.all())
    for d in range(1, days + 1):
        day = month.replace(day=d)
        if any(c.valid_from <= day <= c.valid_to for c in certs):
            out.add(d)
    return out


def rows_from_previous_month(*, client: Client, month: date) -> FillResult:
    """Last month's lines with the same weekday pattern (e.g. every Monday stays every Monday)."""
    prev = ServiceSchedule.objects.filter(client=client, month=previous_month(month)).first()
    if prev is None:
        prev_month = previous_month(month)
        raise ValidationError(f"{wareki_month(prev_month)}のサービス利用票がないため、コピーできません。")
    lines = list(prev.lines.order_by("sort_order", "pk"))
    if not lines:
        raise ValidationError("先月のサービス利用票にサービスの行がありません。")
    days = calendar.monthrange(month.year, month.month)[1]
    prev_days = calendar.monthrange(prev.month.year, prev.month.month)[1]
    allowed = _certified_days(client, month)
    rows = []
    skipped = 0
    for i, line in enumerate(lines):
        counts = (list(line.planned_days) + [0] * 31)[:31]
        per_weekday: dict[int, Counter] = defaultdict(Counter)
        for d in range(1, prev_days + 1):
            per_weekday[prev.month.replace(day=d).weekday()][int(counts[d - 1] or 0)] += 1
        pattern = {wd: c.most_common(1)[0][0] for wd, c in per_weekday.items()}
        monthly_once = sum(1 for n in counts if n) == 1  # e.g. 初回加算, 福祉用具: keep the same day
        new = [""] * 31
        for d in range(1, days + 1):
            if monthly_once:
                value = int(counts[d - 1] or 0) if d <= prev_days else 0
            else:
                value = pattern.get(month.replace(day=d).weekday(), 0)
            if value:
                if d in allowed:
                    new[d - 1] = str(value)
                else:
                    skipped += 1
        rows.append(
            GridRow(
                index=i,
                provider_office_number=line.provider_office_number,
                provider_name=line.provider_name,
                service_code=line.service_code,
                start=_display(line.start_time),
                end=_display(line.end_time),
                days=new,
                units_entered="" if line.units_entered is None else str(line.units_entered),
                tais_code=line.tais_code,
                notified_code=line.notified_code,
                equipment_name=line.equipment_name,
                prorated=bool(line.prorated_days),
            )
        )
    return FillResult(rows=rows, skipped_days=skipped)


def _display(hhmm: str) -> str:
    return "" if hhmm == NO_TIME else f"{hhmm[:2]}:{hhmm[2:]}"


def weekly_activity_model():
    """第3表's WeeklyActivity (built by the care-plan app), or None while it is not there."""
    try:
        from portal.careplans.models import WeeklyActivity
    except ImportError:
        return None
    return WeeklyActivity


def latest_plan_with_weekly(client: Client):
    WeeklyActivity = weekly_activity_model()
    if WeeklyActivity is None:
        return None
    activities = (
        WeeklyActivity.objects.filter(plan__client=client)
        .select_related("plan")
        .order_by("-plan__plan_date", "-plan__pk")
    )
    # the latest delivered (交付済) version is what was agreed with the 利用者; a newer draft is only a draft
    activity = activities.filter(plan__status="delivered").first() or activities.first()
    return activity.plan if activity is not None else None


def rows_from_weekly_pattern(*, client: Client, month: date) -> FillResult:
    """One line per (provider, service code, time) of the latest plan's 第3表, ticked on its weekdays."""
    WeeklyActivity = weekly_activity_model()
    plan = latest_plan_with_weekly(client)
    if WeeklyActivity is None or plan is None:
        raise ValidationError("第3表（週間サービス計画表）にサービスが入力されていないため、作成できません。")
    activities = list(WeeklyActivity.objects.filter(plan=plan).order_by("weekday", "start_time", "pk"))
    activities = [a for a in activities if a.service_type_code]
    if not activities:
        raise ValidationError(
            "第3表にサービス種類の入ったサービスがありません（主な日常生活上の活動だけでは作成できません）。"
        )
    names = {s.provider_office_number: s.provider_name for s in client.services.all()}
    names.update(
        dict(
            Office.objects.filter(
                verification_status="verified", office_number__in={a.provider_office_number for a in activities}
            ).values_list("office_number", "name")
        )
    )
    groups: dict[tuple, set[int]] = {}
    for a in activities:
        key = (
            a.provider_office_number,
            a.service_type_code,
            a.service_item_code or "",
            a.start_time.strftime("%H:%M") if a.start_time else "",
            a.end_time.strftime("%H:%M") if a.end_time else "",
        )
        groups.setdefault(key, set()).add(int(a.weekday))
    days = calendar.monthrange(month.year, month.month)[1]
    allowed = _certified_days(client, month)
    rows = []
    skipped = 0
    missing_item = 0
    for i, ((provider, kind, item, start, end), weekdays) in enumerate(groups.items()):
        cells = [""] * 31
        for d in range(1, days + 1):
            if month.replace(day=d).isoweekday() in weekdays:
                if d in allowed:
                    cells[d - 1] = "1"
                else:
                    skipped += 1
        if not item:
            missing_item += 1
        rows.append(
            GridRow(
                index=i,
                provider_office_number=provider,
                provider_name=names.get(provider, ""),
                service_code=kind + item,
                start=start,
                end=end,
                days=cells,
            )
        )
    note = ""
    if missing_item:
        note = f"{missing_item}行はサービス項目コードが第3表に無いため、コードの続き（4桁）を入力してください。"
    return FillResult(rows=rows, skipped_days=skipped, note=note)
