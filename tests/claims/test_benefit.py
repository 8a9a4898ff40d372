"""給付管理票 worked by hand (units from the 令和6年度 service code table, limits from 告示第33号)."""

from __future__ import annotations

import datetime as dt

import pytest

from linkage import kokuho
from portal.claims.benefit import CertPeriod, ProviderUnits, StatementError, statement_build, statement_records

OCT = dt.date(2026, 10, 1)
HOME_HELP = "1370000011"
DAY_CARE = "1370000022"
CERT_CARE2 = CertPeriod("22", dt.date(2026, 4, 1), dt.date(2028, 3, 31), 19705)
CERT_CARE1 = CertPeriod("21", dt.date(2026, 4, 1), dt.date(2027, 3, 31), 16765)


def test_two_providers_within_the_limit():
    # 訪問介護 身体介護２ 387 × 12 = 4,644; 通所介護 5-6時間 要介護2 673 × 8 = 5,384 → 10,028 < 19,705
    statement = statement_build(
        month=OCT,
        certifications=[CERT_CARE2],
        units=[ProviderUnits(HOME_HELP, "さくら", "11", 387 * 12), ProviderUnits(DAY_CARE, "ひまわり", "15", 673 * 8)],
    )
    assert [
        (ln.provider_office_number, ln.service_type_code, ln.plan_units, ln.over_units) for ln in statement.lines
    ] == [(HOME_HELP, "11", 4644, 0), (DAY_CARE, "15", 5384, 0)]
    assert statement.total_units == 10028
    assert (statement.care_level, statement.limit_units) == ("22", 19705)
    assert (statement.limit_from, statement.limit_to) == (dt.date(2026, 4, 1), dt.date(2028, 3, 1))


def test_over_the_limit_the_excess_is_taken_off_and_can_be_moved():
    # 要介護1 (16,765): 訪問介護 387 × 20 = 7,740 + 通所介護 673 × 15 = 10,095 = 17,835 → 1,070 over
    units = [
        ProviderUnits(HOME_HELP, "さくら", "11", 7740),
        ProviderUnits(DAY_CARE, "ひまわり", "15", 10095, over_units=1070),
    ]
    by_default = statement_build(month=OCT, certifications=[CERT_CARE1], units=units)
    assert [(ln.plan_units, ln.over_units) for ln in by_default.lines] == [(7740, 0), (9025, 1070)]
    assert by_default.total_units == 16765 and by_default.over_units == 1070

    moved = statement_build(month=OCT, certifications=[CERT_CARE1], units=units, over_by={f"{HOME_HELP}-11": 1070})
    assert [(ln.plan_units, ln.over_units) for ln in moved.lines] == [(6670, 1070), (10095, 0)]
    assert moved.total_units == 16765

    with pytest.raises(StatementError, match="合計（1,000単位）が超過単位数（1,070単位）と一致しません"):
        statement_build(month=OCT, certifications=[CERT_CARE1], units=units, over_by={f"{HOME_HELP}-11": 1000})


def test_care_level_changed_mid_month_uses_the_heavier_level_and_limit():
    # 区分変更: 要介護1 until 10/15, 要介護3 (27,048) from 10/16 — the whole month uses 要介護3
    certs = [
        CertPeriod("21", dt.date(2026, 4, 1), dt.date(2026, 10, 15), 16765),
        CertPeriod("23", dt.date(2026, 10, 16), dt.date(2027, 10, 31), 27048),
    ]
    statement = statement_build(
        month=OCT, certifications=certs, units=[ProviderUnits(HOME_HELP, "さくら", "11", 18000)]
    )
    assert (statement.care_level, statement.limit_units, statement.care_level_changed) == ("23", 27048, True)
    assert statement.lines[0].plan_units == 18000 and statement.over_units == 0
    assert (statement.limit_from, statement.limit_to) == (dt.date(2026, 10, 1), dt.date(2027, 10, 1))


def test_no_certification_in_the_month_is_refused():
    with pytest.raises(StatementError, match="有効な認定がありません"):
        statement_build(month=dt.date(2028, 5, 1), certifications=[CERT_CARE2], units=[])


def test_the_statement_becomes_8222_records_the_reader_accepts():
    statement = statement_build(
        month=OCT,
        certifications=[CERT_CARE2],
        units=[ProviderUnits(HOME_HELP, "さくら", "11", 4644), ProviderUnits("1370000078", "地域デイ", "78", 3000)],
    )
    rows = statement_records(
        statement,
        kind="1",
        created_on=dt.date(2026, 11, 5),
        insurer_number="131011",
        office_number="1310000001",
        insured_number="0000012345",
        birth_date=dt.date(1940, 3, 2),
        sex="1",
        care_manager_number="13000123",
    )
    parsed = kokuho.read(
        kokuho.write(data_type="821", office_number="1310000001", process_month=dt.date(2026, 11, 1), records=rows)
    )
    detail = [r for r in parsed.records if not r.is_total]
    assert [(r["provider"], r["provider_class"], r["plan_units"]) for r in detail] == [
        (HOME_HELP, "1", "4644"),
        ("1370000078", "5", "3000"),
    ]
    [total] = [r for r in parsed.records if r.is_total]
    assert (total["total_units"], total["limit_units"], total["insurer"]) == ("7644", "19705", "00131011")
