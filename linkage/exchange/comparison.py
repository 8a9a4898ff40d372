"""予実: the lines of a month whose 実績 differs from its 予定 (used by 予実の比較 and 月次の締め)."""

from __future__ import annotations

import datetime as dt


def month_differences(office, month: dt.date, client_ids=None) -> list[dict]:
    """Every 第6表 line of ``office``'s ``month`` whose 実績 differs from its 予定, in 利用者 order.

    Each row: ``line``, ``client``, ``planned`` / ``actual`` totals, ``days`` (the days that differ)
    and ``no_actual`` (no 実績 at all on the line).
    """
    from portal.schedules.models import ServiceScheduleLine

    lines = (ServiceScheduleLine.objects.filter(schedule__client__office=office, schedule__month=month)
             .select_related("schedule__client").order_by("schedule__client__family_name_kana", "schedule__client__pk",
                                                           "sort_order", "pk"))
    if client_ids is not None:
        lines = lines.filter(schedule__client_id__in=list(client_ids))
    rows = []
    for line in lines:
        planned, actual = list(line.planned_days), list(line.actual_days)
        if planned == actual:
            continue
        diff = [d for d in range(1, 32) if (planned[d - 1] or 0) != (actual[d - 1] or 0)]
        rows.append({"line": line, "client": line.schedule.client, "planned": line.planned_total,
                     "actual": line.actual_total, "days": diff, "no_actual": line.actual_total == 0})
    return rows
