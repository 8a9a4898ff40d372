"""予実: the lines of a month whose 実績 differs from its 予定 (used by 予実の比較 and 月次の締め)."""

from __future__ import annotations

import datetime as dt


def month_differences(office, month: dt.date, client_ids=None) -> list[dict]:
    """Every 第6表 line of ``office``'s ``month`` whose 実績 differs from its 予定, in 利用者 order.

    Each row: ``line``, ``client``, ``planned`` / ``actual`` totals, ``days`` (the days that differ),
    ``rate`` (a 率 加算 line) and ``no_actual`` (no 実績 at all on the line).

    A 率 加算 line (処遇改善加算 etc.) has no days of its own: both sides count it once in the month by
    the same rule (予定: its provider × kind group has planned days; 実績: the provider reported it), so
    only a real difference shows.
    """
    from portal.masters.selectors import month_masters
    from portal.schedules.annex import rate_addon_count
    from portal.schedules.models import ServiceScheduleLine

    lines = (
        ServiceScheduleLine.objects.filter(schedule__client__office=office, schedule__month=month)
        .select_related("schedule__client")
        .order_by("schedule__client__family_name_kana", "schedule__client__pk", "sort_order", "pk")
    )
    if client_ids is not None:
        lines = lines.filter(schedule__client_id__in=list(client_ids))
    lines = list(lines)
    masters = month_masters(month, service_codes={line.service_code for line in lines})
    rate = {line.pk for line in lines if (info := masters.code(line.service_code)) is not None and info.is_rate}
    groups: dict[tuple, list] = {}
    for line in lines:
        if line.pk not in rate:
            groups.setdefault((line.schedule_id, line.provider_office_number, line.service_type_code), []).append(line)
    rows = []
    for line in lines:
        days_in_month = line.schedule.days_in_month
        if line.pk in rate:
            group = groups.get((line.schedule_id, line.provider_office_number, line.service_type_code), [])
            planned = rate_addon_count([g.planned_days for g in group], days_in_month)
            actual = 1 if line.actual_total else 0
            if planned == actual:
                continue
            rows.append(
                {
                    "line": line,
                    "client": line.schedule.client,
                    "planned": planned,
                    "actual": actual,
                    "days": [],
                    "rate": True,
                    "no_actual": not any(g.actual_total for g in group) and not actual,
                }
            )
            continue
        planned_days, actual_days = list(line.planned_days), list(line.actual_days)
        if planned_days == actual_days:
            continue
        diff = [d for d in range(1, 32) if (planned_days[d - 1] or 0) != (actual_days[d - 1] or 0)]
        rows.append(
            {
                "line": line,
                "client": line.schedule.client,
                "planned": line.planned_total,
                "actual": line.actual_total,
                "days": diff,
                "rate": False,
                "no_actual": line.actual_total == 0,
            }
        )
    return rows
