"""和暦 (Japanese era) formatting. Dates are stored as ``date``; eras exist only at display time."""

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


def _year_label(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki_date(day: dt.date | dt.datetime | None) -> str:
    """``date(2026, 11, 25)`` → ``令和8年11月25日``."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        if day.tzinfo is not None:  # an aware time is shown as the date in Japan, not in UTC
            from zoneinfo import ZoneInfo

            day = day.astimezone(ZoneInfo("Asia/Tokyo"))
        day = day.date()
    name, year = era_of(day)
    return f"{name}{_year_label(year)}年{day.month}月{day.day}日"


def wareki_month(day: dt.date | None) -> str:
    """``date(2026, 11, 1)`` → ``令和8年11月``."""
    if day is None:
        return ""
    name, year = era_of(day)
    return f"{name}{_year_label(year)}年{day.month}月"
