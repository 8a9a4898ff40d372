"""居宅介護支援費 worked by hand (令和6年 単位数; 1級地 11.40円)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.billing.economics import tier_split
from portal.claims.kyotaku import Case, ClaimError, claim_build

OCT = dt.date(2026, 10, 1)


def cases_46():
    # 30 × 要介護1・2 (keys 1–30), 16 × 要介護3・4・5 (keys 31–46)
    return [Case(key=k, care_level="22") for k in range(1, 31)] + [Case(key=k, care_level="24") for k in range(31, 47)]


def test_46_cases_with_3_prevention_cases_under_one_and_two():
    # 取扱件数 = (46 + 3 × 1/3) ÷ 1 = 47.
    # (Ⅰ): 47 ≥ 45 — 予防 take positions up to 1, 要介護1・2 positions 2–31 (ⅰ), 要介護3・4・5 32–44 (ⅰ), 45–47 (ⅱ)
    one = tier_split(system="I", care_light=30, care_heavy=16, support=3, month=OCT)
    claim = claim_build(month=OCT, tiers=one, cases=cases_46(), regional_grade="1")
    assert claim.count == 46
    assert claim.total_units == 30 * 1086 + 13 * 1411 + 3 * 704 == 53035
    reduced = [d.case.key for d in claim.details if d.tier == "ii"]
    assert reduced == [44, 45, 46]  # the newest contracts
    # 請求金額 per 明細書, rounded down: 1086×11.40 = 12,380.4; 1411×11.40 = 16,085.4; 704×11.40 = 8,025.6
    assert claim.cost_total == 30 * 12380 + 13 * 16085 + 3 * 8025 == 604580
    assert claim.insurance_claim == claim.cost_total

    # (Ⅱ): 47 < 50 — every case in (ⅰ)
    two = tier_split(system="II", care_light=30, care_heavy=16, support=3, month=OCT)
    claim2 = claim_build(month=OCT, tiers=two, cases=cases_46(), regional_grade="1")
    assert claim2.total_units == 30 * 1086 + 16 * 1411 == 55156
    assert {d.tier for d in claim2.details} == {"i"}


def test_add_ons_and_reductions_on_one_statement():
    tiers = tier_split(system="I", care_light=1, care_heavy=1, month=OCT)
    claim = claim_build(
        month=OCT,
        tiers=tiers,
        regional_grade="9",
        specific_addon="2",
        concentration=True,
        cases=[
            Case(key=1, care_level="21", addons=("first", "admission_1")),
            Case(key=2, care_level="25", reductions=("same_building",)),
        ],
    )
    first, second = claim.details
    # 1086 + 初回 300 + 入院時Ⅰ 250 + 特定Ⅱ 421 − 集中 200 = 1,857
    assert [(ln.name, ln.units) for ln in first.lines] == [
        ("居宅介護支援Ⅰⅰ１", 1086),
        ("初回加算", 300),
        ("入院時情報連携加算Ⅰ", 250),
        ("特定事業所加算Ⅱ", 421),
        ("特定事業所集中減算", -200),
    ]
    assert first.total_units == 1857 and first.claim_yen == 18570
    # 同一建物: 1411 × 95% = 1,340.45 → 1,340
    assert second.lines[0].units == 1340 and second.lines[0].name == "居宅介護支援Ⅰⅰ２・同一"
    assert claim.unit_price == Decimal("10.00")


def test_standards_reduction_halves_and_two_months_bill_nothing():
    tiers = tier_split(system="I", care_light=2, care_heavy=0, month=OCT)
    claim = claim_build(
        month=OCT,
        tiers=tiers,
        regional_grade="9",
        cases=[
            Case(key=1, care_level="22", reductions=("standards",)),
            Case(key=2, care_level="22", reductions=("standards_2months",)),
        ],
    )
    assert [(d.case.key, d.total_units) for d in claim.details] == [(1, 543)]
    with pytest.raises(ClaimError, match="初回加算を算定できません"):
        claim_build(
            month=OCT,
            tiers=tiers,
            regional_grade="9",
            cases=[
                Case(key=1, care_level="22", addons=("first",), reductions=("standards",)),
                Case(key=2, care_level="21"),
            ],
        )
