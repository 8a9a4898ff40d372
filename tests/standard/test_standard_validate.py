"""Validator rules: field formats (§a-5), code lists (§e), table rules (§d) and send units (§d-2)."""

from datetime import date, datetime

import pytest
from std_helpers import INSURED, INSURER, RECIPIENT, SENDER, name, sikyu_total, valid_row, valid_rows

from linkage.standard import LAYOUTS, build_send_unit, read_file, validate_files, write_records


def check(prefix, rows, **name_kw):
    data, _ = write_records(LAYOUTS[prefix], rows)
    return read_file(name(prefix, **name_kw), data)


def one(prefix, **fields):
    """Findings (as (severity, code, field_no)) of a one-record file with ``fields`` changed."""
    rows = valid_rows(prefix)
    rows[0] = {**rows[0], **{int(k[1:]): v for k, v in fields.items()}}
    pf = check(prefix, rows)
    return [(f.severity, f.code, f.field_no) for f in pf.findings]


@pytest.mark.parametrize("prefix", sorted(LAYOUTS))
def test_valid_example_of_every_layout_has_no_findings(prefix):
    pf = check(prefix, valid_rows(prefix))
    assert pf.findings == [] and pf.ok


def test_message_names_file_record_field_and_expectation():
    rows = valid_rows("UPPLAN") * 3
    rows[2] = {**rows[2], 3: "12345"}
    pf = check("UPPLAN", rows)
    [f] = pf.findings
    assert f.message == (
        f"{name('UPPLAN')} 3行目 項目No.3（被保険者番号）: 「12345」は10桁ではありません。"
        "10桁の英数字（例: 0000012345 または H123456789）を指定してください。"
    )
    assert (f.severity, f.record, f.field_no, f.field_name) == ("error", 3, 3, "被保険者番号")


@pytest.mark.parametrize(
    "value,ok",
    [
        ("0000012345", True),
        ("H123456789", True),
        ("A123456789", True),
        ("12345", False),
        ("H12345678X", False),
        ("H1234567890", False),
        ("０００００１２３４５", False),
        ("00000-2345", False),
    ],
)
def test_insured_number(value, ok):
    assert (one("DLT1KYO", f3=value) == []) is ok


@pytest.mark.parametrize(
    "value,ok", [("131011", True), ("13101", False), ("1310110", False), ("13101a", False), ("１３１０１６", False)]
)
def test_insurer_number_six_digits(value, ok):
    assert (one("DLT1KYO", f2=value) == []) is ok


@pytest.mark.parametrize(
    "value,ok", [("0300000005", True), ("030000005", False), ("03000000051", False), ("０３00000005", False)]
)
def test_office_number_ten_digits(value, ok):
    assert (one("UP2KYO", f17=value) == []) is ok


@pytest.mark.parametrize(
    "value,ok",
    [
        ("20250401", True),
        ("20240229", True),
        ("20250229", False),
        ("20250431", False),
        ("2025041", False),
        ("2025/4/1", False),
        ("00000000", False),
    ],
)
def test_real_calendar_dates(value, ok):
    assert (one("DLT1KYO", f4=value) == []) is ok


@pytest.mark.parametrize("value,ok", [("202504", True), ("202513", False), ("202500", False), ("2025-4", False)])
def test_year_month(value, ok):
    findings = one("DLTPLAN", f4=value)
    if ok:
        assert findings == []
    else:
        assert ("error", "format", 4) in findings


@pytest.mark.parametrize("value,ok", [("0930", True), ("2359", True), ("9999", True), ("2460", False), ("930", False)])
def test_hhmm_or_9999_in_table_6(value, ok):
    assert (one("UPPLAN", f12=value, f13=value) == []) is ok


def test_9999_is_not_allowed_in_table_3_times():
    assert ("error", "format", 8) in one("UP3KYO", f8="9999")
    assert one("UP3KYO", f8="0600") == []


