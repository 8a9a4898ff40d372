"""Exact writer and streaming reader for the standard's CSV files.

Writer rules: Windows-31J (cp932) without BOM, CRLF after every record, no header row,
exactly the layout's number of fields, free-text (フリーテキスト) fields always in double
quotes with ``"`` doubled (commas and newlines kept), other fields unquoted, empty values as
nothing between the commas (also for free text).

Reader: RFC 4180 style (multi-line quoted fields), CRLF or LF, quoted or unquoted values,
decoded incrementally from a binary file object.

Size: kept as one module (over ~400 lines) because the exact writer and the streaming reader share the field
conversions and quoting rules of the layouts and are tested as one round trip.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from . import chars
from .findings import ERROR, Finding, Replacement, StandardFileError
from .layouts import (
    T_DATE,
    T_DEC,
    T_INT,
    T_TEXT,
    T_TIME,
    T_YM,
    Layout,
)

ENCODING = chars.ENCODING
NEWLINE = "\r\n"
ZERO_DATE = "00000000"  # 利用者補足情報 No.4 when tied to 6表/7表
ZERO_MONTH = "000000"  # 利用者補足情報 No.63 / file name month when tied to 1表/2表

if csv.field_size_limit() < 1 << 24:  # free text may be long; the default is 128 KiB
    csv.field_size_limit(1 << 24)


class RecordError(ValueError):
    """A record given to the writer cannot be written (wrong shape or type)."""


# --------------------------------------------------------------------------- writing

_TWO_PLACES = Decimal("0.01")
_BAD_PLAIN = re.compile('[,"\r\n]')


def _fmt_none(field):
    def fmt(v):
        if v is None:
            return ""
        raise RecordError(
            f"項目No.{field.no}（{field.name}）: {type(v).__name__} の値は書けません（文字列を指定してください）"
        )

    return fmt


def _converter(field):
    """Formatter for non-str values of one field (str values are used as they are)."""
    t = field.type
    fail = _fmt_none(field)
    if t == T_DATE:

        def fmt(v):
            if isinstance(v, date):
                return f"{v.year:04d}{v.month:02d}{v.day:02d}"
            return fail(v)

    elif t == T_YM:

        def fmt(v):
            if isinstance(v, date):
                return f"{v.year:04d}{v.month:02d}"
            return fail(v)

    elif t == T_TIME:

        def fmt(v):
            if isinstance(v, (time, datetime)):
                return f"{v.hour:02d}{v.minute:02d}"
            return fail(v)

    elif t == T_INT:

        def fmt(v):
            if isinstance(v, int) and not isinstance(v, bool):
                return str(v)
            if isinstance(v, Decimal) and v == v.to_integral_value():
                return str(int(v))
            return fail(v)

    elif t == T_DEC:

        def fmt(v):
            if isinstance(v, (Decimal, int)) and not isinstance(v, bool):
                return str(Decimal(v).quantize(_TWO_PLACES))
            if isinstance(v, float):
                return str(Decimal(repr(v)).quantize(_TWO_PLACES))
            return fail(v)

    else:
        fmt = fail
    return fmt


def _text_converter(field):
    fail = _fmt_none(field)
    return fail  # only None is acceptable besides str


def _compile_formatter(layout: Layout):
    """Build a function ``row(sequence) -> line`` for ``layout`` (no newline).

    Generated code avoids a Python call per field for str values, which is what makes the
    writer about as fast as the ``csv`` module.
    """
    env: dict[str, Any] = {"RecordError": RecordError, "_bad": _BAD_PLAIN.search, "VER": layout.csv_version}
    lines = ["def fmt(r):"]
    plain, out = [], []
    for f in layout.fields:
        i = f.no - 1
        v = f"v{i}"
        if f.type == T_TEXT:
            env[f"T{i}"] = _text_converter(f)
            lines.append(f"    {v} = r[{i}]")
            lines.append(f"    if {v}.__class__ is str:")
            lines.append(f"        if {v}: {v} = '\"' + {v}.replace('\"', '\"\"') + '\"'")
            lines.append(f"    else: {v} = T{i}({v})")
        elif f.no == 1:
            lines.append(f"    {v} = r[0]")
            lines.append(f"    if {v} is None: {v} = VER")
            lines.append(f"    elif {v} != VER:")
            lines.append(
                "        raise RecordError('項目No.1（CSVバージョン）: ' + repr(v0) + ' はこのレイアウトのCSVバージョン ' + VER + ' と異なります')"
            )
            plain.append(v)
        else:
            env[f"C{i}"] = _converter(f)
            lines.append(f"    {v} = r[{i}]")
            lines.append(f"    if {v}.__class__ is not str:")
            lines.append(f"        if {v} is None: {v} = ''")
            if f.type == T_INT:
                lines.append(f"        elif {v}.__class__ is int: {v} = str({v})")
            lines.append(f"        else: {v} = C{i}({v})")
            plain.append(v)
        out.append(v)
    if plain:
        lines.append(f"    if _bad({' + '.join(plain)}):")
        lines.append("        raise RecordError(_which(r))")
    lines.append(f"    return ','.join(({', '.join(out)},))")
    env["_which"] = lambda r: _which_plain(layout, r)
    exec("\n".join(lines), env)  # noqa: S102 - code generated from layout data only
    return env["fmt"]


def _which_plain(layout: Layout, r: Sequence) -> str:
    for f in layout.fields:
        v = r[f.no - 1]
        if f.type != T_TEXT and isinstance(v, str) and _BAD_PLAIN.search(v):
            return f"項目No.{f.no}（{f.name}）: フリーテキスト以外の項目にカンマ・ダブルクォート・改行は使えません（{v!r}）"
    return "カンマ・ダブルクォート・改行を含む値があります"


_FORMATTERS: dict[tuple[str, str], Any] = {}


def formatter_for(layout: Layout):
    key = (layout.prefix, layout.csv_version)
    fmt = _FORMATTERS.get(key)
    if fmt is None:
        fmt = _FORMATTERS[key] = _compile_formatter(layout)
    return fmt


def normalize_row(layout: Layout, row: Mapping[int, Any] | Sequence[Any]) -> Sequence[Any]:
    """A record as a sequence in field order. ``row`` is a dict keyed by 項目No. or a sequence."""
    n = layout.field_count
    if isinstance(row, Mapping):
        bad = [k for k in row if not (isinstance(k, int) and 1 <= k <= n)]
        if bad:
            raise RecordError(f"{layout.prefix}: 項目No.{bad[0]!r} はありません（1〜{n}）")
        return [row.get(i) for i in range(1, n + 1)]
    if isinstance(row, (str, bytes)):
        raise RecordError(f"{layout.prefix}: レコードは辞書（項目No.→値）か値の並びで指定してください")
    if len(row) != n:
        raise RecordError(f"{layout.prefix}: 項目数が{len(row)}です。{n}項目を指定してください")
    return row


def write_records(
    layout: Layout,
    rows: Iterable[Mapping[int, Any] | Sequence[Any]],
    *,
    file: str | None = None,
) -> tuple[bytes, list[Replacement]]:
    """Encode ``rows`` as one file of ``layout``. Returns ``(bytes, replacements)``.

    Values: str is written as given (free text gets quoted); None or "" = empty; date for
    YYYYMMDD/YYYYMM, time for HHMM, int for 整数, Decimal for 99.99. CSVバージョン (No.1) may be
    left None and is filled with the layout's value. Characters outside MS932 are replaced and
    reported (``file`` names the file in reports; defaults to the layout prefix).
    Raises :class:`RecordError` for a record that cannot be written at all.
    """
    fmt = formatter_for(layout)
    n = layout.field_count
    seqs = rows if isinstance(rows, list) else list(rows)
    lines = []
    append = lines.append
    try:
        for r in seqs:
            if (r.__class__ is list or r.__class__ is tuple) and len(r) == n:
                append(fmt(r))
            else:
                append(fmt(normalize_row(layout, r)))
    except RecordError as e:
        raise RecordError(f"{file or layout.prefix} {len(lines) + 1}行目 {e}") from None
    text = NEWLINE.join(lines) + NEWLINE if lines else ""
    if not chars.UNSAFE_ENCODABLE.search(text):
        try:
            return text.encode(ENCODING), []
        except UnicodeEncodeError:
            pass
    # Slow path: find the records/fields with characters outside MS932 and replace them.
    replacements: list[Replacement] = []
    label = file or layout.prefix
    for i, line in enumerate(lines):
        if chars.first_unsafe(line) is None:
            continue
        r = list(normalize_row(layout, seqs[i]))
        for f in layout.fields:
            v = r[f.no - 1]
            if isinstance(v, str):
                clean, repl = chars.sanitize(v)
                if repl:
                    r[f.no - 1] = clean
                    for orig, new in repl:
                        replacements.append(Replacement(label, i + 1, f.no, f.name, orig, new))
        lines[i] = fmt(r)
    text = NEWLINE.join(lines) + NEWLINE
    return text.encode(ENCODING), replacements


def format_record(layout: Layout, row: Mapping[int, Any] | Sequence[Any]) -> str:
    """One record as text (without the newline), before encoding."""
    return formatter_for(layout)(normalize_row(layout, row))


# --------------------------------------------------------------------------- reading

_BOMS = (
    (codecs.BOM_UTF8, "UTF-8のBOM"),
    (codecs.BOM_UTF16_LE, "UTF-16のBOM"),
    (codecs.BOM_UTF16_BE, "UTF-16のBOM"),
)
_SNIFF = 1 << 16
_CJK = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


class _Chain(io.RawIOBase):
    """A raw stream that replays an already read head and then continues with ``rest``."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(b))
        if not data:
            return 0
        n = len(data)
        b[:n] = data
        return n


