"""短期入所 days (前月まで, 当月, 累積, 30日超, 認定期間の半数) and the provider's 割引 in the 第7表."""

import datetime as dt
from decimal import Decimal

import pytest

from portal.schedules.annex import AnnexLine, CodeInfo, calculate_annex, discounted
from portal.schedules.short_stay import PastMonth, short_stay_calc

MAY = dt.date(2026, 5, 1)
APRIL = dt.date(2026, 4, 1)
MARCH = dt.date(2026, 3, 1)


def span(first, last):
    return frozenset(range(first, last + 1))


def test_before_is_the_previous_months_cumulative_within_the_certification_period():
    # period from 3月15日: March counts the days from the 15th (16–20 → 5; the 10th is before the period)
    history = {MARCH: PastMonth(days=frozenset({10, 16, 17, 18, 19, 20})), APRIL: PastMonth(days=span(6, 12))}
    s = short_stay_calc(
        month=MAY,
        this_days={3, 4, 5},
        entered_before=None,
        history=history,
        period_from=dt.date(2026, 3, 15),
        period_to=dt.date(2027, 3, 14),
    )
    assert (s.before, s.this_month, s.total, s.entered, s.estimated) == (5 + 7, 3, 15, False, False)
    assert s.over30_flag == "0" and s.warnings == []


def test_an_entered_value_wins_and_stops_the_walk_back():
    history = {APRIL: PastMonth(days=span(1, 4), entered_before=40)}
    s = short_stay_calc(
        month=MAY,
        this_days={1},
        entered_before=None,
        history=history,
        period_from=dt.date(2025, 10, 1),
        period_to=dt.date(2027, 9, 30),
    )
    assert (s.before, s.total) == (44, 45)
    typed = short_stay_calc(
        month=MAY,
        this_days={1},
        entered_before=7,
        history=history,
        period_from=dt.date(2025, 10, 1),
        period_to=dt.date(2027, 9, 30),
    )
    assert (typed.before, typed.entered, typed.total) == (7, True, 8)


def test_without_the_previous_month_zero_is_assumed_and_said():
    s = short_stay_calc(
        month=MAY,
        this_days={1, 2},
        entered_before=None,
        history={},
        period_from=dt.date(2025, 10, 1),
        period_to=dt.date(2027, 9, 30),
    )
    assert (s.before, s.estimated) == (0, True)
    fresh = short_stay_calc(
        month=MAY,
        this_days={1, 2},
        entered_before=None,
        history={},
        period_from=dt.date(2026, 5, 1),
        period_to=dt.date(2027, 4, 30),
    )
    assert (fresh.before, fresh.estimated) == (0, False)  # the period starts this month


def test_the_31st_consecutive_day_is_over_30_and_the_count_starts_again():
    # April 6–30 (25 days) continues into May 1–10: May 6 is the 31st day; May 7–10 are days 1–4 again
    history = {APRIL: PastMonth(days=span(6, 30))}
    s = short_stay_calc(
        month=MAY,
        this_days=set(span(1, 10)),
        entered_before=None,
        history=history,
        period_from=dt.date(2025, 10, 1),
        period_to=dt.date(2027, 9, 30),
    )
    assert s.over30_days == {6} and s.over30_flag == "1"
    assert "6日は保険給付の対象外（30日超・全額自己負担）" in s.warnings[0]
    # a day at home breaks the run
    broken = short_stay_calc(
        month=MAY,
        this_days=set(span(1, 10)) - {3},
        entered_before=None,
        history=history,
        period_from=dt.date(2025, 10, 1),
        period_to=dt.date(2027, 9, 30),
    )
    assert broken.over30_days == frozenset()


def test_more_than_half_of_the_certification_period_is_warned():
    # 2026-01-01..2026-06-30 = 181 days, half 90: 80 before + 11 this month = 91
    s = short_stay_calc(
        month=MAY,
        this_days=set(span(1, 11)),
        entered_before=80,
        history={},
        period_from=dt.date(2026, 1, 1),
        period_to=dt.date(2026, 6, 30),
    )
    assert (s.half, s.total, s.over_half) == (90, 91, True)
    assert s.warnings == [
        "短期入所の累積利用日数（91日）が認定有効期間（181日）の半数（90日）を超えています。"
        "居宅サービス計画に必要性を記載しているか確認してください。"
    ]
    ok = short_stay_calc(
        month=MAY,
        this_days=set(span(1, 10)),
        entered_before=80,
        history={},
        period_from=dt.date(2026, 1, 1),
        period_to=dt.date(2026, 6, 30),
    )
    assert not ok.over_half and ok.warnings == []


@pytest.mark.parametrize(
    "units,rate,expected",
    [(387, 95, 368), (645, 95, 613), (10, 95, 10), (30, 95, 29), (300, 90, 270), (387, None, None)],
)
def test_discounted_units_are_rounded_half_up(units, rate, expected):
    # 387 × 0.95 = 367.65 → 368; 645 × 0.95 = 612.75 → 613; 10 × 0.95 = 9.5 → 10; 30 × 0.95 = 28.5 → 29
    assert discounted(units, rate) == expected


def _days(*numbers):
    out = [0] * 31
    for d in numbers:
        out[d - 1] = 1
    return out


CODES = {
    "111211": CodeInfo("111211", "身体介護2", 387),
    "116275": CodeInfo("116275", "処遇改善加算Ⅰ", 0, rate_permille=245, limit_target=False),
    "212121": CodeInfo("212121", "併設型短期入所生活介護", 672, calc_unit="2"),
}


def test_discount_counts_in_the_annex_and_the_rate_addon_follows_it():
    annex = calculate_annex(
        lines=[
            AnnexLine("1370000011", "ひまわり", "111211", _days(4, 11, 18, 25), discount_rate=95),
            AnnexLine("1370000011", "ひまわり", "116275", [0] * 31, discount_rate=95),
        ],
        codes=CODES,
        benefit_limit_units=19705,
        benefit_rate=90,
        unit_price_for=lambda o, k: Decimal("11.40"),
    )
    row, rate = annex.rows
    assert (row.units, row.discount_rate, row.discounted_units, row.count, row.service_units) == (387, 95, 368, 4, 1472)
    assert rate.units == 361  # 24.5% of 1,472 = 360.64 → 361 (the 割引後 units are the base)
    group = annex.groups[0]
    # (1,472 + 361) × 11.40 = 20,896.2 → 20,896; × 0.9 → 18,806
    assert (group.cost_total, group.insurance_claim, group.copay_insured) == (20896, 18806, 2090)


def test_days_over_30_are_a_row_of_their_own_outside_the_insurance():
    annex = calculate_annex(
        lines=[AnnexLine("1370000021", "短期", "212121", _days(*range(1, 32)), over30_days=frozenset({31}))],
        codes=CODES,
        benefit_limit_units=19705,
        benefit_rate=90,
        unit_price_for=lambda o, k: Decimal("10.00"),
    )
    covered, over = annex.rows
    assert (covered.count, covered.service_units, covered.over30, covered.managed_units) == (30, 20160, False, 20160)
    assert (over.count, over.service_units, over.over30, over.managed_units) == (1, 672, True, None)
    group = annex.groups[0]
    # 20,160 units: 455 over the 19,705 limit; covered 19,705 × 10 = 197,050; 全額負担 (455 + 672) × 10
    assert (group.class_in, group.cost_total, group.copay_full) == (19705, 197050, 11270)
    assert annex.over30_units == 672 and group.needs_subtotal