@pytest.mark.parametrize(
    "value,ok",
    [
        (None, True),
        ("1111100000000000000000000000000", True),
        ("111110000000000000000000000000", False),
        ("1111100000000000000000000000002", False),
    ],
)
def test_daily_proration_flags_31(value, ok):
    assert (one("UPPLAN", f11=value) == []) is ok


def test_proration_flags_beyond_month_end_warn():
    assert one("UPPLAN", f11="0" * 30 + "1") == [("warning", "flags_days", 11)]  # April has 30 days


@pytest.mark.parametrize(
    "value,ok", [("10.21", True), ("9.00", True), ("10.2", False), ("100.00", False), ("10", False)]
)
def test_unit_price_99_99(value, ok):
    assert (one("UPSIKYU", f23=value) == []) is ok


def test_integer_length_and_sign():
    assert one("UPSIKYU", f16="999") == []
    assert ("error", "length", 16) in one("UPSIKYU", f16="1000")
    assert one("UPSIKYU", f13="-30") == []  # 単位数 may be negative (共生型 reductions)
    assert ("error", "format", 16) in one("UPSIKYU", f16="-1")
    assert ("error", "format", 16) in one("UPSIKYU", f16="1.5")


@pytest.mark.parametrize("field,value", [(16, "3"), (17, "9"), (21, "26"), (25, "4"), (15, "X")])
def test_code_lists(field, value):
    prefix = "UP2KYO" if field == 15 else "UP1KYO"
    findings = one(prefix, **{f"f{field}": value})
    assert findings == [("error", "code", field)]


def test_code_list_message_lists_the_allowed_codes():
    pf = check("UPHOSOKU", [valid_row("UPHOSOKU", f7="3")])
    assert "1:男性、2:女性" in pf.errors[0].message


def test_required_fields():
    assert one("UP1KYO", f8=None) == [("error", "required", 8)]
    assert one("UP1KYO", f13=None) == [("error", "required", 13)]
    # 必須 ambiguous in the source (利用者補足情報 No.5) → warning only
    assert one("UPHOSOKU", f5=None) == [("warning", "required", 5)]


def test_postal_and_phone():
    assert ("error", "format", 5) in one("UP1KYO", f5="1000001")
    assert ("error", "length", 19) in one("UPKIHON", f19="0" * 16)
    assert one("UPKIHON", f19="03-1234-5678") == []


def test_unused_identifier_warns():
    assert one("UP1KYO", f28="1") == [("warning", "unused", 28)]


def test_unlinked_service_kinds_absent():
    assert ("error", "unlinked", 15) in one("UPPLAN", f15="331111")
    assert ("error", "unlinked", 9) in one("UPSIKYU", f9="511111")
    assert one("UPPLAN", f15="A21111") == []


def test_use_date_inside_target_month():
    assert ("error", "use_date_month", 10) in one("UPPLAN", f10=date(2025, 5, 1))


def test_welfare_equipment_needs_tais_or_notification_code():
    assert ("error", "equipment_code", 16) in one("UPPLAN", f15="171007")
    assert one("UPPLAN", f15="171007", f16="00001-000010", f19=1) == []
    assert ("error", "detail_code", 19) in one("UPPLAN", f19=1)


def test_one_service_month_per_file():
    rows = [valid_row("UPPLAN"), valid_row("UPPLAN", f5="202505", f10=date(2025, 5, 2))]
    codes = [f.code for f in check("UPPLAN", rows).errors]
    assert "single_month" in codes and "name_month" in codes


# ---- 第7表 (§d-5)


def _sikyu(*rows):
    return [(f.code, f.record) for f in check("UPSIKYU", list(rows)).errors]


def test_table7_total_row_required():
    assert _sikyu(valid_row("UPSIKYU")) == [("total_missing", 1)]
    assert _sikyu(valid_row("UPSIKYU"), sikyu_total()) == []


