"""Writes the deviation files of this corpus (run once; the files are committed as data).

    .venv/bin/python tests/standard/corpus/make_corpus.py

Each file takes one valid 実績 file as Renkei writes it and applies ONE deviation that other
software makes (see expected.json for what a tolerant reader must warn and read). The two
``UPJSK_202611_1370000011_…`` files without a ``dev-`` name are the shared samples written by a
public third-party implementation from made-up data (../../../../shared/interop/README.md).
All people and numbers are made up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from linkage.standard import LAYOUTS, write_records

HERE = Path(__file__).parent
MONTH = "202611"
SENDER, RECIPIENT = "1370000011", "1310000001"


def name(seq: str, ext: str = "CSV", month: str = MONTH, v3: bool = False) -> str:
    if v3:
        return f"UPJSK_{month}_{SENDER}_{RECIPIENT}_{seq}.{ext}"
    return f"UPJSK_{month}_{SENDER}_11_{RECIPIENT}_43_{seq}.{ext}"


def base() -> bytes:
    rows = []
    for day in (3, 10):
        rows.append(
            {
                2: "131148",
                3: "0000100003",
                4: dt.date(2026, 11, 29),
                5: MONTH,
                6: RECIPIENT,
                7: "佐藤 花子",
                8: 220,
                10: dt.date(2026, 11, day),
                12: "1400",
                13: "1500",
                14: 1,
                15: "117311",
                20: SENDER,
                21: "ひまわり訪問介護ステーション",
                23: "0",
                24: SENDER,
            }
        )
    data, _ = write_records(LAYOUTS["UPJSK"], rows)
    return data


def main():
    ok = base()
    text = ok.decode("cp932")
    files = {
        # tolerated
        name("20261129100001"): ok.replace(b"202407,", b"202410,"),
        name("20261129100002"): ok.replace(b"202407,", b"202504,"),
        name("20261129100003"): text.replace('"', "").encode("cp932"),
        name("20261129100004"): text.encode("utf-8"),
        name("20261129100005"): b"\xef\xbb\xbf" + text.encode("utf-8"),
        name("20261129100006"): ok + b"\r\n",
        name("20261129100007", ext="csv"): ok,
        # ambiguous: errors even when tolerant
        name("20261129100011"): text.replace('"ひまわり訪問介護ステーション"', 'ひまわり"訪問介護"ステーション').encode(
            "cp932"
        ),
        name("20261129100012"): text.replace("佐藤", "𠮷田").encode("utf-8"),
        name("20261129100013"): ok.replace(b"202407,", b"202601,"),
        name("20261129100014", v3=True): ok.replace(b"202407,", b"202410,"),
        name("20261129100015"): text.encode("utf-16"),
        name("20261129100016"): ok.replace(b"202407,", b"202410,", 1),
        name("20261129100017"): text.replace('"ひまわり訪問介護ステーション"', "ひまわり,訪問介護").encode("cp932"),
    }
    for old in HERE.glob("UPJSK_*_2026112910*"):
        old.unlink()
    for n, data in files.items():
        (HERE / n).write_bytes(data)
        print(n)


if __name__ == "__main__":
    main()
