"""第7表 arithmetic against hand-worked examples (each worked out in the comments)."""

from decimal import Decimal

from portal.schedules.annex import AnnexLine, CodeInfo, calculate_annex

CODES = {
    "111211": CodeInfo("111211", "身体介護２", 387),
    "111311": CodeInfo("111311", "身体介護３", 567),
    "117311": CodeInfo("117311", "生活援助３", 220),
    "116275": CodeInfo("116275", "訪問介護処遇改善加算Ⅰ", 0, calc_unit="3", limit_target=False, rate_permille=245),
    "151521": CodeInfo("151521", "通所介護7-8h要介護2", 777),
    "151511": CodeInfo("151511", "通所介護7-8h要介護1", 658),
    "155301": CodeInfo("155301", "入浴介助加算Ⅰ", 40, calc_unit="2"),
    "156275": CodeInfo("156275", "通所介護処遇改善加算Ⅰ", 0, calc_unit="3", limit_target=False, rate_permille=92),
    "171001": CodeInfo("171001", "車いす貸与", 0, calc_unit="3", units_entered=True),
    "731121": CodeInfo("731121", "小多機・要介護1・日割", 344, calc_unit="2"),
}

PRICES = {
    ("1370000011", "11"): Decimal("11.40"),  # 1級地 × 70%
    ("1370000099", "11"): Decimal("11.12"),  # 2級地 × 70%
    ("1370000012", "15"): Decimal("10.68"),  # 3級地 × 45%
    ("2770000013", "17"): Decimal("10.00"),  # 福祉用具貸与: 地域差なし
    ("1370000073", "73"): Decimal("11.10"),  # 1級地 × 55%
}


def price(office, kind):
    return PRICES[(office, kind)]


def days(*spec, month_days=31):
    """days(1, 8, 15) → 1 on those days; days((3, 2)) → 2 on day 3."""
    out = [0] * 31
    for d in spec:
        if isinstance(d, tuple):
            out[d[0] - 1] = d[1]
        else:
            out[d - 1] = 1
    return out


def line(office, code, day_list, **kw):
    return AnnexLine(
        provider_office_number=office, provider_name=f"事業所{office[-2:]}", service_code=code, days=day_list, **kw
    )


def test_month_within_the_limit_one_割():
    # 要介護2 (limit 19,705). 訪問介護 (1級地 11.40): 身体2 387×8 = 3,096 + 生活3 220×4 = 880 → 3,976
    # 通所介護 (3級地 10.68): 777×8 = 6,216 + 入浴 40×8 = 320 → 6,536; 車いす 500 units ×1 → 500
    visit = days(1, 4, 8, 11, 15, 18, 22, 25)
    annex = calculate_annex(
        lines=[
            line("1370000011", "111211", visit),
            line("1370000011", "117311", days(2, 9, 16, 23)),
            line("1370000012", "151521", visit),
            line("1370000012", "155301", visit),
            line("2770000013", "171001", days(1), units_entered=500, tais_code="00001-000010"),
        ],
        codes=CODES,
        benefit_limit_units=19705,
        benefit_rate=90,
        unit_price_for=price,
    )
    a, b, c = annex.groups
    assert [r.service_units for r in annex.rows] == [3096, 880, 6216, 320, 500]
    assert (a.service_units, b.service_units, c.service_units) == (3976, 6536, 500)
    assert annex.over_units == 0 and not annex.is_over
    # A: 3,976 × 11.40 = 45,326.4 → 45,326; ×0.9 = 40,793.4 → 40,793; copay 4,533
    assert (a.cost_total, a.insurance_claim, a.copay_insured, a.copay_full) == (45326, 40793, 4533, 0)
    # B: 6,536 × 10.68 = 69,804.48 → 69,804; ×0.9 = 62,823.6 → 62,823; copay 6,981
    assert (b.cost_total, b.insurance_claim, b.copay_insured) == (69804, 62823, 6981)
    # C: 500 × 10.00 = 5,000; 4,500; 500
    assert (c.cost_total, c.insurance_claim, c.copay_insured) == (5000, 4500, 500)
    assert (annex.cost_total, annex.insurance_claim, annex.copay_insured) == (120130, 108116, 12014)


def test_over_limit_is_taken_from_the_last_line():
    # 要介護1 (limit 16,765). 身体3 567×20 = 11,340 (1級地) + 通所 658×9 = 5,922 (3級地) = 17,262 → 497 over,
    # taken from the last line (通所介護): in-limit 5,922 − 497 = 5,425.
    annex = calculate_annex(
        lines=[
            line("1370000011", "111311", days(*range(1, 21))),
            line("1370000012", "151511", days(*range(21, 30))),
        ],
        codes=CODES,
        benefit_limit_units=16765,
        benefit_rate=90,
        unit_price_for=price,
    )
    a, b = annex.groups
    assert annex.is_over and annex.over_units == 497
    assert [r.class_over for r in annex.rows] == [0, 497]
    assert (b.class_in, b.class_over) == (5425, 497)
    # A: 11,340 × 11.40 = 129,276; ×0.9 = 116,348.4 → 116,348; copay 12,928
    assert (a.cost_total, a.insurance_claim, a.copay_insured, a.copay_full) == (129276, 116348, 12928, 0)
    # B: 5,425 × 10.68 = 57,939; ×0.9 = 52,145.1 → 52,145; copay 5,794; full 497 × 10.68 = 5,307.96 → 5,307
    assert (b.cost_total, b.insurance_claim, b.copay_insured, b.copay_full) == (57939, 52145, 5794, 5307)
    assert (annex.cost_total, annex.copay_insured, annex.copay_full) == (187215, 18722, 5307)