def test_table7_total_row_fields():
    assert ("total_row", 2) in _sikyu(valid_row("UPSIKYU"), sikyu_total(f7="0300000005"))
    assert ("total_row", 2) in _sikyu(valid_row("UPSIKYU"), sikyu_total(f13=5))
    assert ("total_row", 2) in _sikyu(valid_row("UPSIKYU"), sikyu_total(f14=90))
    assert ("total_duplicate", 3) in _sikyu(valid_row("UPSIKYU"), sikyu_total(), sikyu_total())


def test_table7_subtotal_required_when_a_kind_has_several_lines():
    a, b = valid_row("UPSIKYU"), valid_row("UPSIKYU", f9="112111")
    assert _sikyu(a, b, sikyu_total()) == [("subtotal_missing", 1)]
    sub = valid_row("UPSIKYU", f9="11AAAA", f13=0, f14=None, f15=None)
    assert _sikyu(a, b, sub, sikyu_total()) == []
    # different users are counted separately
    c = valid_row("UPSIKYU", f3="0000099999")
    assert _sikyu(a, c, sikyu_total(), sikyu_total(f3="0000099999")) == []


# ---- 第2表 (§d-6)

SPEC_KYO2 = [  # (課題NO, 課題, 援助目標NO, 長期, 短期, 長期期間, 短期期間, 援助内容NO, サービス内容, 保険, 種別, 事業者, 事業所, 頻度)
    (
        1,
        "課題１",
        1,
        "長期１",
        "短期１",
        "aaaa",
        "bbbb",
        1,
        "サービス１",
        "Y",
        "訪問介護",
        "1234567890",
        "ＸＸＸ事業所",
        "隔日",
    ),
    (1, None, 1, None, None, None, None, 2, "サービス２", None, "家政婦", None, "YYY家政婦協会", "毎日"),
    (1, None, 1, None, "短期２", None, "eeee", 3, "サービス３", "Y", "福祉用具", "1234567891", "ZZZZ事業所", None),
    (1, None, 2, "長期２", "短期３", "gggg", "hhhh", 1, "サービス４", None, "医療", None, "ｘｘｘ病院", "1ヶ月に１回"),
    (
        2,
        "課題２",
        1,
        "長期３",
        "短期４",
        "jjjj",
        "kkkk",
        1,
        "サービス５",
        "Y",
        "訪問看護",
        "1234567892",
        "ｙｙｙ看護ステーション",
        "隔週",
    ),
]


def _kyo2_rows(spec):
    rows = []
    for t in spec:
        r = {1: None, 2: INSURER, 3: INSURED, 4: date(2019, 10, 10), 5: date(2019, 10, 10)}
        for no, v in zip((6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), t):
            r[no] = v
        rows.append(r)
    return rows


def test_spec_table2_example_is_valid_and_reads_back():
    pf = check("UP2KYO", _kyo2_rows(SPEC_KYO2))
    assert pf.findings == []
    recs = pf.records
    assert [(r[5], r[7], r[12]) for r in recs] == [(1, 1, 1), (1, 1, 2), (1, 1, 3), (1, 2, 1), (2, 1, 1)]
    assert recs[1][6] is None and recs[2][9] == "短期２"


def test_table2_order_and_duplicates():
    swapped = [SPEC_KYO2[0], SPEC_KYO2[3], SPEC_KYO2[1]]
    codes = [(f.code, f.record) for f in check("UP2KYO", _kyo2_rows(swapped)).errors]
    assert codes == [("kyo2_order", 3)]
    dup = [SPEC_KYO2[0], SPEC_KYO2[0]]
    assert [f.code for f in check("UP2KYO", _kyo2_rows(dup)).errors] == ["kyo2_duplicate"]
    zero = [(0,) + SPEC_KYO2[0][1:]]
    assert "kyo2_range" in [f.code for f in check("UP2KYO", _kyo2_rows(zero)).errors]


