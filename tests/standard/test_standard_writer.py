"""Writer rules (§a-1 … §a-4) and MS932 replacement."""

from datetime import date, time
from decimal import Decimal

import pytest
from std_helpers import valid_row

from linkage.standard import LAYOUTS, RecordError, iter_records, write_records
from linkage.standard.chars import GETA, is_safe, sanitize

KYO2 = LAYOUTS["UP2KYO"]


def _one(layout, row):
    data, repl = write_records(layout, [row])
    return data, repl


def test_crlf_no_bom_exact_field_count_version_filled():
    data, repl = _one(KYO2, {2: "131011", 3: "0000012345", 4: date(2025, 4, 1), 5: date(2025, 4, 1)})
    assert repl == []
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == 1
    line = data[:-2].decode("cp932")
    assert line.split(",")[0] == "202407"
    assert line.count(",") == KYO2.field_count - 1
    assert line == "202407,131011,0000012345,20250401,20250401" + "," * 17


def test_free_text_always_quoted_quotes_doubled_commas_newlines_kept():
    text = 'a "b", c\r\n2行目\nx'
    data, _ = _one(KYO2, {2: "131011", 3: "0000012345", 4: "20250401", 5: "20250401", 7: text, 14: "短い"})
    s = data.decode("cp932")
    assert '"a ""b"", c\r\n2行目\nx"' in s
    assert ',"短い",' in s
    assert next(iter_records(data))[6] == text


def test_non_text_fields_unquoted_and_empty_is_nothing():
    data, _ = _one(KYO2, {2: "131011", 3: "0000012345", 4: "20250401", 5: "20250401", 6: 1, 7: None, 9: ""})
    s = data.decode("cp932")
    assert s.startswith("202407,131011,0000012345,20250401,20250401,1,,")
    assert '"' not in s


def test_typed_values_are_formatted_per_type():
    layout = LAYOUTS["UPSIKYU"]
    row = valid_row("UPSIKYU", f4=date(2025, 3, 9), f5=date(2025, 4, 1), f23=Decimal("10.2"), f13=-12)
    fields = next(iter_records(_one(layout, row)[0]))
    assert fields[3] == "20250309" and fields[4] == "202504"
    assert fields[22] == "10.20" and fields[12] == "-12"
    t = next(iter_records(_one(LAYOUTS["UP3KYO"], valid_row("UP3KYO", f8=time(9, 5)))[0]))
    assert t[7] == "0905"


@pytest.mark.parametrize(
    "row,needle",
    [
        ({1: "202208"}, "CSVバージョン"),
        ({99: "x"}, "項目No.99"),
        ({2: "13,016"}, "カンマ"),
        ({3: 12345}, "int"),
        ({4: 20250401}, "int"),
        ({7: 5}, "int"),
    ],
)
def test_unwritable_records_raise(row, needle):
    with pytest.raises(RecordError) as e:
        write_records(KYO2, [row])
    assert needle in str(e.value)


def test_sequence_rows_need_the_exact_field_count():
    with pytest.raises(RecordError):
        write_records(KYO2, [["202407", "131011"]])
    data, _ = write_records(KYO2, [[None] * 22])
    assert data == b"202407" + b"," * 21 + b"\r\n"


@pytest.mark.parametrize(
    "original,expected",
    [
        ("𠮷", "吉"),
        ("😀", GETA),
        ("\ue000", GETA),  # 外字 (private use) must not be written even though cp932 maps it
        ("\U000f0000", GETA),
        ("\u301c", "\uff5e"),  # WAVE DASH → FULLWIDTH TILDE
        ("\u2212", "\uff0d"),  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
        ("\u2014", "\u2015"),
        ("한", GETA),
    ],
)
def test_characters_outside_ms932_are_replaced_and_reported(original, expected):
    row = {2: "131011", 3: "0000012345", 4: "20250401", 5: "20250401", 7: f"山{original}田", 14: "ok"}
    data, repl = write_records(KYO2, [row, row], file="UP2KYO_x.CSV")
    assert [(r.record, r.field_no, r.field_name, r.original, r.replacement) for r in repl] == [
        (1, 7, "課題", original, expected),
        (2, 7, "課題", original, expected),
    ]
    assert repl[0].file == "UP2KYO_x.CSV"
    assert next(iter_records(data))[6] == f"山{expected}田"
    assert "置き換えました" in repl[0].message


def test_nec_ibm_extension_characters_are_kept():
    s = "①㈱Ⅱ髙﨑ⅱ∵"
    data, repl = _one(KYO2, {2: "131011", 3: "0000012345", 4: "20250401", 5: "20250401", 7: s})
    assert repl == []
    assert next(iter_records(data))[6] == s


def test_emoji_sequences_become_one_geta_and_ivs_is_dropped():
    out, repl = sanitize("A👨\u200d👩\u200d👧B葛\U000e0100")
    assert out == f"A{GETA}B葛"
    assert ("\U000e0100", "") in repl
    assert sanitize("か\u3099") == ("が", [("か\u3099", "が")])


def test_is_safe():
    assert is_safe("あ") and is_safe("髙") and is_safe(",")
    assert not is_safe("\u301c") and not is_safe("\ue000") and not is_safe("𠮷") and not is_safe("\x00")
