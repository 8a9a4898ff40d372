"""和暦 (Japanese era) formatting. Dates are stored as ``date``; eras exist only at display time.

The era table and arithmetic are pure (``linkage.standard.wareki``); this module adds the Asia/Tokyo
localisation of datetimes and the parsing of typed dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

from linkage.standard.wareki import ERAS, era_of  # noqa: F401 (re-exported)
from linkage.standard.wareki import year_label as _year_label


def wareki_date(day: dt.date | dt.datetime | None) -> str:
    """``date(2026, 11, 25)`` → ``令和8年11月25日``."""
    if day is None:
        return ""
    day = _local_day(day)
    name, year = era_of(day)
    return f"{name}{_year_label(year)}年{day.month}月{day.day}日"


def wareki_month(day: dt.date | None) -> str:
    """``date(2026, 11, 1)`` → ``令和8年11月``."""
    if day is None:
        return ""
    day = _local_day(day)
    name, year = era_of(day)
    return f"{name}{_year_label(year)}年{day.month}月"


def _local_day(value) -> dt.date:
    """A datetime becomes the Asia/Tokyo (TIME_ZONE) date; a date stays as it is."""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def wareki_datetime(value: dt.datetime | None) -> str:
    """An aware datetime → ``令和8年12月14日 09:05`` in Asia/Tokyo."""
    if value is None:
        return ""
    from django.utils import timezone

    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if not isinstance(value, dt.datetime):
        return wareki_date(value)
    return f"{wareki_date(value.date())} {value:%H:%M}"


# --------------------------------------------------------------------------- reading typed dates

ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_ERA_START = {name: start for start, name in ERAS}
_ERA_END = {name: (ERAS[i - 1][0] - dt.timedelta(days=1) if i else None) for i, (_, name) in enumerate(ERAS)}

_ERA_RE = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*(?:[./\-]|年)\s*(\d{1,2})\s*(?:[./\-]|月)\s*(\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_WESTERN_RE = re.compile(r"^(\d{4})\s*(?:[./\-]|年)\s*(\d{1,2})\s*(?:[./\-]|月)\s*(\d{1,2})\s*日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateTextError(ValueError):
    """Typed text that is not a date; the message is Japanese and says why."""


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _make(year: int, month: int, day: int, typed: str) -> dt.date:
    if not 1 <= month <= 12:
        raise DateTextError(f"「{typed}」の{month}月は存在しません（1月〜12月）。")
    last = _days_in_month(year, month)
    if not 1 <= day <= last:
        raise DateTextError(f"「{typed}」の{month}月{day}日は存在しない日付です（{month}月は{last}日まで）。")
    return dt.date(year, month, day)


def parse_date_text(text: str) -> dt.date | None:
    """Read a date as a care manager types it: 和暦 (「昭和15年5月10日」「S15.5.10」「R8.12.1」「令和元年5月1日」,
    M/T/S/H/R) or 西暦 (「2026-12-01」「2026/12/1」「2026年12月1日」「20261201」); full-width digits are fine.

    Returns None for empty text; raises ``DateTextError`` with a Japanese message for text that is no date or a
    date that does not exist (2月30日, 平成32年, 令和元年4月1日).
    """
    typed = (text or "").strip()
    value = unicodedata.normalize("NFKC", typed).replace(" ", "")
    if not value:
        return None
    m = _ERA_RE.match(value)
    if m:
        era = m.group(1)
        era = ERA_LETTERS.get(era.upper(), era)
        year_in_era = 1 if m.group(2) == "元" else int(m.group(2))
        month, day = int(m.group(3)), int(m.group(4))
        start, end = _ERA_START[era], _ERA_END[era]
        if year_in_era < 1:
            raise DateTextError(f"「{typed}」の{era}0年は存在しません（{era}は元年から）。")
        year = start.year + year_in_era - 1
        if end is not None and year > end.year:
            last_year = end.year - start.year + 1
            raise DateTextError(
                f"「{typed}」の{era}{year_in_era}年は存在しません（{era}は{era}{last_year}年{end.month}月{end.day}日まで）。"
            )
        date = _make(year, month, day, typed)
        if date < start:
            raise DateTextError(
                f"「{typed}」は{era}の始まり（{wareki_date(start)}）より前の日付です。{era_of(date)[0]}で入力してください。"
            )
        if end is not None and date > end:
            nxt = era_of(date)[0]
            raise DateTextError(
                f"「{typed}」は{era}の終わり（{wareki_date(end)}）より後の日付です。{nxt}で入力してください。"
            )
        return date
    m = _WESTERN_RE.match(value) or _COMPACT_RE.match(value)
    if m:
        year, month, day = (int(g) for g in m.groups())
        if year < 1868:
            raise DateTextError(f"「{typed}」の{year}年は入力できません。")
        return _make(year, month, day, typed)
    raise DateTextError(
        f"「{typed}」は日付として読めません。和暦（例: 令和8年4月1日、R8.4.1、S15.5.10）"
        "または西暦（例: 2026-04-01）で入力してください。"
    )
