"""What every printed form shares: :class:`DocumentUnavailable`, short 和暦 dates and periods."""

from __future__ import annotations

import datetime as dt

WEEKDAYS = "月火水木金土日"


class DocumentUnavailable(Exception):
    """The form cannot be printed; ``message`` says why, in Japanese, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def short_wareki(day: dt.date | None) -> str:
    """Compact 和暦 for narrow columns: ``date(2026, 11, 1)`` → ``R8.11.1``."""
    if day is None:
        return ""
    from portal.core.wareki import era_of

    name, year = era_of(day)
    initial = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}[name]
    return f"{initial}{year}.{day.month}.{day.day}"


def _period(start: dt.date | None, end: dt.date | None) -> str:
    """第2表 期間: ``R8.11.1～\nR9.1.31`` (blank when neither end is set)."""
    if not start and not end:
        return ""
    return f"{short_wareki(start)}～\n{short_wareki(end)}"


# =========================================================================== 第1表〜第3表
