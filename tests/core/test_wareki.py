import datetime as dt

import pytest

from portal.core.wareki import wareki_date, wareki_month


@pytest.mark.parametrize(
    "day,expected",
    [
        (dt.date(2026, 11, 25), "令和8年11月25日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1940, 3, 3), "昭和15年3月3日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
    ],
)
def test_wareki_date(day, expected):
    assert wareki_date(day) == expected


def test_wareki_month_and_empty():
    assert wareki_month(dt.date(2024, 7, 1)) == "令和6年7月"
    assert wareki_date(None) == ""


def test_an_aware_datetime_is_dated_in_japan():
    import datetime as _dt

    from portal.core.wareki import wareki_date as _wareki_date

    late_evening_utc = _dt.datetime(2026, 11, 29, 22, 34, tzinfo=_dt.UTC)
    assert _wareki_date(late_evening_utc) == "令和8年11月30日"


# --------------------------------------------------------------------------- dates as a care manager types them

from django import forms  # noqa: E402

from portal.core.forms import WarekiDateField  # noqa: E402
from portal.core.wareki import DateTextError, parse_date_text, wareki_datetime  # noqa: E402


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("S15.5.10", dt.date(1940, 5, 10)),
        ("昭和15年5月10日", dt.date(1940, 5, 10)),
        ("R8.12.1", dt.date(2026, 12, 1)),
        ("令和8年12月1日", dt.date(2026, 12, 1)),
        ("r8.12.1", dt.date(2026, 12, 1)),
        ("Ｒ８．１２．１", dt.date(2026, 12, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R1.5.1", dt.date(2019, 5, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("S64.1.7", dt.date(1989, 1, 7)),
        ("T15.12.24", dt.date(1926, 12, 24)),
        ("大正2年3月4日", dt.date(1913, 3, 4)),
        ("M45.7.29", dt.date(1912, 7, 29)),
        ("S15/5/10", dt.date(1940, 5, 10)),
        ("S15-5-10", dt.date(1940, 5, 10)),
        ("2026-12-01", dt.date(2026, 12, 1)),
        ("2026/12/1", dt.date(2026, 12, 1)),
        ("2026年12月1日", dt.date(2026, 12, 1)),
        ("20261201", dt.date(2026, 12, 1)),
        (" 2026-12-01 ", dt.date(2026, 12, 1)),
        ("", None),
    ],
)
def test_dates_typed_in_wareki_or_seireki(typed, expected):
    assert parse_date_text(typed) == expected


@pytest.mark.parametrize(
    "typed,message",
    [
        ("平成32年1月1日", "「平成32年1月1日」の平成32年は存在しません（平成は平成31年4月30日まで）。"),
        ("H32.1.1", "「H32.1.1」の平成32年は存在しません（平成は平成31年4月30日まで）。"),
        ("S65.1.1", "「S65.1.1」の昭和65年は存在しません（昭和は昭和64年1月7日まで）。"),
        ("令和8年2月30日", "「令和8年2月30日」の2月30日は存在しない日付です（2月は28日まで）。"),
        ("2026-02-30", "「2026-02-30」の2月30日は存在しない日付です（2月は28日まで）。"),
        ("R8.4.31", "「R8.4.31」の4月31日は存在しない日付です（4月は30日まで）。"),
        ("R8.13.1", "「R8.13.1」の13月は存在しません（1月〜12月）。"),
        ("H31.5.1", "「H31.5.1」は平成の終わり（平成31年4月30日）より後の日付です。令和で入力してください。"),
        (
            "令和元年4月30日",
            "「令和元年4月30日」は令和の始まり（令和元年5月1日）より前の日付です。平成で入力してください。",
        ),
        ("昭和0年1月1日", "「昭和0年1月1日」の昭和0年は存在しません（昭和は元年から）。"),
        ("X8.1.1", "「X8.1.1」は日付として読めません。"),
        ("明日", "「明日」は日付として読めません。"),
    ],
)
def test_dates_that_do_not_exist_are_explained(typed, message):
    with pytest.raises(DateTextError) as error:
        parse_date_text(typed)
    assert str(error.value).startswith(message)


class _Form(forms.Form):
    birth_date = WarekiDateField(label="生年月日")


def test_the_field_shows_wareki_and_names_itself_in_errors():
    assert 'value="昭和15年5月10日"' in str(_Form(initial={"birth_date": dt.date(1940, 5, 10)})["birth_date"])
    form = _Form({"birth_date": "平成32年1月1日"})
    assert not form.is_valid()
    assert form.errors["birth_date"] == [
        "生年月日: 「平成32年1月1日」の平成32年は存在しません（平成は平成31年4月30日まで）。"
    ]
    assert 'value="平成32年1月1日"' in str(form["birth_date"])  # what was typed stays in the box
    assert _Form({"birth_date": "S15.5.10"}).is_valid()


def test_times_are_shown_in_tokyo():
    from zoneinfo import ZoneInfo

    late_utc = dt.datetime(2026, 12, 13, 15, 30, tzinfo=ZoneInfo("UTC"))  # 2026-12-14 00:30 in Tokyo
    assert wareki_date(late_utc) == "令和8年12月14日"
    assert wareki_datetime(late_utc) == "令和8年12月14日 00:30"


def test_an_empty_required_date_names_its_field():
    form = _Form({"birth_date": ""})
    assert not form.is_valid()
    assert form.errors["birth_date"] == ["生年月日を入力してください。"]