def test_table2_first_row_of_an_issue_should_carry_its_text():
    rows = _kyo2_rows([(1, None) + SPEC_KYO2[0][2:]])
    assert [f.code for f in check("UP2KYO", rows).findings] == ["kyo2_issue_text"]


# ---- 利用者補足情報 key modes (§d-8)


def test_hosoku_plan_mode():
    assert check("UPHOSOKU", [valid_row("UPHOSOKU")]).findings == []
    bad = check("UPHOSOKU", [valid_row("UPHOSOKU", f4="00000000")])
    assert [f.code for f in bad.errors] == ["hosoku_mode"]


def test_hosoku_schedule_mode():
    good = valid_row("UPHOSOKU", f4="00000000", f63="202504")
    assert check("UPHOSOKU", [good], month="202504").findings == []
    bad = check("UPHOSOKU", [valid_row("UPHOSOKU", f63="202504")], month="202504")
    assert [f.code for f in bad.errors] == ["hosoku_mode"]
    wrong_month = check("UPHOSOKU", [good], month="202505")
    assert [f.code for f in wrong_month.errors] == ["name_month"]


def test_zero_placeholders_only_where_the_spec_allows_them():
    assert ("error", "format", 4) in one("UP2KYO", f4="00000000")


# ---- send units (§d-2)


def unit(kind, records, seq=datetime(2025, 4, 1, 12, 0, 0), month=None, **kw):
    args = dict(sender_office=SENDER, sender_kind="43", recipient_office=RECIPIENT, recipient_kind="11")
    args.update(kw)
    return build_send_unit(kind, records, sequence=seq, month=month, **args)


def plan_records(**changes):
    recs = {p: [valid_row(p)] for p in ("UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU")}
    for p, fields in changes.items():
        recs[p] = [{**recs[p][0], **fields}]
    return recs


def schedule_records():
    return {
        "UPPLAN": [valid_row("UPPLAN")],
        "UPSIKYU": [valid_row("UPSIKYU"), sikyu_total()],
        "UPHOSOKU": [valid_row("UPHOSOKU", f4=None, f63=None)],
    }


def test_plan_unit_builds_four_files_with_one_sequence():
    built = unit("plan", plan_records())
    assert built.ok and built.findings == [], built.findings
    names = [n for n, _ in built.files]
    assert names == [
        f"UP1KYO_{SENDER}_43_{RECIPIENT}_11_20250401120000.CSV",
        f"UP2KYO_{SENDER}_43_{RECIPIENT}_11_20250401120000.CSV",
        f"UP3KYO_{SENDER}_43_{RECIPIENT}_11_20250401120000.CSV",
        f"UPHOSOKU_000000_{SENDER}_43_{RECIPIENT}_11_20250401120000.CSV",
    ]
    assert built.sequence == "20250401120000"


def test_schedule_unit_fills_keys_of_hosoku_and_month():
    built = unit("schedule", schedule_records(), month="202504")
    assert built.ok, built.findings
    hosoku = dict(built.files)[f"UPHOSOKU_202504_{SENDER}_43_{RECIPIENT}_11_20250401120000.CSV"]
    rec = read_file(f"UPHOSOKU_202504_{SENDER}_43_{RECIPIENT}_11_20250401120000.CSV", hosoku).records[0]
    assert rec[3] == "00000000" and rec[62] == "202504"


def test_dependants_need_their_parent_key():
    built = unit("plan", plan_records(UP2KYO={5: date(2025, 3, 21)}, UPHOSOKU={3: "0000099999"}))
    keys = [(f.code, f.file.split("_")[0]) for f in built.findings if f.is_error]
    assert ("unit_key", "UP2KYO") in keys and ("unit_key", "UPHOSOKU") in keys
    recs = schedule_records()
    recs["UPSIKYU"] = [valid_row("UPSIKYU", f3="0000099999"), sikyu_total(f3="0000099999")]
    built = unit("schedule", recs, month="202504")
    assert [f.code for f in built.findings if f.is_error] == ["unit_key", "unit_key"]


