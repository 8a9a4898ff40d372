"""Reads for 居宅サービス計画書: the 第2表 rows with their numbers, the 第3表 grid.

The numbering rules are the standard's (§d-6): rows sorted by 課題NO, 援助目標NO, 援助内容NO
give the printed order; 援助目標NO numbers the long-term goals of a need; 援助内容NO numbers
the service lines of a long-term goal across its short-term goals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from portal.careplans.models import CarePlan, Goal, Need, ServiceItem, ShortTermGoal, Weekday


def needs_tree(plan: CarePlan) -> list[Need]:
    """Needs → goals → short-term goals → items in 4 queries, whatever the size."""
    return list(
        Need.objects.filter(plan=plan)
        .order_by("position", "pk")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
            Prefetch("goals__short_goals", queryset=ShortTermGoal.objects.order_by("position", "pk")),
            Prefetch("goals__short_goals__items", queryset=ServiceItem.objects.order_by("position", "pk")),
        )
    )


@dataclass
class Table2Row:
    """One printed row of 第2表 (one UP2KYO record)."""

    need: Need
    need_no: int
    goal: Goal | None = None
    goal_no: int | None = None
    short_goal: ShortTermGoal | None = None
    item: ServiceItem | None = None
    item_no: int | None = None
    need_first: bool = False
    goal_first: bool = False
    short_first: bool = False
    need_span: int = 1
    goal_span: int = 1
    short_span: int = 1


def table2_rows(needs: list[Need]) -> list[Table2Row]:
    rows: list[Table2Row] = []
    for need_no, need in enumerate(needs, 1):
        need_rows: list[Table2Row] = []
        goals = list(need.goals.all())
        if not goals:
            need_rows.append(Table2Row(need, need_no, goal_first=True, short_first=True))
        for goal_no, goal in enumerate(goals, 1):
            goal_rows: list[Table2Row] = []
            item_no = 0
            shorts = list(goal.short_goals.all())
            if not shorts:
                goal_rows.append(Table2Row(need, need_no, goal, goal_no, short_first=True))
            for short in shorts:
                short_rows: list[Table2Row] = []
                items = list(short.items.all())
                if not items:
                    short_rows.append(Table2Row(need, need_no, goal, goal_no, short))
                for item in items:
                    item_no += 1
                    short_rows.append(Table2Row(need, need_no, goal, goal_no, short, item, item_no))
                short_rows[0].short_first = True
                short_rows[0].short_span = len(short_rows)
                goal_rows.extend(short_rows)
            goal_rows[0].goal_first = True
            goal_rows[0].goal_span = len(goal_rows)
            need_rows.extend(goal_rows)
        need_rows[0].need_first = True
        need_rows[0].need_span = len(need_rows)
        rows.extend(need_rows)
    return rows


# --------------------------------------------------------------------------- 第3表 grid

GRID_START_HOUR = 0
GRID_END_HOUR = 24
# The official form's time bands (深夜・早朝・午前・午後・夜間・深夜).
BANDS = (("深夜", 0, 6), ("早朝", 6, 8), ("午前", 8, 12), ("午後", 12, 18), ("夜間", 18, 22), ("深夜", 22, 24))


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@dataclass
class GridBlock:
    obj: object
    top: float  # percent of the day
    height: float
    label: str
    time_label: str
    lane: int = 0
    lanes: int = 1


@dataclass
class GridDay:
    weekday: int
    label: str
    blocks: list[GridBlock] = field(default_factory=list)


def _lay_out(blocks: list[GridBlock], starts_ends: list[tuple[int, int]]) -> None:
    """Side-by-side lanes for overlapping blocks in one column."""
    lanes_end: list[int] = []
    order = sorted(range(len(blocks)), key=lambda i: starts_ends[i])
    groups: list[list[int]] = []
    group_end = -1
    for i in order:
        s, e = starts_ends[i]
        if s >= group_end:
            groups.append([])
            lanes_end = []
        group_end = max(group_end, e)
        lane = next((n for n, end in enumerate(lanes_end) if end <= s), None)
        if lane is None:
            lane = len(lanes_end)
            lanes_end.append(e)
        else:
            lanes_end[lane] = e
        blocks[i].lane = lane
        groups[-1].append(i)
    for group in groups:
        width = max(blocks[i].lane for i in group) + 1
        for i in group:
            blocks[i].lanes = width


def weekly_grid(plan: CarePlan, activities, daily) -> tuple[list[GridDay], GridDay]:
    """Blocks for 月〜日 and the 主な日常生活上の活動 column, positioned by time."""
    span = (GRID_END_HOUR - GRID_START_HOUR) * 60
    days = [GridDay(w.value, w.label) for w in Weekday]
    per_day: dict[int, list] = {d.weekday: [] for d in days}
    for a in activities:
        per_day[a.weekday].append(a)
    for day in days:
        items = per_day[day.weekday]
        ranges = []
        for a in items:
            s, e = _minutes(a.start_time), _minutes(a.end_time)
            ranges.append((s, max(e, s + 30)))
            day.blocks.append(
                GridBlock(
                    a,
                    top=100 * s / span,
                    height=100 * max(e - s, 30) / span,
                    label=a.content,
                    time_label=f"{a.start_time:%H:%M}〜{a.end_time:%H:%M}",
                )
            )
        _lay_out(day.blocks, ranges)
    life = GridDay(0, "主な日常生活上の活動")
    ranges = []
    for a in daily:
        s = _minutes(a.start_time)
        e = _minutes(a.end_time) if a.end_time else s
        ranges.append((s, max(e, s + 30)))
        life.blocks.append(
            GridBlock(
                a,
                top=100 * s / span,
                height=100 * max(e - s, 30) / span,
                label=a.content,
                time_label=f"{a.start_time:%H:%M}" + (f"〜{a.end_time:%H:%M}" if a.end_time else ""),
            )
        )
    _lay_out(life.blocks, ranges)
    return days, life


def hour_marks() -> list[dict]:
    span = GRID_END_HOUR - GRID_START_HOUR
    return [
        {"hour": h, "top": 100 * (h - GRID_START_HOUR) / span} for h in range(GRID_START_HOUR, GRID_END_HOUR + 1, 2)
    ]


def band_marks() -> list[dict]:
    span = GRID_END_HOUR - GRID_START_HOUR
    return [{"label": label, "top": 100 * a / span, "height": 100 * (b - a) / span} for label, a, b in BANDS]


# --------------------------------------------------------------------------- what a plan prints about its people


@dataclass(frozen=True)
class PlanHeader:
    """What a plan prints about the 利用者, the 認定, the office and the care manager.

    A delivered (交付済) plan prints the snapshot taken at 交付 (``CarePlan.snapshot``) forever; any other
    version prints the current register, as a draft may still change.
    """

    client_name: str
    client_kana: str
    birth_date: dt.date | None
    client_postal_code: str
    client_address: str
    certification_status: str
    care_level: str
    certified_on: dt.date | None
    cert_valid_from: dt.date | None
    cert_valid_to: dt.date | None
    author_name: str
    office_number: str
    office_name: str
    office_postal_code: str
    office_address: str
    from_snapshot: bool = False

    @property
    def care_level_label(self) -> str:
        from portal.clients.models import CareLevel

        return CareLevel(self.care_level).label if self.care_level in CareLevel.values else ""


_DATE_KEYS = ("birth_date", "certified_on", "cert_valid_from", "cert_valid_to")


def plan_header_live(plan: CarePlan) -> PlanHeader:
    """From the register today: the 利用者 as registered, the plan's 認定 (else the one valid on the plan date)."""
    client = plan.client
    cert = client.certification_on(plan.plan_date)
    return PlanHeader(
        client_name=client.full_name,
        client_kana=client.full_name_kana,
        birth_date=client.birth_date,
        client_postal_code=client.postal_code,
        client_address=client.address,
        certification_status=plan.certification_status or (cert.status if cert else ""),
        care_level=plan.care_level or (cert.care_level if cert else ""),
        certified_on=plan.certified_on or (cert.certified_on if cert else None),
        cert_valid_from=plan.cert_valid_from or (cert.valid_from if cert else None),
        cert_valid_to=plan.cert_valid_to or (cert.valid_to if cert else None),
        author_name=plan.author_name or (plan.author.name if plan.author_id and plan.author else ""),
        office_number=plan.office_number,
        office_name=plan.office_name,
        office_postal_code=plan.office_postal_code,
        office_address=plan.office_address,
    )


def plan_snapshot(plan: CarePlan) -> dict:
    """The JSON kept on the plan at 交付 (dates as ISO strings)."""
    header = plan_header_live(plan)
    data = {k: v for k, v in header.__dict__.items() if k != "from_snapshot"}
    for key in _DATE_KEYS:
        data[key] = data[key].isoformat() if data[key] else None
    return data


def plan_header(plan: CarePlan) -> PlanHeader:
    if plan.is_delivered and plan.snapshot:
        data = dict(plan.snapshot)
        for key in _DATE_KEYS:
            data[key] = dt.date.fromisoformat(data[key]) if data.get(key) else None
        known = {f for f in PlanHeader.__dataclass_fields__ if f != "from_snapshot"}
        values = {k: data.get(k, "" if k not in _DATE_KEYS else None) for k in known}
        return PlanHeader(**values, from_snapshot=True)
    return plan_header_live(plan)
