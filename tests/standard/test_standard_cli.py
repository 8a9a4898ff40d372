"""CLI: python -m linkage.standard validate | dump | write (run as subprocesses)."""

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from std_helpers import RECIPIENT, SENDER, sikyu_total, valid_row

from linkage.standard import build_send_unit

ROOT = Path(__file__).resolve().parents[2]


def run(*args, stdin=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "linkage.standard", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def write_unit(tmp_path, **overrides):
    recs = {
        "UPPLAN": [valid_row("UPPLAN", f7='担当 "ケアマネ", 花子\r\n𠮷')],
        "UPSIKYU": [valid_row("UPSIKYU"), sikyu_total()],
        "UPHOSOKU": [valid_row("UPHOSOKU", f4=None, f63=None)],
    }
    recs.update(overrides)
    built = build_send_unit(
        "schedule",
        recs,
        sender_office=SENDER,
        sender_kind="43",
        recipient_office=RECIPIENT,
        recipient_kind="11",
        sequence=datetime(2025, 4, 1, 12, 0, 0),
        month="202504",
    )
    paths = []
    for n, data in built.files:
        p = tmp_path / n
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_validate_good_unit_exits_0(tmp_path):
    paths = write_unit(tmp_path)
    r = run("validate", *map(str, paths))
    assert r.returncode == 0, r.stdout.decode()
    assert r.stdout.decode() == ""


def test_validate_reports_one_line_per_finding_and_exits_1(tmp_path):
    paths = write_unit(tmp_path, UPSIKYU=[valid_row("UPSIKYU")])  # total row missing
    bad = tmp_path / "UPPLAN_202504_0300000100_43_0300000005_11_20250401130000.CSV"
    bad.write_bytes("202407,131011,0000012345\r\n".encode("cp932"))
    r = run("validate", *map(str, paths), str(bad))
    out = r.stdout.decode("utf-8").splitlines()
    assert r.returncode == 1
    assert any("全合計行がありません" in line for line in out)
    assert any("項目数が3です" in line for line in out)
    assert all(line.startswith(("[エラー]", "[警告]")) for line in out)


def test_validate_warnings_only_exit_0(tmp_path):
    paths = write_unit(tmp_path)
    lower = [p.rename(p.with_suffix(".csv")) if p.name.startswith("UPPLAN") else p for p in paths]
    r = run("validate", *map(str, lower))
    assert r.returncode == 0
    assert "[警告]" in r.stdout.decode() and "[エラー]" not in r.stdout.decode()
    assert "拡張子が「.csv」" in r.stdout.decode()


def test_validate_incomplete_unit_exits_1(tmp_path):
    paths = write_unit(tmp_path)
    plan_only = [p for p in paths if p.name.startswith("UPPLAN")]
    r = run("validate", *map(str, plan_only))
    assert r.returncode == 1
    out = r.stdout.decode()
    assert "UPSIKYU（第7表）がありません" in out and "UPHOSOKU（利用者補足情報）がありません" in out


def test_validate_bad_inputs_never_traceback(tmp_path):
    files = {
        "UP1KYO_0300000100_43_0300000005_11_20250401120000.CSV": b"",
        "DLT1KYO_0300000100_43_0300000005_11_20250401120001.CSV": "\ufeff202407,131011,0000012345,20250401\r\n".encode(
            "utf-8"
        ),
        "UPFOO_0300000100_43_0300000005_11_20250401120002.CSV": b"x\r\n",
        "UP2KYO_0300000100_43_0300000005_11_20250401120003.CSV": b'202407,131011,"abc',
    }
    for n, data in files.items():
        (tmp_path / n).write_bytes(data)
    r = run("validate", *(str(tmp_path / n) for n in files))
    assert r.returncode == 1
    assert b"Traceback" not in r.stderr
    assert len(r.stdout.decode().splitlines()) >= 4


def test_dump_then_write_is_byte_identical(tmp_path):
    for path in write_unit(tmp_path):
        r = run("dump", str(path))
        assert r.returncode == 0, r.stderr.decode()
        doc = json.loads(r.stdout.decode("utf-8"))
        assert doc["name"]["prefix"] == path.name.split("_")[0]
        assert doc["name"]["created"] == "20250401120000"
        out_dir = tmp_path / "out"
        w = run("write", str(out_dir), stdin=r.stdout)
        assert w.returncode == 0, w.stderr.decode()
        assert (out_dir / path.name).read_bytes() == path.read_bytes()


def test_dump_gives_exact_unquoted_strings(tmp_path):
    plan = next(p for p in write_unit(tmp_path) if p.name.startswith("UPPLAN"))
    doc = json.loads(run("dump", str(plan)).stdout.decode("utf-8"))
    rec = doc["records"][0]
    assert rec[6] == '担当 "ケアマネ", 花子\r\n吉'
    assert rec[:5] == ["202407", "131011", "0000012345", "20250401", "202504"]
    assert "𠮷" not in json.dumps(doc, ensure_ascii=False)