def _file_finding(file: str, detail: str, code: str, record=None, line=None) -> Finding:
    return Finding(ERROR, file, record, None, None, detail, code, line)


def open_text(
    source: bytes | BinaryIO, file: str, *, lenient: bool = False, notes: list[Finding] | None = None
) -> io.TextIOBase:
    """Check the head of ``source`` and return a cp932 text stream over all of it.

    Raises :class:`StandardFileError` for a 0-byte file, a BOM, or UTF-8 content. With
    ``lenient``, UTF-8 (with or without its BOM) is read when every character of the file also
    exists in MS932; a warning saying so is appended to ``notes``. UTF-8 with a character
    outside MS932, and UTF-16, stay errors.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        stream: BinaryIO = io.BytesIO(bytes(source))
    else:
        stream = source
    head = stream.read(_SNIFF)
    if isinstance(head, str):
        raise TypeError("open the file in binary mode ('rb')")
    if not head:
        raise StandardFileError(
            [_file_finding(file, "ファイルが空（0バイト）です。1件以上のレコードが必要です。", "empty")]
        )
    for bom, what in _BOMS:
        if head.startswith(bom):
            if lenient and bom == codecs.BOM_UTF8:
                return _utf8_text(head, stream, file, notes, bom=True)
            raise StandardFileError(
                [
                    _file_finding(
                        file,
                        f"ファイルの先頭に{what}があります。BOMなしのShift-JIS(MS932)で出力してください。",
                        "bom",
                    )
                ]
            )
    if _looks_utf8(head):
        if lenient:
            return _utf8_text(head, stream, file, notes, bom=False)
        raise StandardFileError(
            [
                _file_finding(
                    file,
                    "文字コードがUTF-8のようです。Shift-JIS(MS932)で出力してください。",
                    "encoding",
                )
            ]
        )
    raw = _Chain(head, stream)
    return io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=ENCODING, errors="strict", newline="")


def _utf8_text(head: bytes, stream: BinaryIO, file: str, notes: list[Finding] | None, *, bom: bool) -> io.StringIO:
    """Tolerated reading of a UTF-8 file: only when every character also exists in MS932."""
    from .findings import WARNING

    data = head + stream.read()
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise StandardFileError(
            [
                _file_finding(
                    file,
                    f"文字コードがUTF-8のようですが、ファイルの{line}行目にUTF-8としてもShift-JIS(MS932)としても読めないバイト列があります。"
                    "文字コードを判断できないため読み込みません。Shift-JIS(MS932)で出力してください。",
                    "encoding",
                )
            ]
        ) from None
    bad = chars.first_unsafe(text.replace("\r", "").replace("\n", "").replace("\t", ""))
    if bad is not None:
        pos = text.index(bad)
        line = text.count("\n", 0, pos) + 1
        raise StandardFileError(
            [
                _file_finding(
                    file,
                    f"文字コードがUTF-8で、ファイルの{line}行目にShift-JIS(MS932)にない文字「{bad}」（U+{ord(bad):04X}）があります。"
                    "どの文字に置き換えるか決められないため読み込みません。送信元でShift-JIS(MS932)の範囲の文字にしてください。",
                    "encoding",
                )
            ]
        )
    if notes is not None:
        what = "UTF-8（BOM付き）" if bom else "UTF-8"
        notes.append(
            Finding(
                WARNING,
                file,
                None,
                None,
                None,
                f"文字コードが{what}でした（標準仕様はShift-JIS(MS932)）。すべての文字がMS932にあるため、"
                f"{'BOMを除いて' if bom else ''}UTF-8として読みました。",
                "tolerated_encoding",
            )
        )
    return io.StringIO(text, newline="")


def _looks_utf8(head: bytes) -> bool:
    if head.isascii():
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # a real error, not a character cut at the sniff boundary
            return False
        text = head[: e.start].decode("utf-8")
    try:
        head.decode(ENCODING)
        cp932_ok = True
    except UnicodeDecodeError:
        cp932_ok = False
    return not cp932_ok or bool(_CJK.search(text))


class RecordStream:
    """Iterate ``(record_no, start_line, fields, raw_text)`` from a text stream.

    ``raw_text`` is the exact text of the record including its line terminator.
    Structural problems raise :class:`StandardFileError`.
    """

    def __init__(self, text: io.TextIOBase, file: str):
        self.text = text
        self.file = file
        self.lines_read = 0

    def __iter__(self):
        buf: list[str] = []
        file = self.file

        def lines():
            for line in self.text:
                self.lines_read += 1
                buf.append(line)
                yield line

        reader = csv.reader(lines(), strict=True)
        recno = 0
        it = iter(reader)
        while True:
            start = self.lines_read + 1
            try:
                row = next(it)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise StandardFileError(
                    [
                        _file_finding(
                            file,
                            f"ファイルの{self.lines_read + 1}行目付近にShift-JIS(MS932)として読めないバイト列があります。"
                            "文字コードをShift-JIS(MS932)にしてください。",
                            "encoding",
                        )
                    ]
                ) from None
            except csv.Error as e:
                msg = str(e)
                if "unexpected end of data" in msg:
                    detail = (
                        f"ファイルの{start}行目で始まるダブルクォートが閉じられないままファイルが終わっています。"
                        "ファイルが途中で切れていないか確認してください。"
                    )
                    code = "truncated"
                elif "NUL" in msg:
                    detail = f"ファイルの{self.lines_read}行目にNUL文字があります。"
                    code = "nul"
                else:
                    detail = (
                        f"ファイルの{self.lines_read}行目のダブルクォートの使い方が正しくありません（{msg}）。"
                        'フリーテキストは"で囲み、中の"は""と2つ重ねてください。'
                    )
                    code = "quote"
                raise StandardFileError([_file_finding(file, detail, code, recno + 1)]) from None
            recno += 1
            raw = "".join(buf)
            buf.clear()
            yield recno, start, row, raw


def iter_records(source: bytes | BinaryIO, file: str = "") -> Iterator[list[str]]:
    """Raw records (lists of field strings, unquoted) of one file, streamed.

    No layout checks. Blank lines are skipped. Raises :class:`StandardFileError` for a file
    that is not readable as a whole (callers must then discard what they already got).
    """
    text = open_text(source, file)
    for _no, _line, row, _raw in RecordStream(text, file):
        if row:
            yield row


# --------------------------------------------------------------------------- typed values


def _to_date(s: str):
    if s == ZERO_DATE:
        return ZERO_DATE
    return date(int(s[0:4]), int(s[4:6]), int(s[6:8]))


def _ident(s: str):
    return s


def _converters(layout: Layout):
    out = []
    for f in layout.fields:
        if f.type == T_DATE:
            out.append(_to_date)
        elif f.type == T_INT:
            out.append(int)
        elif f.type == T_DEC:
            out.append(Decimal)
        else:
            out.append(_ident)
    return out


_TYPED: dict[tuple[str, str], list] = {}


_TYPED_FAST: dict[tuple[str, str], Any] = {}


def _compile_typed(convs: list):
    """``row -> typed list`` as one generated expression (no Python call per str field)."""
    env: dict[str, Any] = {}
    items = []
    for i, c in enumerate(convs):
        if c is _ident:
            items.append(f"r[{i}] or None")
        else:
            env[f"c{i}"] = c
            items.append(f"c{i}(r[{i}]) if r[{i}] else None")
    exec("def typed(r):\n    return [" + ", ".join(items) + "]\n", env)  # noqa: S102 - from layout data only
    return env["typed"]


def to_typed_rows(layout: Layout, rows: Sequence[Sequence[str]]) -> list[list]:
    """``[to_typed(layout, r) for r in rows]`` for rows of the layout's field count, column by
    column: each distinct value of a column is converted once."""
    n = layout.field_count
    if not rows or any(len(r) != n for r in rows):
        return [to_typed(layout, r) for r in rows]
    key = (layout.prefix, layout.csv_version)
    convs = _TYPED.get(key)
    if convs is None:
        convs = _TYPED[key] = _converters(layout)
    cols = []
    empty = {"": None}
    try:
        for c, col in zip(convs, zip(*rows)):
            if c is _ident:
                cols.append(map(empty.get, col, col))
            else:
                cache = {"": None}
                for v in set(col):
                    if v not in cache:
                        cache[v] = c(v)
                cols.append(map(cache.__getitem__, col))
    except (ValueError, InvalidOperation):
        return [to_typed(layout, r) for r in rows]  # raises the per-record message
    return list(map(list, zip(*cols)))


def to_typed(layout: Layout, row: Sequence[str]) -> list:
    """Typed values of a *validated* raw record.

    Empty → None; YYYYMMDD → datetime.date (``'00000000'`` stays a str); 整数 → int;
    99.99 → Decimal; everything else (YYYYMM, HHMM, codes, numbers with leading zeros,
    free text) → str.
    """
    key = (layout.prefix, layout.csv_version)
    convs = _TYPED.get(key)
    if convs is None:
        convs = _TYPED[key] = _converters(layout)
    try:
        if len(row) == len(convs):
            fast = _TYPED_FAST.get(key)
            if fast is None:
                fast = _TYPED_FAST[key] = _compile_typed(convs)
            return fast(row)
        return [c(v) if v != "" else None for c, v in zip(convs, row)]
    except (ValueError, InvalidOperation) as e:  # pragma: no cover - only for unvalidated input
        raise ValueError(f"{layout.prefix}: cannot convert {row!r}: {e}") from None
