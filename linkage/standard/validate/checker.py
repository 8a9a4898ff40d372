"""File rules: :class:`ParsedFile` and :class:`FileChecker`, which checks one file record by record
(name, CSV version, layout choice, field rules, tolerances) and finishes with the whole-file rules.

A little over 400 lines: the per-record loop (``record``/``records``) is the validator's hot path and is
kept in one class with its helpers on purpose (see bench/codec.py, ``validate ratio``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..codec import ZERO_MONTH, RecordError, formatter_for, to_typed_rows
from ..filename import FileName
from ..findings import ERROR, WARNING, Finding, StandardFileError
from ..layouts import (
    CSV_VERSION_32,
    CSV_VERSION_41,
    LAYOUTS,
    LAYOUTS_V32,
    LINKED_SERVICE_KINDS,
    OFFICE_ONLY_KINDS,
    TOLERATED_CSV_VERSIONS,
    UNLINKED_SERVICE_KINDS,
    WELFARE_EQUIPMENT_KINDS,
    Field,
    Layout,
)
from .common import _PUA, _TYPE_EXPECT, MAX_PER_RULE, _gc_paused
from .fields import _MEMO_SIZE, _quoted_flags, _Rules, _rules
from .layout_rules import LayoutRules

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
        with _gc_paused():
            return to_typed_rows(self.layout, self.rows)

    def dicts(self) -> list[dict[int, object]]:
        """Typed records keyed by 項目No."""
        return [dict(enumerate(r, start=1)) for r in self.records]


class FileChecker(LayoutRules):
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
                        severity,
                        self.display,
                        None,
                        None,
                        None,
                        f"同じ種類の指摘（{code}）がほかに{n - MAX_PER_RULE}件あります。",
                        code,
                    )
                )

    def _check_name(self):
        fn = self.file_name
        if fn.extension != "CSV":
            self.add(
                WARNING,
                "extension",
                f"ファイル名の拡張子が「.{fn.extension}」です（標準仕様は「.CSV」）。大文字・小文字の違いだけのため、.CSVとして読みました。",
            )
        for office, what in ((fn.sender_office, "送信元"), (fn.recipient_office, "送信先")):
            if len(office) != 10:
                self.add(
                    ERROR,
                    "name",
                    f"ファイル名の{what}事業所番号「{office}」が10桁ではありません。10桁の数字にしてください。",
                )
        for kind, what in ((fn.sender_kind, "送信元"), (fn.recipient_kind, "送信先")):
            if kind is None:
                continue
            if kind in UNLINKED_SERVICE_KINDS:
                self.add(
                    WARNING,
                    "name",
                    f"ファイル名の{what}サービス種類コード「{kind}」（{UNLINKED_SERVICE_KINDS[kind]}）は連携対象外のサービス種類です。",
                )
            elif kind not in LINKED_SERVICE_KINDS and kind not in OFFICE_ONLY_KINDS:
                self.add(
                    WARNING,
                    "name",
                    f"ファイル名の{what}サービス種類コード「{kind}」は既知のサービス種類コードではありません。",
                )
        if fn.month is not None and fn.month != ZERO_MONTH:
            m = fn.month
            if not (1 <= int(m[4:]) <= 12):
                self.add(ERROR, "name", f"ファイル名の年月「{m}」は正しい年月（YYYYMM）ではありません。")
        if fn.month == ZERO_MONTH and fn.prefix != "UPHOSOKU":
            self.add(
                ERROR,
                "name",
                f"ファイル名の年月「000000」は利用者補足情報（UPHOSOKU）でのみ使えます。{fn.prefix}は対象年月を指定してください。",
            )

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
            self.add(
                ERROR,
                "csv_version",
                f"{prefix}は4.0版以降のファイルです。CSVバージョンは「202407」を指定してください。",
            )
        if fn is not None:
            if fn.version == 4 and layout.version == 3:
                self.add(
                    ERROR,
                    "name_version",
                    "ファイル名は4.1形式（サービス種類コード付き）ですが、内容はCSVバージョン202208（3.2版）です。"
                    "4.1版のレイアウト（CSVバージョン202407）で作成するか、3.2形式のファイル名にしてください。",
                )
            elif fn.version == 3 and layout.version == 4:
                self.add(
                    ERROR,
                    "name_version",
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
                    ERROR,
                    "header",
                    f"1行目「{first[:20]}…」は見出し行のようです。標準仕様のCSVに見出し行は付けません。",
                    recno,
                    line=line,
                )
                return False
            self._seen_data = True
            self._version = first
            if (
                self.lenient
                and first in TOLERATED_CSV_VERSIONS
                and not (self.file_name is not None and self.file_name.version == 3)
            ):
                self._tolerated_version = [recno, line, 0]
                self._choose_layout(CSV_VERSION_41)
            else:
                self._choose_layout(first)
        layout = self.layout
        n = layout.field_count
        if len(row) != n:
            self.canonical = False
            self.add(
                ERROR,
                "field_count",
                f"項目数が{len(row)}です。{layout.prefix}（CSVバージョン{layout.csv_version}）は{n}項目です"
                "（空の項目もカンマで区切って出力してください）。",
                recno,
                line=line,
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
                ERROR,
                "mixed_version",
                f"1ファイルに複数のCSVバージョン（「{self._version}」と「{row[0]}」）が混在しています。1ファイルのCSVバージョンは1つにしてください。",
                recno,
                layout.fields[0],
                line,
            )
        # field rules (clean() is a shortcut for records where none of them can fire)
        rules = self._rules
        if self._tolerated_version is not None or not rules.clean(row, self._version):
            self._field_rules(recno, line, row, rules)
        if _PUA.search(raw):
            for i, v in enumerate(row):
                m = _PUA.search(v)
                if m:
                    self.add(
                        ERROR,
                        "gaiji",
                        f"外字（U+{ord(m.group()):04X}）が含まれています。外字は使えません。MS932の範囲内の文字に置き換えてください。",
                        recno,
                        layout.fields[i],
                        line,
                    )
        self._semantic(recno, line, row)
        return True

    def records(self, chunk: list) -> list | None:
        """Check many ``(recno, line, row, raw)`` records at once, column by column.

        Only a shortcut for the common case — 第6表 records of a file whose first record was
        checked on its own, where no rule can fire: it then updates the state exactly as
        :meth:`record` would and returns the rows to keep. Otherwise it changes nothing and
        returns None, and the caller checks the records one by one (same findings, same order).
        """
        layout = self.layout
        fn = self.file_name
        if (
            layout is None
            or layout.prefix != "UPPLAN"
            or fn is None
            or self._tolerated_version is not None
            or not chunk
        ):
            return None
        rules = self._rules
        n = layout.field_count
        rows = [c[2] for c in chunk]
        if set(map(len, rows)) != {n}:
            return None
        cols = list(zip(*rows))
        # canonical: each raw record is exactly what write_records makes of its row
        text_idx = set(rules.text_idx)
        out_cols = [
            ['"' + v.replace('"', '""') + '"' if v else "" for v in col] if i in text_idx else col
            for i, col in enumerate(cols)
        ]
        expected = [line + "\r\n" for line in map(",".join, zip(*out_cols))]
        raws = [c[3] for c in chunk]
        if expected != raws:
            return None
        if _PUA.search("".join(raws)):
            return None
        version = self._version
        if set(cols[0]) != {version}:
            return None
        # field rules: every required field filled, every value accepted by its checker
        for i, _f, _sev in rules.required:
            if "" in set(cols[i]):
                return None
        for i, _f, check, memo in rules.checks:
            for v in set(cols[i]):
                if v == "" or v in memo:
                    continue
                if check(v) is not None:
                    return None
                if len(memo) < _MEMO_SIZE:
                    memo.add(v)
        # 第6表 rules (see _semantic / _check_schedule)
        no = rules.no1
        months = set(cols[no["対象年月"] - 1])
        if len(months) != 1:
            return None
        month = next(iter(months))
        if month != self._month or (fn.month is not None and month != fn.month) or len(month) != 6:
            return None
        if not fn.month:
            return None
        for used in set(cols[no["サービス利用日"] - 1]):
            if not (len(used) == 8 and used.isdigit() and used.startswith(month)):
                return None
        if set(cols[no["日割対象日"] - 1]) != {""} or set(cols[no["明細判別コード"] - 1]) != {""}:
            return None
        for start, end in set(zip(cols[no["サービス開始時刻"] - 1], cols[no["サービス終了時刻"] - 1])):
            if (start == "9999") != (end == "9999"):
                return None
        for code in set(cols[no["サービスコード"] - 1]):
            kind = code[:2]
            if kind not in LINKED_SERVICE_KINDS or kind in UNLINKED_SERVICE_KINDS or kind in WELFARE_EQUIPMENT_KINDS:
                return None
        if not set(cols[no["プラン担当業者コード"] - 1]) <= {"", fn.sender_office}:
            return None
        # nothing fires: update the state record() keeps
        pu = self._plan_users
        recipient = fn.recipient_office
        for c, ins, num, office in zip(chunk, cols[1], cols[2], cols[no["サービス事業者コード"] - 1]):
            key = (ins, num, month)
            hit = pu.get(key)
            if hit is None:
                hit = pu[key] = [c[0], c[1], False]
            if office == recipient:
                hit[2] = True
        return rows

    def _field_rules(self, recno, line, row, rules: _Rules):
        for i, f, sev in rules.required:
            if row[i] == "":
                if sev == ERROR:
                    self.add(
                        ERROR,
                        "required",
                        f"必須項目が空です。{_TYPE_EXPECT.get(f.type, '値')}を指定してください。",
                        recno,
                        f,
                        line,
                    )
                else:
                    self.add(
                        WARNING,
                        "required",
                        "必須と思われる項目が空です（仕様書の必須欄の位置が不明瞭な項目）。",
                        recno,
                        f,
                        line,
                    )
        for i, f, check, memo in rules.checks:
            v = row[i]
            if v == "" or (i == 0 and (row[0] != self._version or self._tolerated_version is not None)):
                continue
            if v in memo:
                continue
            res = check(v)
            if res is not None:
                self.add(res[0], res[1], res[2], recno, f, line)
            elif len(memo) < _MEMO_SIZE:
                memo.add(v)

    def _unquoted_text(self, recno, line, i, value):
        f = self.layout.fields[i]
        if not self.lenient:
            self.add(
                ERROR,
                "unquoted_text",
                'フリーテキストが"（ダブルクォート）で囲まれていません。フリーテキストは常に"で囲んでください。',
                recno,
                f,
                line,
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
                WARNING,
                "tolerated_csv_version",
                f"CSVバージョン「{v}」は{TOLERATED_CSV_VERSIONS[v]}で、4.1版の正しい値は「202407」です。"
                f"項目数が4.1版のレイアウトと一致するため、全{count}行を4.1版（202407）として読みました。",
                recno,
                self.layout.fields[0],
                line,
            )
        for i, (recno, line, count, value) in sorted(self._unquoted_bad.items()):
            others = f"（この項目はほかに{count - 1}行も同じ）" if count > 1 else ""
            self.add(
                ERROR,
                "unquoted_text",
                f'フリーテキスト「{value[:30]}」が"で囲まれておらず、途中に"があります{others}。'
                'どこまでが値か判断できないため読み込みません。フリーテキストは"で囲み、中の"は""と2つ重ねてください。',
                recno,
                self.layout.fields[i],
                line,
            )
        for i, (recno, line, count, value) in sorted(self._unquoted.items()):
            f = self.layout.fields[i]
            others = f"（この項目はほかに{count - 1}行も同じ）" if count > 1 else ""
            self.add(
                WARNING,
                "tolerated_unquoted_text",
                f'フリーテキストが"で囲まれていません{others}。カンマ・改行・"を含まないため、'
                f"書かれた文字列（例:「{value[:30]}」）をそのまま値として読みました。",
                recno,
                f,
                line,
            )

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
                for (_ins, num, _month), (recno, line, hit) in self._plan_users.items():
                    if not hit:
                        self.add(
                            WARNING,
                            "recipient_unrelated",
                            f"被保険者番号「{num}」の利用者には送信先事業所（{self.file_name.recipient_office}）のサービスがありません。"
                            "送信先に関係のない利用者は送信しないでください。",
                            recno,
                            line=line,
                        )
        elif self.prefix is not None and not self._seen_data:
            self.add(ERROR, "no_records", "データレコードがありません。")
        self._summarise()
        return self.findings
