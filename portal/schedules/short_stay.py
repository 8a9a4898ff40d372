"""短期入所の利用日数: 前月までの利用日数, 当月の計画利用日数, 累積利用日数, ３０日超区分.

Where they go: 第6表 CSV No.9 / No.23, 第7表 CSV Nos.30–33, 利用者補足情報 Nos.57/58, and the
「要介護認定期間中の短期入所利用日数」 box of the printed 第7表.

Rules:

- A short-stay day is a day with a count on any line of a 短期入所 kind (:data:`SHORT_STAY_KINDS`).
  Past months count their 実績 days when they have any, otherwise their 予定 days.
- 前月までの利用日数 counts the days of the current 認定有効期間 before this month. It is what the care
  manager entered on this month (Renkei's first month, or a value received in a file); otherwise the
  previous month's 累積 (its own 前月まで + its days on or after the period's start). When the period
  started before this month and Renkei has no previous month, 0 is assumed and the page asks for it.
- 累積利用日数 = 前月までの利用日数 + 当月の計画利用日数. Over half of the 認定有効期間 (in days) is
  warned about (「認定有効期間のおおむね半数を超えない」).
- 30日超: consecutive short-stay days (continuing from the end of the previous month) are counted;
  the 31st consecutive day is not covered (３０日超区分 1, 全額負担) and the count starts again on the
  next day.

:func:`short_stay_calc` is pure; :func:`short_stay_history` reads the client's earlier months
(one query for the schedules, one for their short-stay lines).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

SHORT_STAY_KINDS = frozenset({"21", "22", "23", "2A", "24", "25", "26", "2B"})
CONSECUTIVE_LIMIT = 30


def _prev(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def _days_in(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def stay_days(lines: Iterable[tuple[str, Sequence[int]]], days_in_month: int) -> set[int]:
    """Days (1-based) with a count on a short-stay line; ``lines`` are ``(service kind, counts)``."""
    out: set[int] = set()
    for kind, counts in lines:
        if kind in SHORT_STAY_KINDS:
            out.update(d for d, n in enumerate(list(counts)[:days_in_month], start=1) if n and str(n) not in ("0", ""))
    return out


@dataclass(frozen=True)
class PastMonth:
    """What an earlier month of the client says about short stays."""

    days: frozenset  # short-stay days (実績 when the month has any, else 予定)
    entered_before: int | None = None  # its 前月までの利用日数 as entered/received


@dataclass
class ShortStay:
    this_month: int = 0
    before: int = 0
    entered: bool = False
    estimated: bool = False  # the period began before this month and Renkei has no previous month
    over30_days: frozenset = frozenset()
    period_from: date | None = None
    period_to: date | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def used(self) -> bool:
        return self.this_month > 0

    @property
    def total(self) -> int:
        return self.before + self.this_month

    @property
    def period_days(self) -> int | None:
        if self.period_from is None or self.period_to is None:
            return None
        return (self.period_to - self.period_from).days + 1

    @property
    def half(self) -> int | None:
        return None if self.period_days is None else self.period_days // 2

    @property
    def over_half(self) -> bool:
        return self.half is not None and self.total > self.half

    @property
    def over30_flag(self) -> str:
        """３０日超区分 of the month's short-stay records ("1" when any day is past 30 consecutive days)."""
        return "1" if self.over30_days else "0"


