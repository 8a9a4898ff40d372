"""Reader: structure, encodings, streaming, whole-file-or-nothing (§a-2, §a-3, issue item 5/6)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from std_helpers import name, valid_row, valid_rows

from linkage.standard import (
    LAYOUTS,
    StandardFileError,
    iter_file,
    iter_records,
    read_file,
    write_records,
)


def _bytes(prefix, rows=None):
    return write_records(LAYOUTS[prefix], rows or valid_rows(prefix))[0]


def _codes(pf, severity="error"):
    return [f.code for f in pf.findings if f.severity == severity]


def test_good_file_reads_typed_records():
    pf = read_file(name("UPSIKYU"), _bytes("UPSIKYU"))
    assert pf.ok and pf.canonical and pf.findings == []
    rec = pf.records[0]
    assert rec[0] == "202407" and rec[3] == date(2025, 4, 1) and rec[4] == "202504"
    assert rec[12] == 300 and rec[22] == Decimal("10.21") and rec[36] is None
    assert pf.dicts()[1][9] == "999999"


def test_lf_line_ends_and_quoted_non_text_values_are_accepted():
    crlf = _bytes("UP2KYO")
    lf = crlf.replace(b"\r\n", b"\n").replace(b",131011,", b',"131011",')
    pf = read_file(name("UP2KYO"), lf)
    assert pf.ok, pf.findings
    assert not pf.canonical
    assert pf.rows == read_file(name("UP2KYO"), crlf).rows


def test_multiline_quoted_field_spans_lines_and_numbers_records():
    rows = [valid_row("UP2KYO", f7="一行目\r\n二行目\r\n三行目", f6=1, f8=1, f13=i) for i in (1, 2)]
    rows[1][3] = "12345"
    pf = read_file(name("UP2KYO"), _bytes("UP2KYO", rows))
    [f] = pf.errors
    assert f.record == 2 and f.line == 4 and f.field_no == 3
    assert "2行目（ファイルの4行目から）" in f.message


def test_streaming_from_a_file_object_reads_incrementally():
    class OnlySmallReads(io.BytesIO):
        def read(self, n=-1):
            assert n is not None and 0 < n <= 1 << 16, "must not slurp the whole file"
            return super().read(n)

    rows = [valid_row("UPPLAN", f7="長い名前" * 50) for _ in range(2000)]
    data = _bytes("UPPLAN", rows)
    assert len(data) > 1 << 18
    got = list(iter_file(name("UPPLAN"), OnlySmallReads(data)))
    assert len(got) == 2000 and got[0][9] == date(2025, 4, 3)
    assert sum(1 for _ in iter_records(OnlySmallReads(data))) == 2000


def test_iter_file_raises_on_the_first_error():
    rows = valid_rows("UPPLAN") * 3
    rows[2] = {**rows[2], 3: "12"}
    with pytest.raises(StandardFileError) as e:
        list(iter_file(name("UPPLAN"), _bytes("UPPLAN", rows)))
    assert e.value.findings[0].record == 3


@pytest.mark.parametrize(
    "data,code",
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf" + b"202407,131011,0000012345,20250401\r\n", "bom"),
        ("202407,131011,0000012345,20250401\r\n".encode("utf-16"), "bom"),
    ],
)
def test_empty_and_bom_files(data, code):
    pf = read_file(name("DLT1KYO"), data)
    assert _codes(pf) == [code] and pf.rows == [] and not pf.ok


def test_utf8_file_is_an_error_not_a_traceback():
    text = _bytes("UP2KYO").decode("cp932").replace("テキスト", "課題あり")
    pf = read_file(name("UP2KYO"), text.encode("utf-8"))
    assert _codes(pf) == ["encoding"] and pf.rows == []
    assert "UTF-8" in pf.findings[0].message


def test_undecodable_bytes_late_in_the_file_return_no_rows():
    data = _bytes("UP2KYO", valid_rows("UP2KYO") * 3000) + b'202407,131011,"\x82\xff"\r\n'
    pf = read_file(name("UP2KYO"), data)
    assert "encoding" in _codes(pf)
    assert pf.rows == [], "never half a file"


def test_truncated_quote_at_eof():
    data = _bytes("UP2KYO")
    pf = read_file(name("UP2KYO"), data[: data.index(b"\x83e")])  # cut inside the quoted 「テキスト」
    assert _codes(pf) == ["truncated"] and pf.rows == []
    with pytest.raises(StandardFileError):
        list(iter_file(name("UP2KYO"), io.BytesIO(data[:40])))


def test_garbage_after_closing_quote():
    pf = read_file(name("DLT1KYO"), b'202407,"131011"x,0000012345,20250401\r\n')
    assert _codes(pf) == ["quote"]


def test_wrong_field_count():
    pf = read_file(name("DLT1KYO"), b"202407,131011,0000012345,20250401,\r\n202407,131011,0000012345\r\n")
    errs = pf.errors
    assert [(f.code, f.record) for f in errs] == [("field_count", 1), ("field_count", 2)]
    assert "4項目" in errs[0].message
    with pytest.raises(StandardFileError):
        _ = pf.records


def test_mixed_csv_versions():
    data = b"202407,131011,0000012345,20250401\r\n202208,131011,0000012345,20250401\r\n"
    pf = read_file(name("DLT1KYO"), data)
    assert _codes(pf) == ["mixed_version"]
    assert pf.errors[0].record == 2


@pytest.mark.parametrize("version,needle", [("202410", "202407"), ("202504", "4.0"), ("201910", "初版")])
def test_wrong_csv_version_values(version, needle):
    pf = read_file(name("DLT1KYO"), f"{version},131011,0000012345,20250401\r\n".encode())
    assert _codes(pf) == ["csv_version"] and needle in pf.errors[0].message


def test_unknown_prefix_and_header_row():
    pf = read_file("UPFOO_0300000100_43_0300000005_11_20250401120000.CSV", b"a,b\r\n")
    assert _codes(pf) == ["name"] and not pf.ok
    hdr = "CSVバージョン,保険者番号,被保険者番号,居宅サービス計画作成（変更）日\r\n".encode("cp932")
    pf = read_file(name("DLT1KYO"), hdr + b"202407,131011,0000012345,20250401\r\n")
    assert _codes(pf) == ["header"]


def test_blank_line_is_a_warning_and_skipped():
    pf = read_file(name("DLT1KYO"), b"202407,131011,0000012345,20250401\r\n\r\n")
    assert pf.ok and _codes(pf, "warning") == ["blank"] and len(pf.rows) == 1


def test_name_month_must_match_content():
    pf = read_file(name("UPPLAN", month="202505"), _bytes("UPPLAN"))
    assert "name_month" in _codes(pf)
    assert "202505" in pf.errors[0].message


def test_name_offices_must_match_content_of_actuals():
    pf = read_file(name("UPJSK", sender="0300000999"), _bytes("UPJSK"))
    assert "name_office" in _codes(pf)


def test_41_name_with_32_content_and_vice_versa():
    v32 = b"202208,131011,0000012345,20250401\r\n"
    pf = read_file(name("DLT1KYO"), v32)
    assert _codes(pf) == ["name_version"]
    pf = read_file("DLT1KYO_0300000100_0300000005_20250401120000.CSV", _bytes("DLT1KYO"))
    assert _codes(pf) == ["name_version"]


def test_reads_32_files_with_22_field_table_6():
    rows = []
    layout32 = __import__("linkage.standard", fromlist=["LAYOUTS_V32"]).LAYOUTS_V32["UPPLAN"]
    row = [None] * 22
    vals = {
        1: "202208",
        2: "131011",
        3: "0000012345",
        4: "20230601",
        5: "202306",
        6: "0300000100",
        7: "担当",
        10: "20230605",
        12: "0900",
        13: "1000",
        14: "1",
        15: "111111",
        17: "0300000005",
        20: "0",
    }
    for k, v in vals.items():
        row[k - 1] = v
    rows.append(row)
    data, _ = write_records(layout32, rows)
    pf = read_file("UPPLAN_202306_0300000100_0300000005_20230701090000.CSV", data)
    assert pf.ok, pf.findings
    assert pf.layout.csv_version == "202208" and pf.layout.field_count == 22
    assert pf.records[0][16] == "0300000005"
    # 25 fields with version 202208 is a field-count error
    pf = read_file(
        "UPPLAN_202306_0300000100_0300000005_20230701090000.CSV",
        _bytes("UPPLAN").replace(b"202407,", b"202208,", 1).replace(b"202504", b"202306"),
    )
    assert "field_count" in _codes(pf)


def test_gaiji_in_input_is_reported():
    data = _bytes("UP2KYO").replace("テキスト".encode("cp932"), "\ue001".encode("cp932"), 1)
    pf = read_file(name("UP2KYO"), data)
    assert "gaiji" in _codes(pf)


def test_unquoted_free_text_is_reported():
    data = _bytes("UP2KYO").replace('"テキスト"'.encode("cp932"), "テキスト".encode("cp932"), 1)
    pf = read_file(name("UP2KYO"), data)
    assert _codes(pf) == ["unquoted_text"] and pf.errors[0].field_no == 7
