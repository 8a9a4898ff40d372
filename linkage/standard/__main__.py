"""Command line: ``python -m linkage.standard validate [--lenient] FILE... | dump [--lenient] FILE | write DIR``.

validate  one line per finding; exit 0 when there are no errors (warnings allowed), else 1.
dump      JSON {"name": {...file-name parts...}, "records": [[field, ...], ...]} with each field
          the exact string after unquoting.
--lenient the tolerant reading used on import: deviations other software makes whose meaning is
          unambiguous (CSVバージョン 202410/202504 on a 4.1 file, unquoted free text without
          commas/quotes/newlines, UTF-8 whose characters all exist in MS932, lower-case .csv)
          are printed as warnings saying what was assumed; everything else stays an error.
write     read that JSON from stdin and write the file it names into DIR (prints the path).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .codec import write_records
from .filename import FileName
from .layouts import CSV_VERSION_32, CSV_VERSION_41, layout_for
from .validate import read_file, validate_files


def _utf8(stream):
    try:
        stream.reconfigure(encoding="utf-8")
    except AttributeError:  # pragma: no cover
        pass


def cmd_validate(paths: list[str], lenient: bool = False) -> int:
    files = []
    for p in paths:
        try:
            files.append((Path(p).name, Path(p).read_bytes()))
        except OSError as e:
            print(f"[エラー] {p}: ファイルを読めません（{e.strerror}）", flush=True)
            return 2
    findings = validate_files(files, lenient=lenient)
    for f in findings:
        print(f)
    errors = sum(f.is_error for f in findings)
    warnings = len(findings) - errors
    print(f"{len(files)}ファイル: エラー{errors}件、警告{warnings}件", file=sys.stderr)
    return 1 if errors else 0


def cmd_dump(path: str, lenient: bool = False) -> int:
    p = Path(path)
    with p.open("rb") as fh:
        pf = read_file(p.name, fh, lenient=lenient)
    structural = [
        f for f in pf.findings if f.is_error and f.code in ("empty", "bom", "encoding", "truncated", "quote", "nul")
    ]
    if structural or (pf.layout is None and pf.file_name is None):
        for f in pf.findings:
            print(f, file=sys.stderr)
        return 1
    if lenient:
        for f in pf.findings:
            if not f.is_error:
                print(f, file=sys.stderr)
    out = {"name": pf.file_name.to_json() if pf.file_name else None, "records": pf.rows}
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def cmd_write(directory: str) -> int:
    data = json.load(sys.stdin)
    try:
        fn = FileName.from_json(data["name"])
    except (KeyError, TypeError, ValueError) as e:
        print(f"[エラー] JSONのnameからファイル名を作れません: {e}", file=sys.stderr)
        return 1
    records = data.get("records") or []
    version = records[0][0] if records and records[0] else (CSV_VERSION_41 if fn.version == 4 else CSV_VERSION_32)
    try:
        layout = layout_for(fn.prefix, version if version in (CSV_VERSION_41, CSV_VERSION_32) else CSV_VERSION_41)
        # raw strings: write as given (the CSVバージョン check of the writer is bypassed by
        # passing the layout that matches the records)
        body, repl = write_records(layout, records, file=fn.build())
    except (KeyError, ValueError) as e:
        print(f"[エラー] {e}", file=sys.stderr)
        return 1
    for r in repl:
        print(f"[置換] {r.message}", file=sys.stderr)
    target = Path(directory) / fn.build()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    print(target)
    return 0


def main(argv: list[str] | None = None) -> int:
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    parser = argparse.ArgumentParser(prog="python -m linkage.standard", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("validate", help="check files (grouped into send units)")
    v.add_argument("--lenient", action="store_true", help="tolerate unambiguous deviations (printed as warnings)")
    v.add_argument("files", nargs="+")
    d = sub.add_parser("dump", help="print a file as JSON")
    d.add_argument("--lenient", action="store_true", help="read UTF-8 files whose characters exist in MS932")
    d.add_argument("file")
    w = sub.add_parser("write", help="write a file from dump JSON on stdin")
    w.add_argument("dir")
    args = parser.parse_args(argv)
    if args.cmd == "validate":
        return cmd_validate(args.files, args.lenient)
    if args.cmd == "dump":
        return cmd_dump(args.file, args.lenient)
    return cmd_write(args.dir)


if __name__ == "__main__":
    sys.exit(main())