def short_stay_calc(
    *,
    month: date,
    this_days: set[int],
    entered_before: int | None,
    history: Mapping[date, PastMonth],
    period_from: date | None,
    period_to: date | None,
) -> ShortStay:
    """The month's short-stay figures (see the module docstring). ``history`` maps month → PastMonth."""
    month = month.replace(day=1)
    out = ShortStay(this_month=len(this_days), period_from=period_from, period_to=period_to)
    # 前月までの利用日数
    if entered_before is not None:
        out.before, out.entered = entered_before, True
    elif period_from is not None and period_from < month:
        out.before, out.estimated = _cumulative_before(month, history, period_from)
    # 30日超: the run of consecutive days that reaches into this month
    run = 0
    m = _prev(month)
    for _ in range(3):  # at most three months back (a run longer than that is cut by its own 31st days)
        past = history.get(m)
        if past is None:
            break
        n = _days_in(m)
        tail = 0
        for d in range(n, 0, -1):
            if d in past.days:
                tail += 1
            else:
                break
        run += tail
        if tail < n:
            break
        m = _prev(m)
    run %= CONSECUTIVE_LIMIT + 1
    over = set()
    for d in range(1, _days_in(month) + 1):
        if d in this_days:
            run += 1
            if run > CONSECUTIVE_LIMIT:
                over.add(d)
                run = 0
        else:
            run = 0
    out.over30_days = frozenset(over)
    if out.over30_days:
        days = "、".join(f"{d}日" for d in sorted(out.over30_days))
        out.warnings.append(
            f"短期入所が連続30日を超えるため、{days}は保険給付の対象外（30日超・全額自己負担）になります。"
        )
    if out.used and out.over_half:
        out.warnings.append(
            f"短期入所の累積利用日数（{out.total}日）が認定有効期間（{out.period_days}日）の半数（{out.half}日）を超えています。"
            "居宅サービス計画に必要性を記載しているか確認してください。"
        )
    return out


def _cumulative_before(month: date, history: Mapping[date, PastMonth], period_from: date) -> tuple[int, bool]:
    """(前月までの利用日数, estimated) from the earlier months, back to the period's start."""
    total = 0
    m = _prev(month)
    while True:
        past = history.get(m)
        if past is None:
            return total, True
        start_day = period_from.day if (m.year, m.month) == (period_from.year, period_from.month) else 1
        total += sum(1 for d in past.days if d >= start_day)
        if past.entered_before is not None:
            return total + past.entered_before, False
        if (m.year, m.month) <= (period_from.year, period_from.month):
            return total, False
        m = _prev(m)


def short_stay_history(client, month: date, period_from: date | None) -> dict[date, PastMonth]:
    """The client's earlier months that matter (from the period's start, and at least three months back)."""
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    month = month.replace(day=1)
    start = _prev(_prev(_prev(month)))
    if period_from is not None:
        start = min(start, period_from.replace(day=1))
    schedules = list(
        ServiceSchedule.objects.filter(client=client, month__gte=start, month__lt=month).values_list(
            "pk", "month", "short_stay_days_before"
        )
    )
    lines = ServiceScheduleLine.objects.filter(
        schedule_id__in=[pk for pk, _m, _b in schedules],
        service_type_code__in=SHORT_STAY_KINDS,
    ).values_list("schedule_id", "service_type_code", "planned_days", "actual_days")
    by_schedule: dict[int, list] = {}
    for sid, kind, planned, actual in lines:
        by_schedule.setdefault(sid, []).append((kind, planned, actual))
    out = {}
    for pk, m, entered in schedules:
        rows = by_schedule.get(pk, [])
        n = _days_in(m)
        actual = stay_days(((k, a) for k, _p, a in rows), n)
        days = actual or stay_days(((k, p) for k, p, _a in rows), n)
        out[m] = PastMonth(days=frozenset(days), entered_before=entered)
    return out


def period_of(certifications, month: date):
    """The 認定 whose 有効期間 the month's short stays count in: covering the month's last day, else
    its first day, else None."""
    last = month.replace(day=_days_in(month))
    found = None
    for day in (last, month.replace(day=1)):
        for c in certifications:
            if c.valid_from <= day <= c.valid_to and (found is None or c.valid_from > found.valid_from):
                found = c
        if found is not None:
            return found
    return None


def short_stay_of(
    *, client, month: date, lines: Iterable[tuple[str, Sequence[int]]], entered_before: int | None, certifications=None
) -> ShortStay:
    """Figures of a month whose lines are ``(kind, counts)`` (saved or as posted)."""
    month = month.replace(day=1)
    this_days = stay_days(lines, _days_in(month))
    certs = list(client.certifications.all()) if certifications is None else list(certifications)
    cert = period_of(certs, month)
    period_from = cert.valid_from if cert else None
    period_to = cert.valid_to if cert else None
    if not this_days and entered_before is None:
        return ShortStay(period_from=period_from, period_to=period_to)
    history = short_stay_history(client, month, period_from)
    return short_stay_calc(
        month=month,
        this_days=this_days,
        entered_before=entered_before,
        history=history,
        period_from=period_from,
        period_to=period_to,
    )
