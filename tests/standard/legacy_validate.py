"""FROZEN copy of linkage/standard/validate.py (and codec.to_typed) as of main 072329c, before the
performance work of issue 22. Only used by tests/standard/test_validate_differential.py as the
reference the fast validator must agree with. Do not edit.

Validation of standard CSV files, one by one and as send units.

Entry points: :func:`read_file` (one file → :class:`ParsedFile` with findings),
:func:`iter_file` (streaming typed records, raises on the first error) and
:func:`validate_files` (many files, grouped into send units by ファイル連番).
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, Iterable, Iterator

from linkage.standard.codec import (
    ZERO_DATE,
    ZERO_MONTH,
    RecordError,
    RecordStream,
    formatter_for,
    open_text,
)
from linkage.standard.codec import _converters
from decimal import InvalidOperation
from linkage.standard.filename import FileName, FileNameError, guess_prefix
from linkage.standard.findings import ERROR, WARNING, Finding, StandardFileError
from linkage.standard.layouts import (
    CSV_VERSION_32,
    CSV_VERSION_41,
    KNOWN_WRONG_CSV_VERSIONS,
    LAYOUTS,
    LAYOUTS_V32,
    LINKED_SERVICE_KINDS,
    CARE_BENEFIT_KINDS,
    CARE_LEVEL_PROGRAM_ONLY,
    CARE_LEVELS_CARE,
    CARE_LEVELS_SUPPORT,
    OFFICE_ONLY_KINDS,
    PREVENTION_BENEFIT_KINDS,
    TOLERATED_CSV_VERSIONS,
    T_ALNUM,
    T_CODE,
    T_DATE,
    T_DEC,
    T_DIGITS,
    T_FLAGS31,
    T_INT,
    T_PHONE,
    T_POSTAL,
    T_TEXT,
    T_TIME,
    T_YM,
    UNLINKED_SERVICE_KINDS,
    WELFARE_EQUIPMENT_KINDS,
    Field,
    Layout,
)

_TYPED: dict = {}


def to_typed(layout: Layout, row) -> list:
    key = (layout.prefix, layout.csv_version)
    convs = _TYPED.get(key)
    if convs is None:
        convs = _TYPED[key] = _converters(layout)
    try:
        return [c(v) if v != "" else None for c, v in zip(convs, row)]
    except (ValueError, InvalidOperation) as e:  # pragma: no cover
        raise ValueError(f"{layout.prefix}: cannot convert {row!r}: {e}") from None


MAX_PER_RULE = 50  # findings of one rule per file before they are summarised

_DIGITS = re.compile(r"[0-9]+")
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_INT = re.compile(r"-?[0-9]+")
_DEC = re.compile(r"[0-9]{1,2}\.[0-9]{2}")
_POSTAL = re.compile(r"[0-9]{3}-[0-9]{4}")
_PHONE = re.compile(r"[0-9()\-+ ]+")
_FLAGS31 = re.compile(r"[01]{31}")
_EQUIPMENT_CODE = re.compile(r"[0-9A-Za-z\-－]+")
_SUBTOTAL = re.compile(r"([0-9A-Z]{2})(AAAA|EEEE|ZZZZ)")
_PUA = re.compile("[\ue000-\uf8ff]")
TOTAL_SERVICE_CODE = "999999"
TOTAL_OFFICE = "9999999999"

_TYPE_EXPECT = {
    T_YM: "西暦の年月6桁（YYYYMM、例: 202504）",
    T_DATE: "西暦の日付8桁（YYYYMMDD、例: 20250401）",
    T_TIME: "時刻4桁（HHMM、例: 0930）",
    T_INT: "半角数字の整数",
    T_DEC: "99.99形式の数値（例: 10.21）",
    T_POSTAL: "郵便番号（XXX-XXXX）",
    T_PHONE: "電話番号",
    T_FLAGS31: "0/1の31文字",
    T_TEXT: "内容",
}


def _codes_text(values) -> str:
    return "、".join(f"{k}:{v}" for k, v in values.items())


# --------------------------------------------------------------------------- field rules
# A checker takes the (non-empty) value and returns None or (severity, code, detail).


def _field_checker(layout: Layout, f: Field):
    t, n, name = f.type, f.length, f.name
    prefix = layout.prefix

    if f.no == 1:
        expected = layout.csv_version

        def check(v):
            if v == expected:
                return None
            why = KNOWN_WRONG_CSV_VERSIONS.get(v)
            if v == CSV_VERSION_32 and expected == CSV_VERSION_41 or v == CSV_VERSION_41 and expected == CSV_VERSION_32:
                why = "このファイルの他のレコードと版が異なります"
            extra = f"（{why}）" if why else ""
            return (
                ERROR,
                "csv_version",
                f"「{v}」はCSVバージョンとして正しくありません{extra}。"
                f"{'4.1版は「202407」' if expected == CSV_VERSION_41 else '3.2版は「202208」'}を指定してください。",
            )

        return check

    if t == T_YM:
        allow_zero = prefix == "UPHOSOKU" and name == "対象年月"

        def check(v):
            if v == ZERO_MONTH and allow_zero:
                return None
            if len(v) == 6 and v.isdigit() and v.isascii() and 1 <= int(v[4:]) <= 12 and v[:4] != "0000":
                return None
            zero = "（1表・2表に紐づく場合は000000）" if allow_zero else ""
            return (ERROR, "format", f"「{v}」は年月（YYYYMM）ではありません。{_TYPE_EXPECT[T_YM]}{zero}で指定してください。")

        return check

    if t == T_DATE:
        allow_zero = prefix == "UPHOSOKU" and f.no == 4

        def check(v):
            if v == ZERO_DATE and allow_zero:
                return None
            if len(v) == 8 and v.isdigit() and v.isascii():
                try:
                    date(int(v[:4]), int(v[4:6]), int(v[6:]))
                    return None
                except ValueError:
                    pass
            zero = "（6表・7表に紐づく場合は00000000）" if allow_zero else ""
            return (
                ERROR,
                "format",
                f"「{v}」は実在する日付（YYYYMMDD）ではありません。{_TYPE_EXPECT[T_DATE]}{zero}で指定してください。",
            )

        return check

    if t == T_TIME:
        allow_9999 = bool(f.values and "9999" in f.values)

        def check(v):
            if allow_9999 and v == "9999":
                return None
            if len(v) == 4 and v.isdigit() and v.isascii():
                hh, mm = int(v[:2]), int(v[2:])
                if hh <= 23 and mm <= 59:
                    return None
                if v == "2400":
                    return (WARNING, "format", "「2400」は24時として扱われます。終了時刻は0000〜2359で指定することを推奨します。")
            alt = "、時間表示の無いサービスは9999" if allow_9999 else ""
            return (ERROR, "format", f"「{v}」は時刻（HHMM）ではありません。{_TYPE_EXPECT[T_TIME]}{alt}で指定してください。")

        return check

    if t == T_DIGITS:
        if name == "保険者番号":
            what = "保険者番号は6桁の数字（例: 131011）"
        elif n == 10:
            what = "事業所番号は10桁の数字"
        else:
            what = f"{n}桁の数字"
        fixed = None
        if f.values and len(f.values) == 1 and "固定" in next(iter(f.values.values())):
            fixed = next(iter(f.values))

        def check(v):
            if fixed is not None and v != fixed:
                return (ERROR, "fixed", f"「{v}」ではなく「{fixed}」（固定値）を指定してください。")
            if len(v) == n and v.isdigit() and v.isascii():
                return None
            return (ERROR, "format", f"「{v}」は{n}桁の数字ではありません。{what}で指定してください。")

        return check

    if t == T_ALNUM:
        if name == "被保険者番号":

            def check(v):
                if len(v) != 10:
                    return (
                        ERROR,
                        "format",
                        f"「{v}」は10桁ではありません。10桁の英数字（例: 0000012345 または H123456789）を指定してください。",
                    )
                if not (v.isascii() and _ALNUM.fullmatch(v)):
                    return (
                        ERROR,
                        "format",
                        f"「{v}」に半角英数字以外の文字があります。10桁の英数字（例: 0000012345 または H123456789）を指定してください。",
                    )
                if v[0] in "Hh" and not (v[0] == "H" and v[1:].isdigit()):
                    return (
                        ERROR,
                        "format",
                        f"「{v}」は生保単独の被保険者番号の形式ではありません。先頭H＋数字9桁（例: H123456789）で指定してください。",
                    )
                return None

            return check
        exact = name in ("サービスコード", "サービス種類コード") or name.endswith("サービス種類コード")
        is_equipment = name in ("TAISコード", "福祉用具届出コード")
        is_unused = name == "識別子"

        def check(v):
            if is_unused:
                return (WARNING, "unused", f"「{v}」: この項目は使用しません（※使用しない）。空にしてください。")
            if is_equipment:
                ok = len(v) <= n and _EQUIPMENT_CODE.fullmatch(v) is not None
                if not ok:
                    return (ERROR, "format", f"「{v}」は{n}文字以内の英数字・ハイフン（例: 00001-000010）ではありません。")
                return None
            ok = v.isascii() and _ALNUM.fullmatch(v) is not None and (len(v) == n if exact else len(v) <= n)
            if ok:
                return None
            size = f"{n}桁" if exact else f"{n}桁以内"
            return (ERROR, "format", f"「{v}」は{size}の半角英数字ではありません。{size}の半角英数字で指定してください。")

        return check

    if t == T_CODE:
        values = f.values or {}

        def check(v):
            if v in values:
                return None
            return (
                ERROR,
                "code",
                f"「{v}」は{name}のコードにありません。{_codes_text(values)} のいずれかを指定してください。",
            )

        return check

    if t == T_INT:
        allow_negative = "単位数" in name

        def check(v):
            if not (v.isascii() and _INT.fullmatch(v)):
                return (ERROR, "format", f"「{v}」は整数ではありません。半角数字（区切り記号なし、例: 1234）で指定してください。")
            if v.startswith("-") and not allow_negative:
                return (ERROR, "format", f"「{v}」: この項目にマイナスの値は指定できません。")
            digits = len(v.lstrip("-"))
            if n is not None and digits > n:
                return (ERROR, "length", f"「{v}」は{n}桁を超えています。{n}桁以内の整数で指定してください。")
            return None

        return check

    if t == T_DEC:

        def check(v):
            if v.isascii() and _DEC.fullmatch(v):
                return None
            return (ERROR, "format", f"「{v}」は99.99形式ではありません。整数部2桁以内・小数部2桁（例: 10.21）で指定してください。")

        return check

    if t == T_POSTAL:

        def check(v):
            if v.isascii() and _POSTAL.fullmatch(v):
                return None
            return (ERROR, "format", f"「{v}」は郵便番号の形式ではありません。XXX-XXXX（例: 100-0001）で指定してください。")

        return check

    if t == T_PHONE:

        def check(v):
            if len(v) > n:
                return (ERROR, "length", f"「{v}」は{n}文字を超えています。{n}文字以内で指定してください。")
            if not (v.isascii() and _PHONE.fullmatch(v)):
                return (WARNING, "format", f"「{v}」に半角数字・ハイフン以外の文字があります。")
            return None

        return check

    if t == T_FLAGS31:

        def check(v):
            if _FLAGS31.fullmatch(v):
                return None
            return (
                ERROR,
                "format",
                f"「{v}」は日割対象日の形式ではありません。1日から順に31文字の0/1で、日割請求可能日を1とします"
                "（例: 1111100000000000000000000000000）。日割り以外は空にしてください。",
            )

        return check

    # T_TEXT
    return None


@dataclass
class _Rules:
    layout: Layout
    checks: list  # (index, field, checker or None)
    required: list  # (index, field, severity)
    text_idx: list


_RULES: dict[tuple[str, str], _Rules] = {}


def _rules(layout: Layout) -> _Rules:
    key = (layout.prefix, layout.csv_version)
    r = _RULES.get(key)
    if r is None:
        checks = [(f.no - 1, f, _field_checker(layout, f)) for f in layout.fields]
        required = [
            (f.no - 1, f, ERROR if f.required else WARNING) for f in layout.fields if f.required is not False
        ]
        text_idx = [f.no - 1 for f in layout.fields if f.is_text]
        r = _RULES[key] = _Rules(layout, [c for c in checks if c[2] is not None], required, text_idx)
    return r


# --------------------------------------------------------------------------- quoting check

_TOKEN = re.compile(r'"((?:[^"]|"")*)"|([^,\r\n]*)')


def _quoted_flags(raw: str) -> list[bool]:
    body = raw[:-2] if raw.endswith("\r\n") else raw[:-1] if raw.endswith(("\n", "\r")) else raw
    flags = []
    pos = 0
    end = len(body)
    while True:
        m = _TOKEN.match(body, pos)
        flags.append(m.group(1) is not None)
        pos = m.end()
        if pos >= end or body[pos] != ",":
            break
        pos += 1
        if pos == end:
            flags.append(False)
            break
    return flags


# --------------------------------------------------------------------------- per-file checking


@dataclass
class ParsedFile:
    """One file as read and checked.

    ``rows`` holds the raw field strings of every data record (empty when the file could not
    be read as a whole); ``row_numbers`` their record numbers. ``records`` gives typed values
    and raises :class:`StandardFileError` when the file has errors.
    """

    name: str
    file_name: FileName | None
    layout: Layout | None
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    canonical: bool = True  # byte-identical to what write_records would produce
    lenient: bool = False  # read with the tolerant rules (see read_file)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def ok(self) -> bool:
        return self.layout is not None and not self.errors

    @property
    def records(self) -> list[list]:
        if not self.ok:
            raise StandardFileError(self.errors or [Finding(ERROR, self.name, None, None, None, "レイアウト不明")])
        return [to_typed(self.layout, r) for r in self.rows]

    def dicts(self) -> list[dict[int, object]]:
        """Typed records keyed by 項目No."""
        return [dict(enumerate(r, start=1)) for r in self.records]


class FileChecker:
    """Stateful checks of one file, fed record by record (streaming)."""

    def __init__(self, display: str, file_name: FileName | None, prefix: str | None, *, lenient: bool = False):
        self.display = display
        self.file_name = file_name
        self.prefix = prefix
        self.lenient = lenient
        self._tolerated_version: list | None = None  # [record, line, count] of a tolerated CSVバージョン
        self._unquoted: dict[int, list] = {}  # field index -> [record, line, count, value] of tolerated unquoted text
        self._unquoted_bad: dict[int, list] = {}  # the same for unquoted text with a " (ambiguous: an error)
        self.layout: Layout | None = None
        self.findings: list[Finding] = []
        self._counts: dict[str, int] = defaultdict(int)
        self.canonical = True
        self._version: str | None = None
        self._month: str | None = None
        self._fmt = None
        self._rules: _Rules | None = None
        self._seen_data = False
        # state for finish()
        self._sikyu: list = []
        self._kyo2: list = []
        self._plan_users: dict = {}
        if file_name is not None:
            self._check_name()

    # ---- helpers
    def add(self, severity, code, detail, record=None, f: Field | None = None, line=None):
        key = f"{severity}:{code}"
        self._counts[key] += 1
        if self._counts[key] > MAX_PER_RULE:
            return
        self.findings.append(
            Finding(severity, self.display, record, f.no if f else None, f.name if f else None, detail, code, line)
        )

    def _summarise(self):
        for key, n in self._counts.items():
            if n > MAX_PER_RULE:
                severity, code = key.split(":", 1)
                self.findings.append(
                    Finding(
                        severity, self.display, None, None, None,
                        f"同じ種類の指摘（{code}）がほかに{n - MAX_PER_RULE}件あります。", code,
                    )
                )

    def _check_name(self):
        fn = self.file_name
        if fn.extension != "CSV":
            self.add(
                WARNING, "extension",
                f"ファイル名の拡張子が「.{fn.extension}」です（標準仕様は「.CSV」）。大文字・小文字の違いだけのため、.CSVとして読みました。",
            )
        for office, what in ((fn.sender_office, "送信元"), (fn.recipient_office, "送信先")):
            if len(office) != 10:
                self.add(ERROR, "name", f"ファイル名の{what}事業所番号「{office}」が10桁ではありません。10桁の数字にしてください。")
        for kind, what in ((fn.sender_kind, "送信元"), (fn.recipient_kind, "送信先")):
            if kind is None:
                continue
            if kind in UNLINKED_SERVICE_KINDS:
                self.add(
                    WARNING, "name",
                    f"ファイル名の{what}サービス種類コード「{kind}」（{UNLINKED_SERVICE_KINDS[kind]}）は連携対象外のサービス種類です。",
                )
            elif kind not in LINKED_SERVICE_KINDS and kind not in OFFICE_ONLY_KINDS:
                self.add(WARNING, "name", f"ファイル名の{what}サービス種類コード「{kind}」は既知のサービス種類コードではありません。")
        if fn.month is not None and fn.month != ZERO_MONTH:
            m = fn.month
            if not (1 <= int(m[4:]) <= 12):
                self.add(ERROR, "name", f"ファイル名の年月「{m}」は正しい年月（YYYYMM）ではありません。")
        if fn.month == ZERO_MONTH and fn.prefix != "UPHOSOKU":
            self.add(ERROR, "name", f"ファイル名の年月「000000」は利用者補足情報（UPHOSOKU）でのみ使えます。{fn.prefix}は対象年月を指定してください。")

    def _choose_layout(self, version_value: str):
        prefix = self.prefix
        fn = self.file_name
        if version_value == CSV_VERSION_32 and prefix in LAYOUTS_V32:
            layout = LAYOUTS_V32[prefix]
        elif version_value == CSV_VERSION_41:
            layout = LAYOUTS[prefix]
        elif fn is not None and fn.version == 3 and prefix in LAYOUTS_V32:
            layout = LAYOUTS_V32[prefix]
        else:
            layout = LAYOUTS[prefix]
        if version_value == CSV_VERSION_32 and prefix not in LAYOUTS_V32:
            self.add(ERROR, "csv_version", f"{prefix}は4.0版以降のファイルです。CSVバージョンは「202407」を指定してください。")
        if fn is not None:
            if fn.version == 4 and layout.version == 3:
                self.add(
                    ERROR, "name_version",
                    "ファイル名は4.1形式（サービス種類コード付き）ですが、内容はCSVバージョン202208（3.2版）です。"
                    "4.1版のレイアウト（CSVバージョン202407）で作成するか、3.2形式のファイル名にしてください。",
                )
            elif fn.version == 3 and layout.version == 4:
                self.add(
                    ERROR, "name_version",
                    "ファイル名は3.2形式（サービス種類コードなし）ですが、内容はCSVバージョン202407（4.1版）です。"
                    "4.1形式のファイル名（送信元・送信先のサービス種類コード付き）にしてください。",
                )
        self.layout = layout
        self._fmt = formatter_for(layout)
        self._rules = _rules(layout)

    # ---- per record
    def record(self, recno: int, line: int, row: list[str], raw: str) -> bool:
        """Check one record. Returns True when it is a data record to keep."""
        if not row:
            self.add(WARNING, "blank", "空行があります（読み飛ばしました）。", recno, line=line)
            return False
        if self.prefix is None:
            return True
        if not self._seen_data:
            first = row[0]
            if recno == 1 and not any(c.isdigit() for c in first):
                self.add(
                    ERROR, "header",
                    f"1行目「{first[:20]}…」は見出し行のようです。標準仕様のCSVに見出し行は付けません。", recno, line=line,
                )
                return False
            self._seen_data = True
            self._version = first
            if (self.lenient and first in TOLERATED_CSV_VERSIONS
                    and not (self.file_name is not None and self.file_name.version == 3)):
                self._tolerated_version = [recno, line, 0]
                self._choose_layout(CSV_VERSION_41)
            else:
                self._choose_layout(first)
        layout = self.layout
        n = layout.field_count
        if len(row) != n:
            self.canonical = False
            self.add(
                ERROR, "field_count",
                f"項目数が{len(row)}です。{layout.prefix}（CSVバージョン{layout.csv_version}）は{n}項目です"
                "（空の項目もカンマで区切って出力してください）。",
                recno, line=line,
            )
            return True
        # canonical form / quoting
        try:
            same = self._fmt(row) == raw.rstrip("\r\n") and raw.endswith("\r\n")
        except RecordError:
            same = False
        if not same:
            self.canonical = False
            if len(raw) > 0 and not raw.endswith("\r\n") and raw.endswith("\n"):
                pass  # LF line ends are accepted
            flags = _quoted_flags(raw)
            if len(flags) == n:
                for i in self._rules.text_idx:
                    if row[i] and not flags[i]:
                        self._unquoted_text(recno, line, i, row[i])
        # version consistency
        if self._tolerated_version is not None and row[0] == self._version:
            self._tolerated_version[2] += 1
        if row[0] != self._version:
            self.add(
                ERROR, "mixed_version",
                f"1ファイルに複数のCSVバージョン（「{self._version}」と「{row[0]}」）が混在しています。1ファイルのCSVバージョンは1つにしてください。",
                recno, layout.fields[0], line,
            )
        # field rules
        for i, f, sev in self._rules.required:
            if row[i] == "":
                if sev == ERROR:
                    self.add(ERROR, "required", f"必須項目が空です。{_TYPE_EXPECT.get(f.type, '値')}を指定してください。", recno, f, line)
                else:
                    self.add(WARNING, "required", "必須と思われる項目が空です（仕様書の必須欄の位置が不明瞭な項目）。", recno, f, line)
        for i, f, check in self._rules.checks:
            v = row[i]
            if v == "" or (i == 0 and (row[0] != self._version or self._tolerated_version is not None)):
                continue
            res = check(v)
            if res is not None:
                self.add(res[0], res[1], res[2], recno, f, line)
        if _PUA.search(raw):
            for i, v in enumerate(row):
                m = _PUA.search(v)
                if m:
                    self.add(
                        ERROR, "gaiji",
                        f"外字（U+{ord(m.group()):04X}）が含まれています。外字は使えません。MS932の範囲内の文字に置き換えてください。",
                        recno, layout.fields[i], line,
                    )
        self._semantic(recno, line, row)
        return True

    def _unquoted_text(self, recno, line, i, value):
        f = self.layout.fields[i]
        if not self.lenient:
            self.add(
                ERROR, "unquoted_text",
                "フリーテキストが\"（ダブルクォート）で囲まれていません。フリーテキストは常に\"で囲んでください。",
                recno, f, line,
            )
        elif '"' in value:
            hit = self._unquoted_bad.setdefault(i, [recno, line, 0, value])
            hit[2] += 1
        else:
            hit = self._unquoted.setdefault(i, [recno, line, 0, value])
            hit[2] += 1

    def _tolerance_findings(self):
        """One warning per tolerated deviation (where it first occurs, how often, what was assumed)."""
        if self._tolerated_version is not None and self._tolerated_version[2]:
            recno, line, count = self._tolerated_version
            v = self._version
            self.add(
                WARNING, "tolerated_csv_version",
                f"CSVバージョン「{v}」は{TOLERATED_CSV_VERSIONS[v]}で、4.1版の正しい値は「202407」です。"
                f"項目数が4.1版のレイアウトと一致するため、全{count}行を4.1版（202407）として読みました。",
                recno, self.layout.fields[0], line,
            )
        for i, (recno, line, count, value) in sorted(self._unquoted_bad.items()):
            others = f"（この項目はほかに{count - 1}行も同じ）" if count > 1 else ""
            self.add(
                ERROR, "unquoted_text",
                f"フリーテキスト「{value[:30]}」が\"で囲まれておらず、途中に\"があります{others}。"
                "どこまでが値か判断できないため読み込みません。フリーテキストは\"で囲み、中の\"は\"\"と2つ重ねてください。",
                recno, self.layout.fields[i], line,
            )
        for i, (recno, line, count, value) in sorted(self._unquoted.items()):
            f = self.layout.fields[i]
            others = f"（この項目はほかに{count - 1}行も同じ）" if count > 1 else ""
            self.add(
                WARNING, "tolerated_unquoted_text",
                f"フリーテキストが\"で囲まれていません{others}。カンマ・改行・\"を含まないため、"
                f"書かれた文字列（例:「{value[:30]}」）をそのまま値として読みました。",
                recno, f, line,
            )

    # ---- layout specific rules
    def _semantic(self, recno, line, row):
        layout = self.layout
        p = layout.prefix
        fn = self.file_name
        F = layout.field
        no = layout.no
        if p in ("UPPLAN", "UPJSK", "UPSIKYU", "DLTPLAN", "DLTJSK", "UPHOSOKU"):
            month_no = no("削除対象年月") if p.startswith("DLT") else no("対象年月")
            mv = row[month_no - 1]
            if self._month is None:
                self._month = mv
            elif mv != self._month and p != "UPHOSOKU":
                self.add(
                    ERROR, "single_month",
                    f"対象年月「{mv}」が1件目の「{self._month}」と異なります。1ファイルには1か月分のサービス提供年月のみを入れてください。",
                    recno, F(month_no), line,
                )
            if fn is not None and fn.month is not None and mv != fn.month:
                self.add(
                    ERROR, "name_month",
                    f"「{mv}」がファイル名の年月「{fn.month}」と一致しません。",
                    recno, F(month_no), line,
                )
        if p == "UPHOSOKU":
            d4, m63 = row[3], row[62]
            mode_plan = (fn.month == ZERO_MONTH) if fn is not None and fn.month else (m63 == ZERO_MONTH)
            if mode_plan:
                if d4 == ZERO_DATE:
                    self.add(
                        ERROR, "hosoku_mode",
                        "1表・2表に紐づく利用者補足情報（提供年月000000）では、居宅サービス計画作成（変更）日を指定してください（00000000は6表・7表に紐づく場合のみ）。",
                        recno, F(4), line,
                    )
                if m63 != ZERO_MONTH and m63 != "":
                    self.add(
                        ERROR, "hosoku_mode",
                        f"1表・2表に紐づく利用者補足情報では対象年月は「000000」です（「{m63}」になっています）。",
                        recno, F(63), line,
                    )
            else:
                if d4 != ZERO_DATE and d4 != "":
                    self.add(
                        ERROR, "hosoku_mode",
                        f"6表・7表に紐づく利用者補足情報では居宅サービス計画作成（変更）日は「00000000」です（「{d4}」になっています）。",
                        recno, F(4), line,
                    )
                if m63 == ZERO_MONTH:
                    self.add(ERROR, "hosoku_mode", "6表・7表に紐づく利用者補足情報では対象年月を指定してください（000000は1表・2表に紐づく場合のみ）。", recno, F(63), line)
        elif p in ("UPPLAN", "UPJSK"):
            self._check_schedule(recno, line, row)
        elif p == "UPSIKYU":
            self._check_sikyu(recno, line, row)
        elif p == "UP2KYO":
            self._kyo2.append((recno, line, row))
        elif p == "UP1KYO" and fn is not None:
            if row[12] and row[12] != fn.sender_office:
                self.add(
                    WARNING, "name_office",
                    f"介護支援事業者コード「{row[12]}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。",
                    recno, F(13), line,
                )
        elif p == "DLTJSK":
            kind = row[5]
            if kind in UNLINKED_SERVICE_KINDS:
                self.add(ERROR, "unlinked", f"サービス種類「{kind}」（{UNLINKED_SERVICE_KINDS[kind]}）は連携対象外です。", recno, F(6), line)
            if fn is not None:
                if row[4] and row[4] != fn.sender_office:
                    self.add(
                        ERROR, "name_office",
                        f"サービス事業者コード「{row[4]}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。実績削除は送信元事業所の分だけを送ります。",
                        recno, F(5), line,
                    )
                if fn.sender_kind and kind and kind != fn.sender_kind:
                    self.add(
                        WARNING, "name_kind",
                        f"サービス種類コード「{kind}」がファイル名の送信元サービス種類コード「{fn.sender_kind}」と異なります。",
                        recno, F(6), line,
                    )

    def _check_kind(self, recno, line, f: Field, code: str):
        kind = code[:2]
        if kind in UNLINKED_SERVICE_KINDS:
            self.add(
                ERROR, "unlinked",
                f"サービスコード「{code}」のサービス種類「{kind}」（{UNLINKED_SERVICE_KINDS[kind]}）は連携対象外です。このサービスのレコードは出力しないでください。",
                recno, f, line,
            )
        elif kind not in LINKED_SERVICE_KINDS and len(code) == 6:
            self.add(WARNING, "unknown_kind", f"サービスコード「{code}」のサービス種類「{kind}」は既知のサービス種類ではありません。", recno, f, line)
        return kind

    def _check_schedule(self, recno, line, row):
        layout = self.layout
        no = layout.no
        F = layout.field
        fn = self.file_name
        month = row[no("対象年月") - 1]
        used = row[no("サービス利用日") - 1]
        if len(month) == 6 and len(used) == 8 and used.isdigit() and not used.startswith(month):
            self.add(
                ERROR, "use_date_month",
                f"サービス利用日「{used}」が対象年月「{month}」の日付ではありません。",
                recno, F(no("サービス利用日")), line,
            )
        if (fn is not None and fn.month and month != fn.month and len(used) == 8 and used.isdigit()
                and not used.startswith(fn.month)):
            self.add(
                ERROR, "use_date_name_month",
                f"サービス利用日「{used}」がファイル名の年月「{fn.month}」の日付ではありません。1ファイルには1か月分のサービスだけを入れてください。",
                recno, F(no("サービス利用日")), line,
            )
        flags = row[no("日割対象日") - 1]
        if flags and _FLAGS31.fullmatch(flags) and month.isdigit() and len(month) == 6 and 1 <= int(month[4:]) <= 12:
            days = calendar.monthrange(int(month[:4]), int(month[4:]))[1]
            if "1" in flags[days:]:
                self.add(
                    WARNING, "flags_days",
                    f"日割対象日に{month[:4]}年{int(month[4:])}月にない日（{days + 1}日以降）が1になっています。",
                    recno, F(no("日割対象日")), line,
                )
        start, end = row[no("サービス開始時刻") - 1], row[no("サービス終了時刻") - 1]
        if (start == "9999") != (end == "9999") and start and end:
            self.add(
                WARNING, "time_pair",
                "サービス開始時刻とサービス終了時刻の一方だけが9999（時間表示の無いサービス）です。",
                recno, F(no("サービス開始時刻")), line,
            )
        code = row[no("サービスコード") - 1]
        kind = self._check_kind(recno, line, F(no("サービスコード")), code) if code else ""
        if layout.version == 4 and kind in WELFARE_EQUIPMENT_KINDS:
            tais, todoke = row[no("TAISコード") - 1], row[no("福祉用具届出コード") - 1]
            if not tais and not todoke:
                self.add(
                    ERROR, "equipment_code",
                    f"福祉用具貸与（サービス種類{kind}）ではTAISコードまたは福祉用具届出コードのどちらかを指定してください。",
                    recno, F(no("TAISコード")), line,
                )
        detail_no = no("明細判別コード")
        if row[detail_no - 1] and kind and kind not in WELFARE_EQUIPMENT_KINDS:
            self.add(
                ERROR, "detail_code",
                "明細判別コードは福祉用具貸与（17）以外では空（Null）にしてください。", recno, F(detail_no), line,
            )
        office_no = no("サービス事業者コード")
        office = row[office_no - 1]
        if fn is not None and layout.prefix == "UPJSK" and office and office != fn.sender_office:
            self.add(
                ERROR, "name_office",
                f"サービス事業者コード「{office}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。実績は送信元事業所のサービスだけを送ります。",
                recno, F(office_no), line,
            )
        if fn is not None and layout.prefix == "UPPLAN":
            plan_office = row[no("プラン担当業者コード") - 1]
            if plan_office and plan_office != fn.sender_office:
                self.add(
                    WARNING, "name_office",
                    f"プラン担当業者コード「{plan_office}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。",
                    recno, F(no("プラン担当業者コード")), line,
                )
            user = (row[1], row[2], month)
            hit = self._plan_users.setdefault(user, [recno, line, False])
            if office == fn.recipient_office:
                hit[2] = True

    def _check_sikyu(self, recno, line, row):
        layout = self.layout
        no = layout.no
        F = layout.field
        code = row[no("サービスコード") - 1]
        office = row[no("サービス事業所コード") - 1]
        units_no = no("単位数")
        if code == TOTAL_SERVICE_CODE or _SUBTOTAL.fullmatch(code):
            is_total = code == TOTAL_SERVICE_CODE
            what = "全合計" if is_total else "種類別小計"
            if is_total and office != TOTAL_OFFICE:
                self.add(
                    ERROR, "total_row",
                    f"全合計行（サービスコード999999）のサービス事業所コードは「9999999999」です（「{office}」になっています）。",
                    recno, F(no("サービス事業所コード")), line,
                )
            if row[units_no - 1] != "0":
                self.add(ERROR, "total_row", f"{what}行の単位数は「0」固定です（「{row[units_no - 1]}」になっています）。", recno, F(units_no), line)
            for name in ("割引後率", "割引後単位数"):
                i = no(name)
                if row[i - 1] != "":
                    self.add(ERROR, "total_row", f"{what}行の{name}は空（Null）固定です（「{row[i - 1]}」になっています）。", recno, F(i), line)
            if not is_total:
                self._check_kind(recno, line, F(no("サービスコード")), code)
            kind = "TOTAL" if is_total else "S:" + code
        else:
            if office == TOTAL_OFFICE:
                self.add(
                    ERROR, "total_row",
                    f"サービス事業所コード「9999999999」は全合計行専用です。サービスコード「{code}」の行には事業所番号を指定してください。",
                    recno, F(no("サービス事業所コード")), line,
                )
            kind = self._check_kind(recno, line, F(no("サービスコード")), code) if code else ""
            if layout.version == 4 and kind in WELFARE_EQUIPMENT_KINDS:
                if not row[no("TAISコード") - 1] and not row[no("福祉用具届出コード") - 1]:
                    self.add(
                        ERROR, "equipment_code",
                        f"福祉用具貸与（サービス種類{kind}）ではTAISコードまたは福祉用具届出コードのどちらかを指定してください。",
                        recno, F(no("TAISコード")), line,
                    )
            kind = "D:" + kind
        self._sikyu.append((recno, line, row[1], row[2], row[no("対象年月") - 1], office, code, kind))

    # ---- whole-file rules
    def finish(self) -> list[Finding]:
        if self.layout is not None:
            self._tolerance_findings()
            p = self.layout.prefix
            if p == "UPSIKYU":
                self._finish_sikyu()
            elif p == "UP2KYO":
                self._finish_kyo2()
            elif p == "UPPLAN" and self.file_name is not None:
                for (ins, num, month), (recno, line, hit) in self._plan_users.items():
                    if not hit:
                        self.add(
                            WARNING, "recipient_unrelated",
                            f"被保険者番号「{num}」の利用者には送信先事業所（{self.file_name.recipient_office}）のサービスがありません。"
                            "送信先に関係のない利用者は送信しないでください。",
                            recno, line=line,
                        )
        elif self.prefix is not None and not self._seen_data:
            self.add(ERROR, "no_records", "データレコードがありません。")
        self._summarise()
        return self.findings

    def _finish_sikyu(self):
        users: dict[tuple, list] = defaultdict(list)
        for rec in self._sikyu:
            users[(rec[2], rec[3], rec[4])].append(rec)
        for (ins, num, month), recs in users.items():
            totals = [r for r in recs if r[7] == "TOTAL"]
            first = recs[0]
            if not totals:
                self.add(
                    ERROR, "total_missing",
                    f"被保険者番号「{num}」（対象年月{month}）の全合計行がありません。サービスコード「999999」、サービス事業所コード「9999999999」の行を必ず出力してください。",
                    first[0], line=first[1],
                )
            elif len(totals) > 1:
                self.add(ERROR, "total_duplicate", f"被保険者番号「{num}」（対象年月{month}）の全合計行が{len(totals)}行あります。1行にしてください。", totals[1][0], line=totals[1][1])
            details: dict[tuple, list] = defaultdict(list)
            for r in recs:
                if r[7].startswith("D:") and r[7] != "D:":
                    details[(r[5], r[7][2:])].append(r)
            subtotals = {(r[5], r[6][:2]) for r in recs if r[6].endswith("AAAA") and r[7] != "TOTAL"}
            sub_kinds = {k for _o, k in subtotals}
            for (office, kind), ds in details.items():
                if len(ds) >= 2 and (office, kind) not in subtotals and kind not in sub_kinds:
                    self.add(
                        ERROR, "subtotal_missing",
                        f"被保険者番号「{num}」の事業所「{office}」サービス種類「{kind}」は{len(ds)}行ありますが、区分支給対象種類別小計（サービスコード「{kind}AAAA」）の行がありません。",
                        ds[0][0], line=ds[0][1],
                    )

    def _finish_kyo2(self):
        layout = self.layout
        F = layout.field
        i_issue, i_goal, i_item = layout.no("課題ＮＯ") - 1, layout.no("援助目標ＮＯ") - 1, layout.no("援助内容ＮＯ") - 1
        i_issue_text = layout.no("課題") - 1
        plans: dict[tuple, list] = defaultdict(list)
        for rec in self._kyo2:
            row = rec[2]
            plans[(row[1], row[2], row[4])].append(rec)
        for key, recs in plans.items():
            prev = None
            seen = set()
            prev_issue = None
            for recno, line, row in recs:
                try:
                    triple = tuple(int(row[i]) for i in (i_issue, i_goal, i_item))
                except ValueError:
                    continue  # empty / invalid numbers are reported by the field rules
                for i, v in zip((i_issue, i_goal, i_item), triple):
                    if not 1 <= v <= 99:
                        self.add(ERROR, "kyo2_range", f"「{v}」は1〜99の範囲外です。", recno, F(i + 1), line)
                if triple in seen:
                    self.add(
                        ERROR, "kyo2_duplicate",
                        f"課題ＮＯ・援助目標ＮＯ・援助内容ＮＯの組（{triple[0]}-{triple[1]}-{triple[2]}）が重複しています。",
                        recno, line=line,
                    )
                elif prev is not None and triple < prev:
                    self.add(
                        ERROR, "kyo2_order",
                        f"課題ＮＯ・援助目標ＮＯ・援助内容ＮＯ（{triple[0]}-{triple[1]}-{triple[2]}）が前の行（{prev[0]}-{prev[1]}-{prev[2]}）より小さくなっています。"
                        "課題ＮＯ、援助目標ＮＯ、援助内容ＮＯの順に並べ、帳票の出力順にしてください。",
                        recno, line=line,
                    )
                if triple[0] != prev_issue and not row[i_issue_text]:
                    self.add(
                        WARNING, "kyo2_issue_text",
                        f"課題ＮＯ {triple[0]} の最初の行の課題が空です。同じ課題ＮＯの最初の行には課題を記載してください。",
                        recno, F(i_issue_text + 1), line,
                    )
                seen.add(triple)
                prev = max(prev, triple) if prev else triple
                prev_issue = triple[0]


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


def read_file(name: str, source: bytes | BinaryIO, *, lenient: bool = False) -> ParsedFile:
    """Read and check one file. Never raises for bad content; see ``ParsedFile.findings``.

    ``source`` is the file's bytes or a binary file object (read once, incrementally).
    ``lenient`` is the tolerant reading used on import: the deviations other software makes
    when their meaning is unambiguous (a mislabelled 4.x CSVバージョン, unquoted free text
    without commas/quotes/newlines, UTF-8 whose characters all exist in MS932) become
    warnings that say what was assumed; everything else is checked as strictly as without it.
    """
    checker, _ = _start(name, lenient)
    pf = ParsedFile(checker.display, checker.file_name, None)
    pf.lenient = lenient
    try:
        text = open_text(source, checker.display, lenient=lenient, notes=checker.findings)
        for recno, line, row, raw in RecordStream(text, checker.display):
            if checker.record(recno, line, row, raw):
                pf.rows.append(row)
                pf.row_numbers.append(recno)
        checker.finish()
    except StandardFileError as e:
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


# --------------------------------------------------------------------------- send units

#: unit kind → (allowed prefixes, prefixes of which at least one is required, description)
UNIT_KINDS = {
    "plan": ({"UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU"}, {"UP1KYO"}, "計画書（1表・2表・3表・利用者補足情報）"),
    "schedule": ({"UPPLAN", "UPSIKYU", "UPHOSOKU"}, {"UPPLAN"}, "利用票（6表・7表・利用者補足情報）"),
    "plan_delete": ({"DLT1KYO"}, {"DLT1KYO"}, "計画書第1表_削除"),
    "schedule_delete": ({"DLTPLAN"}, {"DLTPLAN"}, "第6表（サービス利用票）削除"),
    "actual": ({"UPJSK"}, {"UPJSK"}, "実績情報"),
    "actual_delete": ({"DLTJSK"}, {"DLTJSK"}, "実績情報_削除"),
    "prevention": (
        {"UPKIHON", "UPKIHON_SUB1", "UPKIHON_SUB2", "UPYOBO", "UPYOBO_SUB"},
        {"UPKIHON", "UPYOBO"},
        "利用者基本情報・介護予防サービス・支援計画書",
    ),
    "prevention_basic_delete": ({"DLTKIHON"}, {"DLTKIHON"}, "利用者基本情報_削除"),
    "prevention_plan_delete": ({"DLTYOBO"}, {"DLTYOBO"}, "介護予防サービス・支援計画書_削除"),
}
#: files §d-2 requires besides the parent (missing → the unit is incomplete: error). 3.2 plan units
#: (vol.1156) have no 3表.
_REQUIRED = {"plan": {"UP2KYO", "UP3KYO", "UPHOSOKU"}, "schedule": {"UPSIKYU", "UPHOSOKU"}}
#: (child prefix, child key field Nos) → (parent prefix, parent key field Nos)
_LINKS = {
    "plan": [
        ("UP2KYO", (2, 3, 5), "UP1KYO", (2, 3, 14)),
        ("UP3KYO", (2, 3, 5), "UP1KYO", (2, 3, 14)),
        ("UPHOSOKU", (2, 3, 4), "UP1KYO", (2, 3, 14)),
    ],
    "schedule": [
        ("UPSIKYU", (2, 3, 5), "UPPLAN", (2, 3, 5)),
        ("UPHOSOKU", (2, 3, 63), "UPPLAN", (2, 3, 5)),
    ],
    "prevention": [
        ("UPKIHON_SUB1", (2, 3, 4), "UPKIHON", (2, 3, 4)),
        ("UPKIHON_SUB2", (2, 3, 4), "UPKIHON", (2, 3, 4)),
        ("UPYOBO_SUB", (2, 3, 4), "UPYOBO", (2, 3, 4)),
    ],
}
_PARENT_NAMES = {"UP1KYO": "居宅サービス計画1表", "UPPLAN": "第6表（サービス利用票）", "UPKIHON": "利用者基本情報", "UPYOBO": "介護予防サービス・支援計画書"}


def unit_kind_of(prefixes: Iterable[str], hosoku_month: str | None = None) -> str | None:
    """The send-unit kind that allows all ``prefixes`` (None when they cannot form one unit)."""
    ps = set(prefixes)
    if ps == {"UPHOSOKU"}:
        return "plan" if hosoku_month == ZERO_MONTH else "schedule"
    for kind, (allowed, _req, _d) in UNIT_KINDS.items():
        if ps <= allowed:
            if "UPHOSOKU" in ps and hosoku_month is not None:
                if kind == "plan" and hosoku_month != ZERO_MONTH:
                    continue
                if kind == "schedule" and hosoku_month == ZERO_MONTH:
                    continue
            return kind
    return None


def _unit_label(fn: FileName) -> str:
    s = f"{fn.sender_office}_{fn.sender_kind}" if fn.sender_kind else fn.sender_office
    r = f"{fn.recipient_office}_{fn.recipient_kind}" if fn.recipient_kind else fn.recipient_office
    return f"送信単位 ファイル連番{fn.sequence}（{s}→{r}）"


def check_unit(files: list[ParsedFile], *, lenient: bool = False) -> list[Finding]:
    """Cross-file rules for the files of one send unit (same route and ファイル連番).

    With ``lenient`` (import), rules whose breach leaves the data usable are warnings."""
    out: list[Finding] = []
    fn0 = files[0].file_name
    label = _unit_label(fn0)
    by_prefix: dict[str, list[ParsedFile]] = defaultdict(list)
    for pf in files:
        by_prefix[pf.file_name.prefix].append(pf)
    for prefix, pfs in by_prefix.items():
        if len(pfs) > 1:
            names = "、".join(p.name for p in pfs)
            out.append(
                Finding(
                    ERROR, label, None, None, None,
                    f"同じファイル連番の{prefix}ファイルが{len(pfs)}個あります（{names}）。"
                    "1つの送信単位に同じ種類のファイルは1つです。別の送信単位には別のファイル連番を付けてください。",
                    "sequence_duplicate",
                )
            )
    hosoku = by_prefix.get("UPHOSOKU")
    hosoku_month = hosoku[0].file_name.month if hosoku else None
    kind = unit_kind_of(by_prefix, hosoku_month)
    if kind is None:
        names = "、".join(sorted(by_prefix))
        out.append(
            Finding(
                ERROR, label, None, None, None,
                f"同じファイル連番に、1つの送信単位にできない組み合わせのファイル（{names}）があります。"
                "送信単位ごとに別のファイル連番を付けてください。",
                "unit_mix",
            )
        )
        return out
    allowed, required, desc = UNIT_KINDS[kind]
    if not (required & set(by_prefix)):
        out.append(
            Finding(
                ERROR, label, None, None, None,
                f"{desc}の送信単位に{'・'.join(sorted(required))}がありません。従属するファイルだけは送れません。",
                "unit_parent_missing",
            )
        )
    for pfx in sorted(_REQUIRED.get(kind, set()) - set(by_prefix)):
        if pfx == "UP3KYO" and fn0.version == 3:
            continue
        out.append(Finding(
            ERROR, label, None, None, None,
            f"{desc}の送信単位に{pfx}（{_FILE_NAMES.get(pfx, pfx)}）がありません。送信単位は必要なファイルがすべてそろった組です"
            "（足りない組を取り込むと、前に受け取った内容の一部が消えてしまいます）。送信元にそろえて送り直すよう依頼してください。",
            "unit_incomplete",
        ))
    if kind == "prevention":
        for child, parent in (("UPKIHON_SUB1", "UPKIHON"), ("UPKIHON_SUB2", "UPKIHON"), ("UPYOBO_SUB", "UPYOBO")):
            if child in by_prefix and parent not in by_prefix:
                out.append(Finding(ERROR, by_prefix[child][0].name, None, None, None, f"{child}は{parent}と同じ送信単位で送ってください。", "unit_parent_missing"))
    # month rules
    if kind == "schedule":
        months = {pf.file_name.month for pf in files}
        if len(months) > 1:
            out.append(
                Finding(
                    ERROR, label, None, None, None,
                    f"利用票の送信単位に異なる年月のファイルがあります（{'、'.join(sorted(m or '' for m in months))}）。"
                    "提供年月ごとに別の送信単位（別のファイル連番）にしてください。",
                    "unit_month",
                )
            )
    if kind == "plan" and hosoku and hosoku_month != ZERO_MONTH:
        out.append(Finding(ERROR, hosoku[0].name, None, None, None, "計画書と一緒に送る利用者補足情報のファイル名の提供年月は「000000」です。", "unit_month"))
    # key links
    for child, ckeys, parent, pkeys in _LINKS.get(kind, []):
        if child not in by_prefix or parent not in by_prefix:
            continue
        ppf, cpf = by_prefix[parent][0], by_prefix[child][0]
        if ppf.layout is None or cpf.layout is None:
            continue
        parent_keys = {tuple(r[i - 1] for i in pkeys) for r in ppf.rows if len(r) == ppf.layout.field_count}
        child_keys = set()
        count = 0
        for recno, r in zip(cpf.row_numbers, cpf.rows):
            if len(r) != cpf.layout.field_count:
                continue
            key = tuple(r[i - 1] for i in ckeys)
            child_keys.add(key)
            if key not in parent_keys:
                count += 1
                if count <= MAX_PER_RULE:
                    f = cpf.layout.field(ckeys[2])
                    out.append(
                        Finding(
                            ERROR, cpf.name, recno, f.no, f.name,
                            f"保険者番号「{key[0]}」被保険者番号「{key[1]}」{f.name}「{key[2]}」に対応する{_PARENT_NAMES[parent]}（{ppf.name}）のレコードがありません。",
                            "unit_key",
                        )
                    )
        if count > MAX_PER_RULE:
            out.append(Finding(ERROR, cpf.name, None, None, None, f"親レコードのないレコードがほかに{count - MAX_PER_RULE}件あります。", "unit_key"))
        if (child, parent) in (("UPHOSOKU", "UP1KYO"), ("UPSIKYU", "UPPLAN"), ("UPHOSOKU", "UPPLAN")):
            for recno, r in zip(ppf.row_numbers, ppf.rows):
                if len(r) == ppf.layout.field_count and tuple(r[i - 1] for i in pkeys) not in child_keys:
                    f = ppf.layout.field(pkeys[2])
                    out.append(
                        Finding(
                            WARNING, ppf.name, recno, None, None,
                            f"被保険者番号「{r[2]}」の{child}レコードが同じ送信単位にありません。",
                            "unit_child_missing",
                        )
                    )
                    child_keys.add(tuple(r[i - 1] for i in pkeys))  # once per key
    if kind == "schedule" and "UPPLAN" in by_prefix:
        out.extend(_check_schedule_set(by_prefix, lenient))
    return out


# --------------------------------------------------------------------------- cross-file rules

_FILE_NAMES = {
    "UPHOSOKU": "利用者補足情報", "UP1KYO": "居宅サービス計画1表", "UP2KYO": "居宅サービス計画2表",
    "UP3KYO": "居宅サービス計画3表", "UPPLAN": "第6表", "UPSIKYU": "第7表",
}


def _int(v: str) -> int | None:
    return int(v) if v and _INT.fullmatch(v) else None


def _usable(pf: ParsedFile) -> list[tuple[int, list[str]]]:
    if pf.layout is None:
        return []
    n = pf.layout.field_count
    return [(recno, r) for recno, r in zip(pf.row_numbers, pf.rows) if len(r) == n]


def _check_schedule_set(by_prefix: dict[str, list[ParsedFile]], lenient: bool) -> list[Finding]:
    """第6表 ↔ 第7表 ↔ 利用者補足情報 of one 利用票 unit (§d-4, §d-5)."""
    out: list[Finding] = []
    soft = WARNING if lenient else ERROR
    plan = by_prefix["UPPLAN"][0]
    if plan.layout is None:
        return out
    P = plan.layout.no
    i_ins, i_num, i_units, i_count, i_code, i_office = 1, 2, P("単位数") - 1, P("サービス回数") - 1, P("サービスコード") - 1, P("サービス事業者コード") - 1
    # 6表 per (user, provider, code): occurrences and units × occurrences; first record
    six: dict[tuple, list] = {}
    providers: dict[tuple, tuple] = {}
    for recno, r in _usable(plan):
        key = (r[i_ins], r[i_num], r[i_office], r[i_code])
        count, units = _int(r[i_count]), _int(r[i_units])
        entry = six.setdefault(key, [0, 0, True, recno])
        entry[0] += count or 0
        if units is None or count is None or units == 0:
            entry[2] = False  # units not stated (e.g. 率加算 in 実績): no unit comparison
        else:
            entry[1] += units * count
        providers.setdefault((r[i_ins], r[i_num], r[i_office]), (recno, r[i_code]))
    sikyu = by_prefix.get("UPSIKYU", [None])[0]
    if sikyu is not None and sikyu.layout is not None:
        S = sikyu.layout.no
        s_office, s_code, s_count, s_amount = S("サービス事業所コード") - 1, S("サービスコード") - 1, S("回数／日数") - 1, S("サービス単位金額") - 1
        seven: dict[tuple, list] = {}
        offices: set = set()
        users: set = set()
        for recno, r in _usable(sikyu):
            users.add((r[1], r[2]))
            code = r[s_code]
            if code == TOTAL_SERVICE_CODE or _SUBTOTAL.fullmatch(code):
                continue
            offices.add((r[1], r[2], r[s_office]))
            entry = seven.setdefault((r[1], r[2], r[s_office], code), [0, 0, True, recno])
            entry[0] += _int(r[s_count]) or 0
            amount = _int(r[s_amount])
            if amount is None:
                entry[2] = False
            else:
                entry[1] += amount
        for key, (count7, amount7, has_amount, recno) in seven.items():
            ins, num, office, code = key
            got = six.get(key)
            if got is None:
                continue
            count6, amount6, has_units, _ = got
            if count6 != count7:
                out.append(Finding(
                    soft, sikyu.name, recno, s_count + 1, sikyu.layout.field(s_count + 1).name,
                    f"被保険者番号「{num}」の事業所「{office}」サービスコード「{code}」の回数／日数「{count7}」が、"
                    f"第6表（{plan.name}）の同じサービスの回数の合計「{count6}」と一致しません。",
                    "xfile_count",
                ))
            elif has_units and has_amount and amount6 != amount7:
                out.append(Finding(
                    soft, sikyu.name, recno, s_amount + 1, sikyu.layout.field(s_amount + 1).name,
                    f"被保険者番号「{num}」の事業所「{office}」サービスコード「{code}」のサービス単位数「{amount7}」が、"
                    f"第6表の単位数×回数の合計「{amount6}」と一致しません。",
                    "xfile_units",
                ))
        for (ins, num, office), (recno, code) in providers.items():
            if (ins, num) in users and (ins, num, office) not in offices:
                out.append(Finding(
                    soft, plan.name, recno, i_office + 1, plan.layout.field(i_office + 1).name,
                    f"被保険者番号「{num}」の第6表にあるサービス事業者「{office}」（サービスコード「{code}」）が、"
                    f"第7表（{sikyu.name}）にありません。",
                    "xfile_provider",
                ))
    hosoku = by_prefix.get("UPHOSOKU", [None])[0]
    if hosoku is not None and hosoku.layout is not None:
        level_no = hosoku.layout.no("要介護状態区分")
        levels = {(r[1], r[2]): r[level_no - 1] for _recno, r in _usable(hosoku)}
        reported: set = set()
        for recno, r in _usable(plan):
            level = levels.get((r[i_ins], r[i_num]), "")
            kind = r[i_code][:2]
            wrong = None
            if kind in CARE_BENEFIT_KINDS and (level in CARE_LEVELS_SUPPORT or level == CARE_LEVEL_PROGRAM_ONLY):
                wrong = "介護給付（要介護1〜5の方）"
            elif kind in PREVENTION_BENEFIT_KINDS and (level in CARE_LEVELS_CARE or level == CARE_LEVEL_PROGRAM_ONLY):
                wrong = "予防給付（要支援1・2の方）"
            if wrong and (r[i_num], r[i_code]) not in reported:
                reported.add((r[i_num], r[i_code]))
                level_name = (hosoku.layout.field(level_no).values or {}).get(level, level)
                out.append(Finding(
                    soft, plan.name, recno, i_code + 1, plan.layout.field(i_code + 1).name,
                    f"サービスコード「{r[i_code]}」は{wrong}のサービスですが、利用者補足情報の要介護状態区分は「{level}:{level_name}」です。",
                    "care_level_code",
                ))
    return out


def _check_master(pf: ParsedFile, service_codes, lenient: bool) -> list[Finding]:
    """Service codes unknown to the master for the file's month (``service_codes(month, codes) -> known``)."""
    if pf.layout is None or pf.layout.prefix not in ("UPPLAN", "UPJSK", "UPSIKYU"):
        return []
    month = pf.file_name.month if pf.file_name is not None and pf.file_name.month else None
    code_no = pf.layout.no("サービスコード")
    seen: dict[str, int] = {}
    for recno, r in _usable(pf):
        code = r[code_no - 1]
        m = month or r[4]
        if code and code != TOTAL_SERVICE_CODE and not _SUBTOTAL.fullmatch(code) and code not in seen:
            seen[code] = recno
            month = month or m
    if not seen or not month:
        return []
    known = service_codes(month, set(seen))
    out = []
    for code, recno in seen.items():
        if code in known:
            continue
        if lenient:
            detail = (f"サービスコード「{code}」は{month[:4]}年{int(month[4:])}月のサービスコード表（この事業所のマスタ）にありません。"
                      "送信元のマスタが新しい可能性があるため、そのまま取り込みました。単位数は送信元の値を使います。")
        else:
            detail = f"サービスコード「{code}」は{month[:4]}年{int(month[4:])}月のサービスコード表にありません。"
        out.append(Finding(WARNING if lenient else ERROR, pf.name, recno, code_no, pf.layout.field(code_no).name, detail,
                           "unknown_service_code"))
    return out


