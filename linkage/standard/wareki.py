"""和暦 (Japanese era) arithmetic on plain dates, pure Python (no Django).

``portal.core.wareki`` builds the display helpers on this (it adds the Asia/Tokyo localisation of
datetimes); ``linkage.signing`` uses it for the dates in its Japanese messages.
"""

from __future__ import annotations

import datetime as dt

# (first day of the era, name)
ERAS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1868, 10, 23), "明治"),
)


def era_of(day: dt.date) -> tuple[str, int]:
    """Return (era name, year within the era) for a date."""
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError("明治より前の日付は和暦で表示できません")


def year_label(year: int) -> str:
    return "元" if year == 1 else str(year)


def era_date(day: dt.date) -> str:
    """``date(2026, 11, 25)`` → ``令和8年11月25日`` (a plain date; no time-zone conversion)."""
    name, year = era_of(day)
    return f"{name}{year_label(year)}年{day.month}月{day.day}日"
