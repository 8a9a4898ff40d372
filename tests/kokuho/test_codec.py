"""The 国保連 interface codec: every record type round-trips, the writer's output passes the reader,
and the reader names the line of what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from linkage.kokuho import LAYOUTS, UNCONFIRMED, KokuhoError, claim_amount, file_name, read, write
from linkage.kokuho.layouts import SOURCES

MONTH = dt.date(2026, 10, 1)
PROCESS = dt.date(2026, 11, 1)
OFFICE = "1310000001"


def benefit_rows(insured="0000012345", kind="1", units=(("1370000011", "11", 8000), ("1370000012", "15", 6500))):
    common = {
        "month": "202610",
        "insurer": "00131011",
        "office_number": OFFICE,
        "kind": kind,
        "created_on": "20261105",
        "sheet_kind": "3",
        "insured": insured,
        "birth_date": "19400401",
        "sex": "2",
        "care_level": "22",
        "limit_from": "202604",
        "limit_to": "202803",
        "planner": "1",
    }
    rows = [
        (
            "8222",
            {
                **common,
                "line_no": f"{i:02d}",
                "provider": provider,
                "provider_class": "1",
                "service_kind": kind_code,
                "plan_units": plan,
            },
        )
        for i, (provider, kind_code, plan) in enumerate(units, start=1)
    ]
    rows.append(
        (
            "8222",
            {
                **common,
                "line_no": "99",
                "limit_units": 19705,
                "total_units": sum(u for _, _, u in units),
                "care_manager_no": "13000123",
            },
        )
    )
    return rows


def claim_rows():
    person = {
        "office_number": OFFICE,
        "office_class": "1",
        "month": "202610",
        "insurer": "00131011",
        "unit_price": "1140",
        "insured": "0000012345",
        "birth_date": "19400401",
        "sex": "2",
        "care_level": "22",
        "cert_from": "20260401",
        "cert_to": "20280331",
        "notified_on": "20260401",
        "care_manager_no": "13000123",
    }
    # 居宅介護支援費(Ⅰ)(ⅰ)要介護1・2 1,086 + 初回加算 300 = 1,386 units; × 11.40 = 15,800.4 → 15,800
    rows = [
        (
            "8124",
            {
                **person,
                "line_no": "01",
                "service_code": "432111",
                "units_each": 1086,
                "times": 1,
                "service_units": 1086,
            },
        ),
        (
            "8124",
            {
                **person,
                "line_no": "99",
                "service_code": "434001",
                "units_each": 300,
                "times": 1,
                "service_units": 300,
                "total_units": 1386,
                "claim_yen": 15800,
            },
        ),
    ]
    bill = {
        "month": "202610",
        "office_number": OFFICE,
        "payer_class": "1",
        "law_no": "00",
        "claim_class": "02",
        "count": 1,
        "units": 1386,
        "cost_total": 15800,
        "insurance_claim": 15800,
        "public_claim": 0,
        "copay": 0,
    }
    return [("7111", bill)] + rows


def test_every_field_names_its_source_and_the_unconfirmed_are_listed():
    for layout in LAYOUTS.values():
        for f in layout.fields:
            assert f.source.strip(), (layout.exchange_id, f.key)
            assert any(f.source.startswith(name) for name in SOURCES), (layout.exchange_id, f.key, f.source)
            for check in f.checked:  # a second source names itself, its version and what agreed
                assert check["source"] in SOURCES and check["version"] and check["what"], (layout.exchange_id, f.key)
            if not f.confirmed_for_2021_2024:
                assert any("令和3年" in u and "令和6年" in u for u in UNCONFIRMED)
    assert UNCONFIRMED


def test_every_benefit_record_item_is_checked_against_a_second_source():
    """Every 8222 item is one the insurer-side REAMS entity of the 平成18年4月 layout also has (by name)."""
    layout = LAYOUTS["8222"]
    unchecked = [f.key for f in layout.fields if not any(c["source"] == "REAMS" for c in f.checked)]
    assert unchecked == []
    reams_items = {
        "交換情報識別番号",
        "サービス提供年月",
        "証記載保険者番号",
        "居宅支援事業所番号",
        "給付管理票情報作成区分コード",
        "給付管理票作成年月日",
        "給付管理票種別区分コード",
        "給付管理票明細行番号",
        "被保険者番号",
        "被保険者生年月日",
        "性別コード",
        "要介護状態区分コード",
        "限度額適用開始年月",
        "限度額適用終了年月",
        "居宅_介護予防支給限度額",
        "居宅サービス計画作成区分コード",
        "サービス事業所番号",
        "指定_基準該当_地域密着型サービス識別コード",
        "サービス種類コード",
        "給付計画単位数_日数",
        "限度額管理期間における前月までの給付計画日数",
        "指定サービス分小計",
        "基準該当サービス分小計",
        "給付計画合計単位数_日数",
        "担当介護支援専門員番号",
        "委託先の居宅介護支援事業所番号",
        "委託先の担当介護支援専門員番号",
    }
    assert {f.checked[0]["what"].split(": ", 1)[1] for f in layout.fields} == reams_items
    assert len(layout.fields) == len(reams_items)


def test_benefit_file_round_trip_with_the_exact_bytes():
    data = write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=benefit_rows())
    lines = data.decode("cp932").split("\r\n")
    assert lines[0] == "1,1,0,3,821,0,000000,1310000001,00,1,202611,0"
    assert lines[1].startswith('2,2,"8222","202610","00131011","1310000001","1","20261105","3","01","0000012345",')
    assert lines[3].endswith(',"","","","14500","13000123","",""')
    assert lines[4] == "3,5" and lines[5] == ""
    parsed = read(data)
    assert parsed.data_type == "821"
    [total] = [r for r in parsed.of("8222") if r.is_total]
    assert total.int("total_units") == 14500 and total["limit_units"] == "19705"
    details = [r for r in parsed.of("8222") if not r.is_total]
    assert [(r["provider"], r["service_kind"], r.int("plan_units")) for r in details] == [
        ("1370000011", "11", 8000),
        ("1370000012", "15", 6500),
    ]


def test_claim_file_round_trip_7111_then_8124():
    data = write(data_type="711", office_number=OFFICE, process_month=PROCESS, records=list(reversed(claim_rows())))
    parsed = read(data)
    assert [r.exchange_id for r in parsed.records] == ["7111", "8124", "8124"]
    assert [r["line_no"] for r in parsed.of("8124")] == ["01", "99"]
    assert parsed.of("7111")[0].int("cost_total") == 15800
    again = write(
        data_type="711",
        office_number=OFFICE,
        process_month=PROCESS,
        records=[(r.exchange_id, r.values) for r in parsed.records],
    )
    assert again == data


def test_records_are_sorted_by_insured_number_whatever_the_input_order():
    rows = benefit_rows(insured="0000099999") + benefit_rows(insured="0000011111")
    parsed = read(write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=rows))
    assert [r["insured"] for r in parsed.records] == ["0000011111"] * 3 + ["0000099999"] * 3


def test_a_total_that_does_not_tie_out_is_refused_by_the_writer():
    rows = benefit_rows()
    rows[-1][1]["total_units"] = 14000
    with pytest.raises(KokuhoError) as caught:
        write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=rows)
    assert "給付計画合計単位数 14000 が明細の合計 14500 と一致しません" in str(caught.value)


def test_the_claim_amount_is_rounded_down_and_checked():
    assert claim_amount(1386, "1140") == 15800
    assert claim_amount(1411, "1000") == 14110
    rows = claim_rows()
    rows[2][1]["claim_yen"] = 15801
    rows[0][1].update(cost_total=15801, insurance_claim=15801)
    with pytest.raises(KokuhoError) as caught:
        write(data_type="711", office_number=OFFICE, process_month=PROCESS, records=rows)
    assert "請求金額 15801 は 1386単位 × 11.40円 の切り捨て 15800 です" in str(caught.value)


def test_the_reader_names_the_line_of_a_bad_field():
    data = write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=benefit_rows())
    broken = data.decode("cp932").replace('"0000012345","19400401"', '"0000012345","19401301"', 1)
    with pytest.raises(KokuhoError) as caught:
        read(broken.encode("cp932"))
    assert "2行目" in str(caught.value) and "被保険者生年月日" in str(caught.value)


def test_the_reader_checks_control_count_end_record_and_numbering():
    data = write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=benefit_rows())
    text = data.decode("cp932")
    with pytest.raises(KokuhoError, match="レコード件数は 3 です"):
        read(text.replace(",0,3,821,", ",0,4,821,", 1).encode("cp932"))
    with pytest.raises(KokuhoError, match="エンドレコードのレコード番号は 5 です"):
        read(text.replace("3,5\r\n", "3,6\r\n").encode("cp932"))
    with pytest.raises(KokuhoError, match="レコード番号は 3 です"):
        read(text.replace("\r\n2,3,", "\r\n2,7,").encode("cp932"))
    with pytest.raises(KokuhoError, match="CRLF"):
        read(text.replace("\r\n", "\n").encode("cp932"))
    with pytest.raises(KokuhoError, match="8222 はデータ種別 711"):
        read(text.replace(",821,", ",711,", 1).encode("cp932"))


def test_detail_and_total_rows_carry_different_fields():
    rows = benefit_rows()
    rows[0][1]["limit_units"] = 19705  # 限度額 belongs on the 99 row only
    with pytest.raises(KokuhoError, match="居宅・介護予防支給限度額」はこの行には記載しません"):
        write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=rows)
    rows = benefit_rows()
    del rows[-1][1]["care_manager_no"]
    with pytest.raises(KokuhoError, match="担当介護支援専門員番号」が空です"):
        write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=rows)


def test_a_cancellation_and_a_correction_are_written_with_their_kind():
    rows = benefit_rows(kind="3") + benefit_rows(insured="0000022222", kind="2")
    parsed = read(write(data_type="821", office_number=OFFICE, process_month=PROCESS, records=rows))
    assert {(r["insured"], r["kind"]) for r in parsed.records} == {("0000012345", "3"), ("0000022222", "2")}


def test_file_name_follows_the_reiwa_month():
    assert file_name(dt.date(2026, 11, 1)) == "d0811a.csv"
    assert file_name(dt.date(2026, 11, 1), "b") == "d0811b.csv"


def test_non_ms932_text_is_refused():
    rows = claim_rows()
    rows[1][1]["note"] = "🙂"
    with pytest.raises(KokuhoError, match="MS932で表せない"):
        write(data_type="711", office_number=OFFICE, process_month=PROCESS, records=rows)


def test_a_reduction_line_carries_negative_units():
    rows = claim_rows()
    rows[2][1].update(
        service_code="434002",
        units_each=-200,
        service_units=-200,
        total_units=1086 - 200,
        claim_yen=claim_amount(886, "1140"),
    )
    rows[0][1].update(units=886, cost_total=claim_amount(886, "1140"), insurance_claim=claim_amount(886, "1140"))
    parsed = read(write(data_type="711", office_number=OFFICE, process_month=PROCESS, records=rows))
    assert parsed.of("8124")[1]["service_units"] == "-200" and parsed.of("8124")[1].int("service_units") == -200
    rows[2][1]["total_units"] = -1
    with pytest.raises(KokuhoError, match="サービス単位数合計"):
        write(data_type="711", office_number=OFFICE, process_month=PROCESS, records=rows)