def test_units_cannot_be_built_without_their_parent():
    with pytest.raises(ValueError):
        unit("plan", {"UP2KYO": [valid_row("UP2KYO")]})
    with pytest.raises(ValueError):
        unit("plan", {"UPPLAN": [valid_row("UPPLAN")]})
    with pytest.raises(ValueError):
        unit("schedule", schedule_records())  # no month


def test_validator_flags_units_that_share_a_sequence():
    plan = unit("plan", plan_records()).files
    delete = unit("plan_delete", {"DLT1KYO": [valid_row("DLT1KYO")]}).files  # same 連番 on purpose
    findings = validate_files(plan + delete)
    assert [f.code for f in findings if f.is_error] == ["unit_mix"]
    ok = unit("plan_delete", {"DLT1KYO": [valid_row("DLT1KYO")]}, seq=datetime(2025, 4, 1, 12, 0, 1)).files
    assert [f for f in validate_files(plan + ok) if f.is_error] == []


def test_two_months_under_one_sequence_are_flagged():
    a = unit("schedule", schedule_records(), month="202504").files
    recs = schedule_records()
    recs["UPPLAN"] = [valid_row("UPPLAN", f5=None, f10=date(2025, 5, 3))]
    recs["UPSIKYU"] = [valid_row("UPSIKYU", f5=None), sikyu_total(f5=None)]
    b = unit("schedule", recs, month="202505").files
    codes = {f.code for f in validate_files(a + b) if f.is_error}
    assert "sequence_duplicate" in codes


def test_same_sequence_to_different_recipients_is_fine():
    a = unit("plan", plan_records()).files
    b = unit("plan", plan_records(), recipient_office="0300000006").files
    assert [f for f in validate_files(a + b) if f.is_error] == []


def test_dependant_file_alone_is_an_error():
    files = unit("plan", plan_records()).files
    only_kyo2 = [f for f in files if f[0].startswith("UP2KYO")]
    assert "unit_parent_missing" in [f.code for f in validate_files(only_kyo2)]


def test_missing_companion_files_make_the_unit_incomplete():
    built = unit("plan", {"UP1KYO": [valid_row("UP1KYO")]})
    assert not built.ok
    missing = [f for f in built.findings if f.code == "unit_incomplete"]
    assert all(f.is_error for f in missing)
    assert [f.detail.split("がありません")[0].rsplit("に", 1)[1] for f in missing] == [
        "UP2KYO（居宅サービス計画2表）",
        "UP3KYO（居宅サービス計画3表）",
        "UPHOSOKU（利用者補足情報）",
    ]
    assert not unit("schedule", {"UPPLAN": [valid_row("UPPLAN")]}, month="202504").ok


def test_prevention_unit_links_sub_tables():
    recs = {p: [valid_row(p)] for p in ("UPKIHON", "UPKIHON_SUB1", "UPKIHON_SUB2", "UPYOBO", "UPYOBO_SUB")}
    assert unit("prevention", recs, sender_kind="46", recipient_kind="A2").ok
    recs["UPYOBO_SUB"] = [valid_row("UPYOBO_SUB", f4=date(2025, 1, 1))]
    built = unit("prevention", recs, sender_kind="46", recipient_kind="A2")
    assert [f.code for f in built.findings if f.is_error] == ["unit_key"]


def test_replacements_are_reported_by_the_unit_builder():
    built = unit("plan", plan_records(UP1KYO={8: "𠮷田"}))
    [r] = built.replacements
    assert (r.file.startswith("UP1KYO_"), r.record, r.field_no, r.field_name, r.original, r.replacement) == (
        True,
        1,
        8,
        "居宅サービス計画作成者氏名",
        "𠮷",
        "吉",
    )


def test_plan_recipient_unrelated_user_warns():
    pf = check("UPPLAN", [valid_row("UPPLAN", f20="0300000777")])
    assert [f.code for f in pf.findings] == ["recipient_unrelated"]
