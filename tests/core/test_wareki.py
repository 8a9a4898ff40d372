import datetime as dt

import pytest

from portal.core.wareki import wareki_date, wareki_month


@pytest.mark.parametrize("day,expected", [
    (dt.date(2026, 11, 25), "令和8年11月25日"),
    (dt.date(2019, 5, 1), "令和元年5月1日"),
    (dt.date(2019, 4, 30), "平成31年4月30日"),
    (dt.date(1989, 1, 8), "平成元年1月8日"),
    (dt.date(1989, 1, 7), "昭和64年1月7日"),
    (dt.date(1940, 3, 3), "昭和15年3月3日"),
    (dt.date(1926, 12, 24), "大正15年12月24日"),
])
def test_wareki_date(day, expected):
    assert wareki_date(day) == expected


def test_wareki_month_and_empty():
    assert wareki_month(dt.date(2024, 7, 1)) == "令和6年7月"
    assert wareki_date(None) == ""


def test_an_aware_datetime_is_dated_in_japan():
    import datetime as _dt

    from portal.core.wareki import wareki_date as _wareki_date

    late_evening_utc = _dt.datetime(2026, 11, 29, 22, 34, tzinfo=_dt.timezone.utc)
    assert _wareki_date(late_evening_utc) == "令和8年11月30日"
