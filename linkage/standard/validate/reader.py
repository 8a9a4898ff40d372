"""The streaming reader: :func:`read_file` (one file → :class:`ParsedFile` with findings) and
:func:`iter_file` (typed records in chunks, raising on the first error)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from ..codec import RecordStream, open_text, to_typed
from ..filename import FileName, FileNameError, guess_prefix
from ..findings import ERROR, Finding, StandardFileError
from .checker import FileChecker, ParsedFile
from .common import _gc_paused

# --------------------------------------------------------------------------- API


def _display_name(name: str) -> str:
    return re.split(r"[\\/]", str(name))[-1]


def _start(name: str, lenient: bool = False) -> tuple[FileChecker, list[Finding]]:
    display = _display_name(name)
    pre: list[Finding] = []
    file_name = None
    try:
        file_name = FileName.parse(display)
        prefix = file_name.prefix
    except FileNameError as e:
        pre.append(Finding(ERROR, display, None, None, None, str(e), "name"))
        prefix = guess_prefix(display)
    checker = FileChecker(display, file_name, prefix, lenient=lenient)
    checker.findings[:0] = pre
    return checker, pre


_CHUNK = 1000  # records checked together by FileChecker.records


def _feed(checker: FileChecker, pf: ParsedFile, chunk: list) -> None:
    rows = checker.records(chunk)
    if rows is not None:
        pf.rows.extend(rows)
        pf.row_numbers.extend(c[0] for c in chunk)
        return
    for recno, line, row, raw in chunk:
        if checker.record(recno, line, row, raw):
            pf.rows.append(row)
            pf.row_numbers.append(recno)


def read_file(name: str, source: bytes | BinaryIO, *, lenient: bool = False) -> ParsedFile:
    """Read and check one file. Never raises for bad content; see ``ParsedFile.findings``.

    ``source`` is the file's bytes or a binary file object (read once, incrementally).
    ``lenient`` is the tolerant reading used on import: the deviations other software makes
    when their meaning is unambiguous (a mislabelled 4.x CSVバージョン, unquoted free text
    without commas/quotes/newlines, UTF-8 whose characters all exist in MS932) become
    warnings that say what was assumed; everything else is checked as strictly as without it.
    """
    with _gc_paused():
        return _read_file(name, source, lenient)


def _read_file(name: str, source: bytes | BinaryIO, lenient: bool) -> ParsedFile:
    checker, _ = _start(name, lenient)
    pf = ParsedFile(checker.display, checker.file_name, None)
    pf.lenient = lenient
    chunk: list = []
    try:
        text = open_text(source, checker.display, lenient=lenient, notes=checker.findings)
        for rec in RecordStream(text, checker.display):
            if checker._seen_data:
                chunk.append(rec)
                if len(chunk) >= _CHUNK:
                    _feed(checker, pf, chunk)
                    chunk = []
            elif checker.record(*rec):
                pf.rows.append(rec[2])
                pf.row_numbers.append(rec[0])
        _feed(checker, pf, chunk)
        checker.finish()
    except StandardFileError as e:
        _feed(checker, pf, chunk)  # the records before the break are checked as they were before
        checker.findings.extend(e.findings)
        pf.rows.clear()
        pf.row_numbers.clear()
        checker.canonical = False
    pf.layout = checker.layout
    pf.findings = checker.findings
    pf.canonical = checker.canonical
    return pf


def iter_file(name: str, source: bytes | BinaryIO, *, lenient: bool = False) -> Iterator[list]:
    """Stream typed records of one file, checking as it goes.

    Raises :class:`StandardFileError` at the first error (or at the end for whole-file rules);
    a caller that gets the exception must discard the records it already received.
    """
    checker, pre = _start(name, lenient)
    if any(f.is_error for f in pre):
        raise StandardFileError(pre)
    if checker.prefix is None:
        raise StandardFileError(pre)
    text = open_text(source, checker.display, lenient=lenient, notes=checker.findings)
    seen = 0
    for recno, line, row, raw in RecordStream(text, checker.display):
        keep = checker.record(recno, line, row, raw)
        errors = [f for f in checker.findings[seen:] if f.is_error]
        seen = len(checker.findings)
        if errors:
            raise StandardFileError(errors)
        if keep:
            yield to_typed(checker.layout, row)
    errors = [f for f in checker.finish() if f.is_error]
    if errors:
        raise StandardFileError(errors)
