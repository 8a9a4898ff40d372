"""The 居宅サービス計画書 view model: :func:`plan_sheet` → :class:`PlanSheet` (第1表・第2表, and the 第3表 week laid out in lanes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.clients.models import CareLevel, CertificationStatus
from portal.core.codes import service_kind_name

from .common import WEEKDAYS, DocumentUnavailable, _period


@dataclass
class NeedRow:
    """One printed row of 第2表 (one 援助内容 line, or a need/goal without lines)."""

    need_first: bool
    need_text: str
    goal_first: bool
    long_term_goal: str
    long_period: str
    short_first: bool
    short_term_goal: str
    short_period: str
    content: str = ""
    insurance_mark: str = ""
    service_kind: str = ""
    provider_name: str = ""
    frequency: str = ""
    period: str = ""

    @property
    def keep_together(self) -> bool:
        """A short row is not split across pages; a long one may be (so nothing is ever cut)."""
        texts = (
            self.need_text if self.need_first else "",
            self.long_term_goal if self.goal_first else "",
            self.short_term_goal if self.short_first else "",
            self.content,
        )
        return max(len(t) for t in texts) <= 240


@dataclass
class WeekBlock:
    top: str
    height: str
    left: str
    width: str
    text: str


@dataclass
class WeekSheet:
    height_mm: int
    days: list[dict]
    zones: list[dict]
    ticks: list[dict]
    daily: list[dict]
    notes: list[dict]


@dataclass
class PlanSheet:
    plan_id: int
    client_name: str
    client_kana: str
    birth_date: dt.date
    client_address: str
    created_on: dt.date
    plan_date: dt.date
    first_plan_date: dt.date | None
    category_choices: list[tuple[str, bool]]
    certification_choices: list[tuple[str, bool]]
    care_level_choices: list[tuple[str, bool]]
    certified_on: dt.date | None
    cert_valid_from: dt.date | None
    cert_valid_to: dt.date | None
    author_name: str
    office_name: str
    office_number: str
    office_postal_code: str
    office_address: str
    user_intentions: str
    committee_opinion: str
    support_policy: str
    living_support_choices: list[tuple[str, bool]]
    living_support_other: str
    explained_on: dt.date | None
    need_rows: list[NeedRow]
    week: WeekSheet
    non_weekly_services: str

    @property
    def texts(self) -> list[str]:
        """Every free text printed (tests check that none is cut)."""
        out = [
            self.user_intentions,
            self.committee_opinion,
            self.support_policy,
            self.living_support_other,
            self.non_weekly_services,
        ]
        for r in self.need_rows:
            out += [r.need_text, r.long_term_goal, r.short_term_goal, r.content, r.frequency]
        return [t for t in out if t]


def plan_queryset():
    """CarePlan rows with everything the three tables print, in a constant number of queries."""
    from django.db.models import Prefetch

    from portal.careplans.models import CarePlan, Goal, Need, ShortTermGoal

    return CarePlan.objects.select_related("client", "author").prefetch_related(
        "client__certifications",
        Prefetch(
            "needs",
            queryset=Need.objects.order_by("position", "pk").prefetch_related(
                Prefetch(
                    "goals",
                    queryset=Goal.objects.order_by("position", "pk").prefetch_related(
                        Prefetch(
                            "short_goals",
                            queryset=ShortTermGoal.objects.order_by("position", "pk").prefetch_related("items"),
                        )
                    ),
                )
            ),
        ),
        "weekly_activities",
        "daily_activities",
    )


_CARE_LEVELS_CARE = [c for c in CareLevel if c.value.startswith("2")]
_CARE_LEVELS_SUPPORT = [c for c in CareLevel if not c.value.startswith("2")]


def plan_sheet(plan) -> PlanSheet:
    """第1表・第2表・第3表 of one plan version. Raises ``DocumentUnavailable`` without 認定."""
    from portal.careplans.selectors import plan_header

    header = plan_header(plan)  # a delivered plan prints what it printed at 交付
    status = header.certification_status
    care_level = header.care_level
    if not care_level and status != CertificationStatus.APPLYING:
        raise DocumentUnavailable(
            f"{header.client_name}さんの認定（要介護状態区分）が登録されていないため、居宅サービス計画書を印刷できません。"
            f"利用者の画面で認定を登録するか、計画書の第1表で「申請中」または要介護状態区分を入力してください。"
        )
    levels = _CARE_LEVELS_SUPPORT if care_level and not care_level.startswith("2") else _CARE_LEVELS_CARE
    first, referral, continuing = plan.category_flags
    category_choices = [("初回", first), ("紹介", referral), ("継続", continuing)]
    certification_choices = [
        ("認定済", status == CertificationStatus.CERTIFIED),
        ("申請中", status == CertificationStatus.APPLYING),
    ]
    from portal.careplans.models import LivingSupportReason

    living = [
        (f"{i}. {c.label}", plan.living_support_reason == c.value) for i, c in enumerate(LivingSupportReason, start=1)
    ]
    return PlanSheet(
        plan_id=plan.pk,
        client_name=header.client_name,
        client_kana=header.client_kana,
        birth_date=header.birth_date,
        client_address=header.client_address,
        created_on=plan.plan_date,
        plan_date=plan.plan_date,
        first_plan_date=plan.first_plan_date,
        category_choices=category_choices,
        certification_choices=certification_choices,
        care_level_choices=[(c.label, c.value == care_level) for c in levels],
        certified_on=header.certified_on,
        cert_valid_from=header.cert_valid_from,
        cert_valid_to=header.cert_valid_to,
        author_name=header.author_name,
        office_name=header.office_name,
        office_number=header.office_number,
        office_postal_code=header.office_postal_code,
        office_address=header.office_address,
        user_intentions=plan.user_intentions,
        committee_opinion=plan.committee_opinion,
        support_policy=plan.support_policy,
        living_support_choices=living,
        living_support_other=plan.living_support_other,
        explained_on=plan.explained_on,
        need_rows=_need_rows(plan),
        week=_week(plan),
        non_weekly_services=plan.non_weekly_services,
    )


def _need_rows(plan) -> list[NeedRow]:
    """Flatten Need → Goal → ShortTermGoal → ServiceItem into printed rows (no rowspans, so a
    group may continue on the next page; the first row of a group carries its text)."""
    rows: list[NeedRow] = []
    for need in plan.needs.all():
        need_first = True
        goals = list(need.goals.all()) or [None]
        for goal in goals:
            goal_first = True
            shorts = list(goal.short_goals.all()) if goal else []
            for short in shorts or [None]:
                short_first = True
                items = list(short.items.all()) if short else []
                for item in items or [None]:
                    row = NeedRow(
                        need_first=need_first,
                        need_text=need.text,
                        goal_first=goal_first,
                        long_term_goal=goal.long_term_goal if goal else "",
                        long_period=_period(goal.long_from, goal.long_to) if goal else "",
                        short_first=short_first,
                        short_term_goal=short.text if short else "",
                        short_period=_period(short.short_from, short.short_to) if short else "",
                    )
                    if item is not None:
                        row.content = item.content
                        row.insurance_mark = "○" if item.insurance_covered else ""
                        row.service_kind = item.service_kind or (
                            service_kind_name(item.service_type_code) if item.service_type_code else ""
                        )
                        row.provider_name = item.provider_name
                        row.frequency = item.frequency
                        row.period = _period(item.period_from, item.period_to)
                    rows.append(row)
                    need_first = goal_first = short_first = False
    return rows


# --- 第3表 ---------------------------------------------------------------------------------

WEEK_HEIGHT_MM = 126
_DAY_COLUMN_MM = 29.0  # (page width − time axis − 主な日常生活上の活動) / 7
_ZONES = [(0, 6, "深夜"), (6, 8, "早朝"), (8, 12, "午前"), (12, 18, "午後"), (18, 22, "夜間"), (22, 24, "深夜")]
# Glyph box of the 6pt text in the blocks: 2.12 mm wide, 2.33 mm line.
_CHAR_MM = 2.12
_LINE_MM = 2.33


def _mm(minutes: int) -> float:
    return round(minutes / 1440 * WEEK_HEIGHT_MM, 2)


def _minutes(t: dt.time | None) -> int:
    if t is None:
        return 0
    return t.hour * 60 + t.minute


def _lanes(items: list[tuple[int, int, object]]) -> list[tuple[object, int, int]]:
    """Side-by-side lanes for overlapping blocks: (item, lane, lanes in its cluster)."""
    out = []
    cluster: list[tuple[int, int, object, int]] = []
    cluster_end = -1

    def flush():
        n = max((lane for *_, lane in cluster), default=-1) + 1
        out.extend((obj, lane, n) for _s, _e, obj, lane in cluster)

    for start, end, obj in sorted(items, key=lambda x: (x[0], x[1])):
        if cluster and start >= cluster_end:
            flush()
            cluster, cluster_end = [], -1
        used = {lane for s, e, _o, lane in cluster if e > start}
        lane = next(i for i in range(len(cluster) + 1) if i not in used)
        cluster.append((start, end, obj, lane))
        cluster_end = max(cluster_end, end)
    flush()
    return out


def _fit(text: str, width_mm: float, height_mm: float) -> bool:
    per_line = max(1, int((width_mm - 1.2) / _CHAR_MM))
    lines = max(1, int((height_mm - 0.4) / _LINE_MM))
    needed = sum(max(1, -(-len(part) // per_line)) for part in text.splitlines() or [""])
    return needed <= lines


def _week(plan) -> WeekSheet:
    notes: list[dict] = []

    def place(text: str, where: str, width_mm: float, height_mm: float) -> str:
        if _fit(text, width_mm, height_mm):
            return text
        mark = f"※{len(notes) + 1}"
        notes.append({"mark": mark, "where": where, "text": text})
        per_line = max(1, int((width_mm - 1.2) / _CHAR_MM))
        lines = max(1, int((height_mm - 0.4) / _LINE_MM))
        room = max(0, per_line * lines - len(mark) - 1)
        return (text[:room] + "…" + mark) if room else mark

    by_day: dict[int, list] = {d: [] for d in range(1, 8)}
    for act in plan.weekly_activities.all():
        start = _minutes(act.start_time)
        end = _minutes(act.end_time) or 1440
        if end <= start:
            end = 1440
        by_day.setdefault(act.weekday, []).append((start, end, act))
    days = []
    for d in range(1, 8):
        blocks = []
        for act, lane, lanes in _lanes(by_day.get(d, [])):
            start = _minutes(act.start_time)
            end = max(_minutes(act.end_time) or 1440, start + 20)
            top, height = _mm(start), max(_mm(end - start), 2.4)
            width_pct = 100 / lanes
            where = f"{WEEKDAYS[d - 1]}曜 {act.start_time:%H:%M}～{act.end_time:%H:%M}"
            blocks.append(
                WeekBlock(
                    top=f"{top:.2f}",
                    height=f"{height - 0.2:.2f}",
                    left=f"{lane * width_pct:.2f}",
                    width=f"{width_pct - 1:.2f}",
                    text=place(act.content, where, _DAY_COLUMN_MM / lanes, height),
                )
            )
        days.append({"label": WEEKDAYS[d - 1], "blocks": blocks})
    daily = []
    for act in plan.daily_activities.all():
        start = _minutes(act.start_time)
        time_label = f"{act.start_time:%H:%M}" + (f"～{act.end_time:%H:%M}" if act.end_time else "")
        text = f"{time_label} {act.content}"
        daily.append(
            {"top": f"{_mm(start):.2f}", "text": place(text, f"主な日常生活上の活動 {time_label}", 46, 2 * _LINE_MM)}
        )
    zones = [
        {"top": f"{_mm(a * 60):.2f}", "height": f"{_mm((b - a) * 60):.2f}", "label": label} for a, b, label in _ZONES
    ]
    # Each 2-hour label sits on its line; the first just below it, the last just above it.
    ticks = [
        {
            "top": f"{_mm(h * 60):.2f}",
            "label": f"{h}:00" if h % 2 == 0 else "",
            "pos": "first" if h == 0 else "last" if h == 24 else "",
        }
        for h in range(0, 25)
    ]
    return WeekSheet(height_mm=WEEK_HEIGHT_MM, days=days, zones=zones, ticks=ticks, daily=daily, notes=notes)


# =========================================================================== 第6表・第7表
