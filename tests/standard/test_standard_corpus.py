"""A corpus of files other software writes (tests/standard/corpus/): each tolerated deviation is read
with a warning at the right place and the right values; each ambiguous one stays an error; without
``lenient`` every deviating file fails as before. The two shared vendor samples are included as-is."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from linkage.standard import read_file, validate_files

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).resolve().parents[2]
VENDOR = [
    "UPJSK_202611_1370000011_11_1310000001_43_20261129212518.CSV",
    "UPJSK_202611_1370000011_11_1310000001_43_20261129212519.CSV",
]


def corpus_file(seq: str) -> Path:
    [path] = [p for p in CORPUS.glob(f"UPJSK_*_{seq}.*")]
    return path


# seq → (strict error codes, tolerant warnings as (code, record, field No.), the wording that says what was assumed)
TOLERATED = {
    "20261129100001": ({"csv_version"}, [("tolerated_csv_version", 1, 1)], "4.1版（202407）として読みました"),
    "20261129100002": ({"csv_version"}, [("tolerated_csv_version", 1, 1)], "4.0版の値（202504）"),
    "20261129100003": (
        {"unquoted_text"},
        [("tolerated_unquoted_text", 1, 7), ("tolerated_unquoted_text", 1, 21)],
        "書かれた文字列（例:「ひまわり訪問介護ステーション」）をそのまま値として読みました",
    ),
    "20261129100004": ({"encoding"}, [("tolerated_encoding", None, None)], "UTF-8として読みました"),
    "20261129100005": ({"bom"}, [("tolerated_encoding", None, None)], "BOMを除いてUTF-8として読みました"),
    "20261129100006": (set(), [("blank", 3, None)], "読み飛ばしました"),
    "20261129100007": (set(), [("extension", None, None)], ".CSVとして読みました"),
}
# seq → error code that stays when tolerant (the reading would be ambiguous)
AMBIGUOUS = {
    "20261129100011": "unquoted_text",  # an unquoted value with a " in it
    "20261129100012": "encoding",  # UTF-8 with 𠮷, which MS932 has not
    "20261129100013": "csv_version",  # a CSVバージョン that is no known 4.x mislabel
    "20261129100014": "field_count",  # 202410 under a 3.2 file name: which layout?
    "20261129100015": "bom",  # UTF-16
    "20261129100016": "mixed_version",  # 202410 and 202407 in one file
    "20261129100017": "field_count",  # an unquoted comma
}


@pytest.mark.parametrize("seq", sorted(TOLERATED))
def test_tolerated_deviation_is_a_warning_with_location_and_the_right_values(seq):
    strict_codes, warnings, assumed = TOLERATED[seq]
    path = corpus_file(seq)
    strict = read_file(path.name, path.read_bytes())
    assert {f.code for f in strict.findings if f.is_error} == strict_codes
    pf = read_file(path.name, path.read_bytes(), lenient=True)
    assert pf.ok, [str(f) for f in pf.errors]
    assert [(f.code, f.record, f.field_no) for f in pf.findings] == warnings
    assert all(f.severity == "warning" and f.file == path.name for f in pf.findings)
    assert assumed in pf.findings[-1].detail
    records = pf.dicts()
    assert len(records) == 2
    assert records[0][7] == "佐藤 花子" and records[0][21] == "ひまわり訪問介護ステーション"
    assert [r[10] for r in records] == [dt.date(2026, 11, 3), dt.date(2026, 11, 10)]
    assert records[0][8] == 220 and records[0][15] == "117311" and records[0][14] == 1


@pytest.mark.parametrize("seq", sorted(AMBIGUOUS))
def test_ambiguous_deviation_stays_an_error_when_tolerant(seq):
    path = corpus_file(seq)
    pf = read_file(path.name, path.read_bytes(), lenient=True)
    assert AMBIGUOUS[seq] in {f.code for f in pf.errors}
    assert not pf.ok and pf.errors[0].message.startswith(path.name)


def test_shared_vendor_samples_are_read_with_their_values():
    files = [(n, (CORPUS / n).read_bytes()) for n in VENDOR]
    assert any(f.is_error for f in validate_files(files))
    findings = validate_files(files, lenient=True)
    assert not [f for f in findings if f.is_error]
    assert sorted((f.file[-18:-4], f.code, f.record, f.field_no) for f in findings) == sorted(
        (n[-18:-4], code, 1, no)
        for n in VENDOR
        for code, no in (("tolerated_csv_version", 1), ("tolerated_unquoted_text", 7), ("tolerated_unquoted_text", 21))
    )
    first = read_file(VENDOR[0], files[0][1], lenient=True).dicts()
    assert len(first) == 8 and {r[3] for r in first} == {"0000100003"} and {r[15] for r in first} == {"117311"}
    assert [r[10].day for r in first] == [3, 6, 10, 13, 17, 20, 24, 27]
    assert (first[0][12], first[0][13], first[0][21]) == ("1400", "1500", "ひまわり訪問介護ステーション")
    second = read_file(VENDOR[1], files[1][1], lenient=True).dicts()
    assert {(r[15], r[12], r[13]) for r in second} == {("111211", "1800", "1845"), ("111311", "0900", "1000")}


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "linkage.standard", *args], cwd=ROOT, capture_output=True)


def test_cli_lenient_validate_and_dump_of_the_vendor_samples():
    paths = [str(CORPUS / n) for n in VENDOR]
    strict = _cli("validate", *paths)
    assert strict.returncode == 1
    lenient = _cli("validate", "--lenient", *paths)
    out = lenient.stdout.decode("utf-8")
    assert lenient.returncode == 0, out
    assert out.count("[警告]") == 6 and "[エラー]" not in out and "4.1版（202407）として読みました" in out
    dump = _cli("dump", paths[1])  # unquoted free text is no reason to refuse a dump
    assert dump.returncode == 0 and "ひまわり訪問介護ステーション" in dump.stdout.decode("utf-8")
    utf8 = str(corpus_file("20261129100004"))
    assert _cli("dump", utf8).returncode == 1
    dumped = _cli("dump", "--lenient", utf8)
    assert dumped.returncode == 0 and "佐藤 花子" in dumped.stdout.decode("utf-8")
    assert "UTF-8として読みました" in dumped.stderr.decode("utf-8")
