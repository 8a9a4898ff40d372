"""Cross-file rules of a 利用票 send unit (6表 ↔ 7表 ↔ 補足), dates against the file name, and service
codes against a master: errors for strict checks, warnings when reading tolerantly where the data
stays usable."""

from __future__ import annotations

from datetime import date, datetime

from std_helpers import RECIPIENT, SENDER, sikyu_total, valid_row

from linkage.standard import build_send_unit, read_file, validate_files
from linkage.standard.validate import validate_parsed

SEQ = datetime(2025, 4, 1, 12, 0, 0)


def schedule_files(*, plan=None, sikyu=None, hosoku=None, month="202504"):
    plan = plan or [valid_row("UPPLAN", f10=date(2025, 4, d), f8=300, f14=1) for d in (3, 10)]
    sikyu = sikyu or [valid_row("UPSIKYU", f13=300, f16=2, f17=600), sikyu_total()]
    hosoku = hosoku or [valid_row("UPHOSOKU", f4=None, f63=None)]
    built = build_send_unit(
        "schedule",
        {"UPPLAN": plan, "UPSIKYU": sikyu, "UPHOSOKU": hosoku},
        sender_office=SENDER,
        sender_kind="43",
        recipient_office=RECIPIENT,
        recipient_kind="11",
        sequence=SEQ,
        month=month,
        validate=False,
    )
    return built.files


def findings(files, lenient=False, **kw):
    return [
        (f.severity, f.code, f.file[:6], f.record, f.field_no)
        for f in validate_files(files, lenient=lenient, **kw)
        if f.code not in ("recipient_unrelated",)
    ]


def test_consistent_unit_has_no_findings():
    assert findings(schedule_files()) == []


def test_annex_count_must_match_the_days_of_table6():
    files = schedule_files(sikyu=[valid_row("UPSIKYU", f13=300, f16=3, f17=900), sikyu_total()])
    assert findings(files) == [("error", "xfile_count", "UPSIKY", 1, 16)]
    assert findings(files, lenient=True) == [("warning", "xfile_count", "UPSIKY", 1, 16)]
    [f] = [f for f in validate_files(files) if f.code == "xfile_count"]
    assert "回数／日数「3」" in f.detail and "回数の合計「2」" in f.detail


def test_annex_units_must_match_units_times_days():
    files = schedule_files(sikyu=[valid_row("UPSIKYU", f13=300, f16=2, f17=700), sikyu_total()])
    assert findings(files) == [("error", "xfile_units", "UPSIKY", 1, 17)]
    assert "「700」" in next(f.detail for f in validate_files(files) if f.code == "xfile_units")


def test_table6_provider_missing_from_table7():
    other = [valid_row("UPPLAN", f10=date(2025, 4, 5), f20="0300000777", f8=300, f14=1)]
    plan = [valid_row("UPPLAN", f10=date(2025, 4, d), f8=300, f14=1) for d in (3, 10)] + other
    files = schedule_files(plan=plan)
    assert findings(files) == [("error", "xfile_provider", "UPPLAN", 3, 20)]
    assert findings(files, lenient=True) == [("warning", "xfile_provider", "UPPLAN", 3, 20)]


def test_care_level_against_benefit_kind():
    support = [valid_row("UPHOSOKU", f4=None, f63=None, f18="12")]  # 要支援１ with 111111 (訪問介護)
    files = schedule_files(hosoku=support)
    assert findings(files) == [("error", "care_level_code", "UPPLAN", 1, 15)]
    assert "12:要支援１" in next(f.detail for f in validate_files(files) if f.code == "care_level_code")
    plan = [valid_row("UPPLAN", f10=date(2025, 4, d), f8=300, f14=1, f15="631111") for d in (3, 10)]
    sikyu = [valid_row("UPSIKYU", f9="631111", f13=300, f16=2, f17=600), sikyu_total()]
    assert [c[1] for c in findings(schedule_files(plan=plan, sikyu=sikyu))] == ["care_level_code"]  # 要介護２ with 予防
    assert findings(schedule_files(plan=plan, sikyu=sikyu, hosoku=support)) == []


def test_use_date_outside_the_month_of_the_file_name():
    plan = [valid_row("UPPLAN", f5="202505", f10=date(2025, 5, 3), f8=300, f14=2)]
    codes = {c[1] for c in findings(schedule_files(plan=plan)) if c[0] == "error"}
    assert {"name_month", "use_date_name_month"} <= codes
    assert {"name_month", "use_date_name_month"} <= {
        c[1] for c in findings(schedule_files(plan=plan), lenient=True) if c[0] == "error"
    }


def test_incomplete_schedule_unit_is_an_error_even_when_tolerant():
    files = [f for f in schedule_files() if not f[0].startswith("UPSIKYU")]
    parsed = [read_file(n, d, lenient=True) for n, d in files]
    incomplete = [f for f in validate_parsed(parsed) if f.code == "unit_incomplete"]
    assert [f.is_error for f in incomplete] == [True] and "UPSIKYU（第7表）がありません" in incomplete[0].detail


def test_service_code_unknown_to_the_master():
    asked = []

    def master(month, codes):
        asked.append((month, sorted(codes)))
        return set()

    files = schedule_files()
    assert ("error", "unknown_service_code", "UPPLAN", 1, 15) in findings(files, service_codes=master)
    tolerant = [
        f for f in validate_files(files, lenient=True, service_codes=master) if f.code == "unknown_service_code"
    ]
    assert {f.severity for f in tolerant} == {"warning"} and "送信元のマスタが新しい可能性" in tolerant[0].detail
    assert ("202504", ["111111"]) in asked
    assert findings(files, service_codes=lambda month, codes: set(codes)) == []
