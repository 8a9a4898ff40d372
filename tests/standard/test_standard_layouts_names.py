"""Layouts loaded from data, and file names (§a-7)."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from linkage.standard import LAYOUTS, LAYOUTS_V32, FileName, FileNameError, layout_for, next_sequence

SPEC_JSON = Path(__file__).resolve().parents[2] / "linkage" / "standard" / "layouts.json"

# Field counts as stated in the spec digest headings (§c and appendix).
FIELD_COUNTS = {
    "UPHOSOKU": 63,
    "UP1KYO": 28,
    "DLT1KYO": 4,
    "UP2KYO": 22,
    "UP3KYO": 13,
    "UPPLAN": 25,
    "DLTPLAN": 4,
    "UPJSK": 25,
    "DLTJSK": 6,
    "UPSIKYU": 37,
    "UPKIHON": 71,
    "DLTKIHON": 4,
    "UPKIHON_SUB1": 7,
    "UPKIHON_SUB2": 11,
    "UPYOBO": 57,
    "DLTYOBO": 4,
    "UPYOBO_SUB": 17,
}


def test_every_41_layout_has_the_spec_field_count():
    assert {p: ln.field_count for p, ln in LAYOUTS.items()} == FIELD_COUNTS
    assert all(ln.csv_version == "202407" for ln in LAYOUTS.values())


def test_32_variants_of_table_6_and_7():
    assert LAYOUTS_V32["UPPLAN"].field_count == 22
    assert LAYOUTS_V32["UPJSK"].field_count == 22
    assert LAYOUTS_V32["UPSIKYU"].field_count == 34
    v32 = LAYOUTS_V32["UPSIKYU"]
    assert v32.field(13).name == "回数／日数" and v32.field(13).length == 2
    assert v32.field(27).name == "前月までの利用日数" and v32.field(27).length == 5
    assert LAYOUTS["UPSIKYU"].field(16).length == 3
    assert "TAISコード" not in [f.name for f in LAYOUTS_V32["UPPLAN"].fields]
    assert "UP3KYO" not in LAYOUTS_V32 and "UPKIHON" not in LAYOUTS_V32


def test_layout_for():
    assert layout_for("UPPLAN") is LAYOUTS["UPPLAN"]
    assert layout_for("UPPLAN", "202208") is LAYOUTS_V32["UPPLAN"]
    with pytest.raises(KeyError):
        layout_for("UPPLAN", "202410")
    with pytest.raises(KeyError):
        layout_for("UP3KYO", "202208")


def _spec_examples():
    data = json.loads(SPEC_JSON.read_text(encoding="utf-8"))
    for f in data["files"]:
        yield f["prefix"], f["filename_example"]


@pytest.mark.parametrize("prefix,example", list(_spec_examples()))
def test_spec_file_name_examples_parse_and_rebuild(prefix, example):
    fn = FileName.parse(example)
    assert fn.prefix == prefix
    assert fn.version == 4
    assert fn.build() == example
    assert len(fn.sender_office) == 10 and len(fn.sender_kind) == 2


def test_parse_parts_of_a_41_name():
    fn = FileName.parse("UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.CSV")
    assert (fn.prefix, fn.month, fn.sender_office, fn.sender_kind, fn.recipient_office, fn.recipient_kind) == (
        "UPPLAN",
        "201912",
        "0300000100",
        "43",
        "0300000005",
        "11",
    )
    assert fn.created == datetime(2019, 10, 25, 20, 2, 1)
    assert fn.sequence == "20191025200201"


def test_hosoku_month_000000_kept_as_given():
    fn = FileName.parse("UPHOSOKU_000000_0300000100_43_0300000005_11_20191025200201.CSV")
    assert fn.month == "000000"
    assert FileName.parse("UPHOSOKU_201909_0300000100_43_0300000005_11_20191025200201.CSV").month == "201909"


@pytest.mark.parametrize(
    "example",
    [
        "UPPLAN_201912_0300000100_0300000005_20191025200201.CSV",
        "UPJSK_201912_0300000005_0300000100_20191025200201.CSV",
        "UP1KYO_123456789_2468135790_20191110102233.CSV",  # the ministry's 9-digit example
        "UPHOSOKU_000000_123456789_2468135790_20191110102233.CSV",
    ],
)
def test_32_names_parse(example):
    fn = FileName.parse(example)
    assert fn.version == 3 and fn.sender_kind is None and fn.recipient_kind is None
    assert fn.build() == example


def test_prefix_with_underscore_is_matched_whole():
    fn = FileName.parse("UPKIHON_SUB1_0300000100_43_0300000005_11_20191025200201.CSV")
    assert fn.prefix == "UPKIHON_SUB1" and fn.month is None
    assert FileName.parse("UPYOBO_SUB_0300000100_43_0300000005_11_20191025200201.csv").prefix == "UPYOBO_SUB"


@pytest.mark.parametrize(
    "bad,needle",
    [
        ("UPFOO_0300000100_43_0300000005_11_20191025200201.CSV", "接頭辞"),
        ("UPPLAN_0300000100_43_0300000005_11_20191025200201.CSV", "年月"),
        ("UP1KYO_201912_0300000100_43_0300000005_11_20191025200201.CSV", "年月を付けません"),
        ("UP1KYO_0300000100_43_0300000005_11_20191325200201.CSV", "ファイル連番"),
        ("UP1KYO_0300000100_43_0300000005_20191025200201.CSV", "両方"),
        ("UP1KYO_0300000100_43_0300000005_11_20191025200201.TXT", "拡張子"),
    ],
)
def test_bad_names_explained(bad, needle):
    with pytest.raises(FileNameError) as e:
        FileName.parse(bad)
    assert needle in str(e.value)


def test_month_prefixes_follow_the_spec():
    months = {p for p, ln in LAYOUTS.items() if ln.has_month}
    assert months == {"UPHOSOKU", "UPPLAN", "DLTPLAN", "UPJSK", "DLTJSK", "UPSIKYU"}


def test_next_sequence_is_strictly_increasing():
    t = datetime(2025, 4, 1, 12, 0, 0)
    assert next_sequence(None, t) == t
    assert next_sequence(t, t) == datetime(2025, 4, 1, 12, 0, 1)
    assert next_sequence(t, datetime(2025, 4, 1, 11, 0, 0, 500)) == datetime(2025, 4, 1, 12, 0, 1)
    assert next_sequence(t, datetime(2025, 4, 2)) == datetime(2025, 4, 2)
