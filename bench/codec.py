"""Benchmark: write then read 20,000 第6表 (UPPLAN) records — a month of 300 利用者.

Compares linkage.standard's codec with the bare ``csv`` module + cp932 on the same rows,
prints both times, the ratio (target ≤ 1.5×), the validating read against the bare csv read
(``validate ratio``, target ≤ 4×) and peak memory (target ≤ 150 MB).

    .venv/bin/python bench/codec.py [--records N]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkage.standard import LAYOUTS, iter_records, read_file, write_records  # noqa: E402

LAYOUT = LAYOUTS["UPPLAN"]
USERS = 300


def make_rows(n: int, typed: bool) -> list[list]:
    rnd = random.Random(42)
    rows = []
    per_user = max(1, n // USERS)
    for i in range(n):
        u = min(i // per_user, USERS - 1)
        day = 1 + (i % 30)
        used = date(2025, 4, day)
        start = rnd.choice(["0900", "1000", "1330", "9999"])
        end = "9999" if start == "9999" else f"{int(start[:2]) + 1:02d}{start[2:]}"
        row = [
            "202407",
            "131011",
            f"{1000000 + u:010d}",
            date(2025, 3, 25) if typed else "20250325",
            "202504",
            "0300000100",
            "ケアマネ　太郎",
            250 + (i % 400) if typed else str(250 + (i % 400)),
            None if typed else "",
            used if typed else used.strftime("%Y%m%d"),
            "",
            start,
            end,
            1 if typed else "1",
            rnd.choice(["111211", "112111", "151111", "161111"]),
            "",
            "",
            "",
            "",
            "0300000005",
            "訪問介護ステーション「ひまわり」, 本店",
            "",
            "0",
            "0300000100",
            "",
        ]
        if typed:
            row = [None if v == "" else v for v in row]
        rows.append(row)
    return rows


def bench_ours(rows) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    data, repl = write_records(LAYOUT, rows)
    t1 = time.perf_counter()
    n = sum(1 for _ in iter_records(io.BytesIO(data)))
    t2 = time.perf_counter()
    assert not repl and n == len(rows)
    return t1 - t0, t2 - t1, len(data)


def bench_csv(rows) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows(rows)
    data = buf.getvalue().encode("cp932")
    t1 = time.perf_counter()
    n = sum(1 for _ in csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="cp932", newline="")))
    t2 = time.perf_counter()
    assert n == len(rows)
    return t1 - t0, t2 - t1, len(data)


def best(fn, rows, repeat):
    runs = [fn(rows) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0] + r[1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = make_rows(args.records, typed=False)
    typed_rows = make_rows(args.records, typed=True)

    ow, orr, osize = best(bench_ours, rows, args.repeat)
    cw, cr, csize = best(bench_csv, rows, args.repeat)
    ours, base = ow + orr, cw + cr
    ratio = ours / base
    print(f"records: {args.records} UPPLAN ({USERS} 利用者), file size {osize:,} bytes (csv module: {csize:,})")
    print(f"linkage.standard : write {ow * 1000:7.1f} ms  read {orr * 1000:7.1f} ms  total {ours * 1000:7.1f} ms")
    print(f"csv module+cp932 : write {cw * 1000:7.1f} ms  read {cr * 1000:7.1f} ms  total {base * 1000:7.1f} ms")
    print(f"ratio            : {ratio:.2f}x  (target <= 1.5x) {'OK' if ratio <= 1.5 else 'OVER'}")

    # Extra (not part of the ratio): typed values in, full validation + typed values out.
    t0 = time.perf_counter()
    data, _ = write_records(LAYOUT, typed_rows)
    t1 = time.perf_counter()
    pf = read_file("UPPLAN_202504_0300000100_43_0300000005_11_20250401120000.CSV", io.BytesIO(data))
    recs = pf.records
    t2 = time.perf_counter()
    assert len(recs) == args.records, pf.findings[:3]
    print(
        f"typed write {1000 * (t1 - t0):.1f} ms; validating read_file + typed records {1000 * (t2 - t1):.1f} ms "
        f"({len(pf.findings)} findings)"
    )

    # Validating read (read_file: every rule, rows kept; then typed records) against the bare csv
    # module reading the same bytes — interleaved, best of N, so load on the machine hits both alike.
    assert not pf.findings and pf.ok, pf.findings[:3]  # the setup is what it claims: a clean file
    name = "UPPLAN_202504_0300000100_43_0300000005_11_20250401120000.CSV"
    bare_times, val_times = [], []
    for _ in range(max(args.repeat, 7)):
        t0 = time.perf_counter()
        n = sum(1 for _ in csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="cp932", newline="")))
        t1 = time.perf_counter()
        vpf = read_file(name, io.BytesIO(data))
        vrecs = vpf.records
        t2 = time.perf_counter()
        assert n == len(vrecs) == args.records and not vpf.findings
        bare_times.append(t1 - t0)
        val_times.append(t2 - t1)
    vb, vv = min(bare_times), min(val_times)
    vratio = vv / vb
    print(
        f"validate ratio   : {vratio:.2f}x  validating read_file + typed records {vv * 1000:.1f} ms vs bare csv read "
        f"{vb * 1000:.1f} ms, {args.records} records (target <= 4x) {'OK' if vratio <= 4 else 'OVER'}"
    )
    del vpf, vrecs

    # Peak memory of a full run (write, stream-read, validate) under tracemalloc.
    del data, recs, pf
    tracemalloc.start()
    data, _ = write_records(LAYOUT, typed_rows)
    for _ in iter_records(io.BytesIO(data)):
        pass
    pf = read_file("UPPLAN_202504_0300000100_43_0300000005_11_20250401120000.CSV", io.BytesIO(data))
    _ = pf.records
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"peak memory      : {peak / 2**20:.1f} MB traced (codec, incl. validation); "
        f"process max RSS {rss:.1f} MB (target <= 150 MB) {'OK' if rss <= 150 else 'OVER'}"
    )
    return 0 if ratio <= 1.5 and rss <= 150 and vratio <= 4 else 1


if __name__ == "__main__":
    sys.exit(main())
