"""The fast validator finds exactly what the validator before issue 22 found.

``legacy_validate`` is a frozen copy of linkage/standard/validate.py as it was before the
performance work. Seeded random files — valid records of every layout with bad cells, wrong
field counts, blank and header lines, unquoted or odd quoting, LF line ends, 外字, mixed months
and versions — are read by both; findings (in order), rows, record numbers, canonical flag and
typed records must be equal, strictly and leniently, file by file and as send units.
"""

import csv
import io
import random

import legacy_validate as legacy
import pytest
from std_helpers import name, valid_rows

from linkage.standard import LAYOUTS, read_file, validate_files, write_records
from linkage.standard.layouts import T_TEXT

BAD_CELLS = [
    "",
    "abc",
    "ＡＢＣ",
    "2025131",
    "20250231",
    "20250401",
    "202504",
    "202513",
    "000000",
    "00000000",
    "9999",
    "2400",
    "0960",
    "-5",
    "12345678901",
    "1.234",
    "10.21",
    "H12345678",
    "h123456789",
    "0000012345",
    "0300000100",
    "0300000005",
    "999999",
    "9999999999",
    "11AAAA",
    "111211",
    "171111",
    "A11111",
    "1" * 31,
    "0" * 30 + "2",
    "1" * 31,
    '"',
    'a"b',
    "a,b",
    "x\r\ny",
    "\ue000",
    "ケアマネ",
    "100-0001",
    "03-1234-5678",
    "202208",
    "202407",
    "202309",
    "00001-000010",
    "0",
    "1",
    "2",
    "99",
]
PREFIXES = sorted(LAYOUTS)


def _write(rows: list[list[str]], rnd: random.Random, layout) -> bytes:
    text_idx = {f.no - 1 for f in layout.fields if f.type == T_TEXT}
    out = []
    style = rnd.random()
    for row in rows:
        if row is None:
            out.append("")
            continue
        cells = []
        for i, v in enumerate(row):
            must = any(c in v for c in ',"\r\n')
            quote = must or (i in text_idx and v and style < 0.8) or rnd.random() < 0.02
            if quote and not (i in text_idx and style > 0.9 and not must):
                cells.append('"' + v.replace('"', '""') + '"')
            else:
                cells.append(v)
        out.append(",".join(cells))
    end = "\n" if rnd.random() < 0.1 else "\r\n"
    text = end.join(out) + (end if rnd.random() < 0.95 else "")
    return text.encode("cp932", errors="replace")


def _random_file(prefix: str, seed: int, n_max: int = 60) -> tuple[str, bytes]:
    rnd = random.Random(seed)
    layout = LAYOUTS[prefix]
    data, _ = write_records(layout, valid_rows(prefix))
    base = [r for r in csv.reader(io.StringIO(data.decode("cp932"), newline=""))]
    n = rnd.randint(1, n_max)
    rows = [list(rnd.choice(base)) for _ in range(n)]
    bad_rate = rnd.choice([0, 0, 0.01, 0.05, 0.3])
    for row in rows:
        for i in range(len(row)):
            if rnd.random() < bad_rate:
                row[i] = rnd.choice(BAD_CELLS + [rnd.choice(base)[rnd.randrange(len(row))]])
        if rnd.random() < bad_rate / 3:
            if rnd.random() < 0.5:
                row.pop(rnd.randrange(len(row)))
            else:
                row.append("")
    if rnd.random() < 0.05:
        rows.insert(rnd.randrange(len(rows) + 1), None)  # blank line
    if rnd.random() < 0.05:
        rows.insert(0, [f.name for f in layout.fields])  # header line
    month = rnd.choice(["202504", "202504", "202505", None])
    kw = {"month": month} if month else {}
    return name(prefix, **kw), _write(rows, rnd, layout)


def _same_file(fname: str, data: bytes, lenient: bool):
    new = read_file(fname, data, lenient=lenient)
    old = legacy.read_file(fname, data, lenient=lenient)
    assert new.findings == old.findings
    assert new.rows == old.rows
    assert new.row_numbers == old.row_numbers
    assert (new.canonical, new.ok, new.layout) == (old.canonical, old.ok, old.layout)
    if old.ok:
        assert new.records == old.records
    return old


@pytest.mark.parametrize("prefix", PREFIXES)
def test_random_files_of_every_layout_get_the_same_findings(prefix):
    kinds = set()
    for seed in range(40):
        fname, data = _random_file(prefix, seed * 7919 + len(prefix))
        for lenient in (False, True):
            old = _same_file(fname, data, lenient)
            kinds.update(f.code for f in old.findings)
    assert len(kinds) >= 3  # the random files really exercise the rules, not only clean files


def test_large_schedule_files_with_a_few_bad_cells_get_the_same_findings():
    for seed in range(6):
        fname, data = _random_file("UPPLAN", 1000 + seed, n_max=3000)
        for lenient in (False, True):
            _same_file(fname, data, lenient)


def test_send_units_get_the_same_cross_file_findings():
    for seed in range(30):
        files = []
        for prefix in ("UPPLAN", "UPSIKYU", "UPHOSOKU"):
            fname, data = _random_file(prefix, seed * 31 + len(prefix), n_max=20)
            files.append((name(prefix), data))
        for lenient in (False, True):
            assert validate_files(files, lenient=lenient) == legacy.validate_files(files, lenient=lenient)


def test_iter_file_streams_the_same_records_or_the_same_error():
    from linkage.standard import StandardFileError, iter_file

    for seed in range(40):
        fname, data = _random_file("UPPLAN", 5000 + seed)

        def run(fn, fname=fname, data=data):
            try:
                return "ok", list(fn(fname, data))
            except StandardFileError as e:
                return "error", e.findings

        assert run(iter_file) == run(legacy.iter_file)


def test_files_that_break_off_mid_way_get_the_same_findings():
    """A structural error (unclosed quote, bad bytes) after many good records."""
    for seed in range(8):
        fname, data = _random_file("UPPLAN", 9000 + seed, n_max=2500)
        cut = random.Random(seed).choice([b'"unclosed,', b"\x81\x20broken\r\n", b'1,"a"b",2\r\n'])
        for lenient in (False, True):
            _same_file(fname, data + cut, lenient)


@pytest.mark.parametrize(
    "field_name,value",
    [
        ("日割対象日", "1" * 31),
        ("日割対象日", "2" * 31),
        ("サービス開始時刻", "9999"),
        ("明細判別コード", "1"),
        ("プラン担当業者コード", "0300000999"),
        ("サービス利用日", "20250501"),
        ("サービスコード", "ZZ1111"),
        ("サービスコード", "171111"),
        ("対象年月", "202505"),
        ("CSVバージョン", "202208"),
        ("単位数", "12345678"),
    ],
)
def test_one_odd_record_in_a_long_clean_schedule_file_gets_the_same_findings(field_name, value):
    """Clean files are checked many records at a time; one odd record must still be found."""
    layout = LAYOUTS["UPPLAN"]
    data, _ = write_records(layout, valid_rows("UPPLAN") * 1600)
    rows = [r for r in csv.reader(io.StringIO(data.decode("cp932"), newline=""))]
    for at in (1, 999, len(rows) - 1):
        odd = [list(r) for r in rows]
        odd[at][layout.no(field_name) - 1] = value
        text = "".join(
            ",".join('"' + v + '"' if f.type == T_TEXT and v else v for f, v in zip(layout.fields, r)) + "\r\n"
            for r in odd
        )
        old = _same_file(name("UPPLAN"), text.encode("cp932"), False)
        assert old.findings  # the odd value is really one the validator reports