def validate_parsed(parsed: list[ParsedFile], *, lenient: bool | None = None, service_codes=None) -> list[Finding]:
    """Group already read files into send units and add the cross-file findings.

    ``lenient`` defaults to how the files were read. ``service_codes(month 'YYYYMM', codes) ->
    set of known codes`` checks service codes against a master (none when not given)."""
    if lenient is None:
        lenient = any(pf.lenient for pf in parsed)
    findings: list[Finding] = []
    for pf in parsed:
        findings.extend(pf.findings)
        if service_codes is not None:
            findings.extend(_check_master(pf, service_codes, lenient))
    units: dict[tuple, list[ParsedFile]] = defaultdict(list)
    for pf in parsed:
        if pf.file_name is not None:
            units[pf.file_name.unit_key].append(pf)
    for key, pfs in units.items():
        findings.extend(check_unit(pfs, lenient=lenient))
    return findings


def validate_files(files: Iterable[tuple[str, bytes | BinaryIO]], *, lenient: bool = False,
                   service_codes=None) -> list[Finding]:
    """Check files given together: each file, then the send units they form.

    Files are grouped by (送信元, 送信先, ファイル連番); a group that is not one valid send unit
    (e.g. two units sharing a 連番) is reported. ``lenient``: see :func:`read_file`.
    """
    return validate_parsed([read_file(name, src, lenient=lenient) for name, src in files], lenient=lenient,
                           service_codes=service_codes)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


__all__ = [
    "ParsedFile",
    "FileChecker",
    "read_file",
    "iter_file",
    "validate_files",
    "validate_parsed",
    "check_unit",
    "unit_kind_of",
    "UNIT_KINDS",
    "has_errors",
]