def test_rate_addon_uses_units_within_the_limit_and_is_outside_the_limit():
    # Same month as above plus 通所介護処遇改善加算Ⅰ (9.2%) at the 通所介護:
    # base = 通所 in-limit 5,425 → 5,425 × 0.092 = 499.1 → 499 units (outside the limit, not over).
    # B in-limit for cost = 5,425 + 499 = 5,924 → 5,924 × 10.68 = 63,268.32 → 63,268
    annex = calculate_annex(
        lines=[
            line("1370000011", "111311", days(*range(1, 21))),
            line("1370000012", "151511", days(*range(21, 30))),
            line("1370000012", "156275", days()),
        ],
        codes=CODES,
        benefit_limit_units=16765,
        benefit_rate=90,
        unit_price_for=price,
    )
    b = annex.groups[1]
    addon = b.rows[1]
    assert (addon.units, addon.count, addon.service_units, addon.managed_units) == (499, 1, 499, None)
    assert annex.over_units == 497  # the add-on did not add to the over-limit units
    assert (b.class_in, b.cost_total) == (5924, 63268)
    # ×0.9 = 56,941.2 → 56,941; copay 6,327
    assert (b.insurance_claim, b.copay_insured) == (56941, 6327)


def test_two_and_three_割():
    # 訪問介護 3,976 units at 11.40 → 費用総額 45,326 (see the first test)
    lines = [
        line("1370000011", "111211", days(1, 4, 8, 11, 15, 18, 22, 25)),
        line("1370000011", "117311", days(2, 9, 16, 23)),
    ]
    two = calculate_annex(lines=lines, codes=CODES, benefit_limit_units=19705, benefit_rate=80, unit_price_for=price)
    # ×0.8 = 36,260.8 → 36,260; copay 9,066
    assert (two.cost_total, two.insurance_claim, two.copay_insured) == (45326, 36260, 9066)
    three = calculate_annex(lines=lines, codes=CODES, benefit_limit_units=19705, benefit_rate=70, unit_price_for=price)
    # ×0.7 = 31,728.2 → 31,728; copay 13,598
    assert (three.cost_total, three.insurance_claim, three.copay_insured) == (45326, 31728, 13598)


def test_daily_prorated_service():
    # 小規模多機能 要介護1 日割 344 units/day from the 10th to the 31st = 22 days → 7,568 units
    # 1級地 × 55% = 11.10 → 84,004.8 → 84,004; ×0.9 = 75,603.6 → 75,603; copay 8,401
    annex = calculate_annex(
        lines=[line("1370000073", "731121", days(*range(10, 32)))],
        codes=CODES,
        benefit_limit_units=16765,
        benefit_rate=90,
        unit_price_for=price,
    )
    g = annex.groups[0]
    assert (g.rows[0].count, g.service_units) == (22, 7568)
    assert (g.cost_total, g.insurance_claim, g.copay_insured) == (84004, 75603, 8401)


def test_two_providers_of_one_kind_share_the_kind_limit_but_keep_their_own_prices():
    # 訪問介護 at A (1級地 11.40): 387×4 = 1,548; at A2 (2級地 11.12): 387×5 = 1,935. 種類支給限度 3,000
    # → 3,483 − 3,000 = 483 over, taken from the last line (A2): A2 in-limit 1,452.
    annex = calculate_annex(
        lines=[line("1370000011", "111211", days(1, 8, 15, 22)), line("1370000099", "111211", days(3, 10, 17, 24, 31))],
        codes=CODES,
        benefit_limit_units=27048,
        benefit_rate=90,
        unit_price_for=price,
        kind_limits={"11": 3000},
    )
    a, a2 = annex.groups
    assert (a.unit_price, a2.unit_price) == (Decimal("11.40"), Decimal("11.12"))
    assert (a.kind_over, a2.kind_over, annex.class_over) == (0, 483, 0)
    # A: 1,548 × 11.40 = 17,647.2 → 17,647; ×0.9 = 15,882.3 → 15,882; copay 1,765
    assert (a.cost_total, a.insurance_claim, a.copay_insured) == (17647, 15882, 1765)
    # A2: 1,452 × 11.12 = 16,146.24 → 16,146; ×0.9 = 14,531.4 → 14,531; copay 1,615; full 483 × 11.12 → 5,370
    assert (a2.cost_total, a2.insurance_claim, a2.copay_insured, a2.copay_full) == (16146, 14531, 1615, 5370)
    assert annex.kind_over_totals() == {"11": 483}


def test_unknown_code_is_shown_not_counted():
    annex = calculate_annex(
        lines=[line("1370000011", "11ZZZZ", days(1, 2))],
        codes=CODES,
        benefit_limit_units=16765,
        benefit_rate=90,
        unit_price_for=price,
    )
    assert annex.unknown_codes == ["11ZZZZ"]
    assert annex.cost_total == 0
