"""Reader and writer of the 国保連 interface CSV (給付管理票 821, 介護給付費請求 711). Pure Python.

A file is, in MS932 with CRLF (layouts.json "file" names the source):

    1,1,0,<件数>,<データ種別>,0,000000,<事業所番号>,00,1,<処理対象年月>,0     control record
    2,2,"8222","202611",...                                             data records, fields quoted
    3,<レコード番号>                                                     end record

The writer refuses what the reader would refuse: both use the same field and cross-record
checks, and ``write`` reads its own output back before returning it.

Size: kept as one module (over ~400 lines) because the reader and the writer share the record framing
(control, data and end records) and the field conversions, so a round trip reads as one module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from linkage.kokuho.layouts import (
    CONTROL,
    DATA_LAYOUTS,
    DATA_TYPE_BENEFIT,
    DATA_TYPE_CLAIM,
    END,
    FILE_ENCODING,
    LINE_END,
    ROWS_DETAIL,
    ROWS_NONE,
    ROWS_TOTAL,
    ROWS_TOTAL_OPTIONAL,
    TOTAL_LINE,
    Field,
    RecordLayout,
)

RECORD_IDS_BY_DATA_TYPE = {DATA_TYPE_BENEFIT: ("8222",), DATA_TYPE_CLAIM: ("7111", "8124")}

_DIGITS = re.compile(r"[0-9]+")
_ALNUM = re.compile(r"[0-9A-Z]+")


@dataclass(frozen=True)
class Finding:
    line: int | None  # physical line in the file (1-based), None before writing
    message: str

    def __str__(self) -> str:
        return f"{self.line}行目: {self.message}" if self.line else self.message


class KokuhoError(ValueError):
    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


@dataclass
class Record:
    exchange_id: str
    values: dict[str, str]
    line: int | None = None

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def int(self, key: str) -> int:
        return int(self.values[key] or 0)  # int("-200") is fine for signed fields

    @property
    def is_total(self) -> bool:
        return self.values.get("line_no") == TOTAL_LINE


@dataclass
class KokuhoFile:
    control: dict[str, str]
    records: list[Record] = field(default_factory=list)

    @property
    def data_type(self) -> str:
        return self.control["data_type"]

    def of(self, exchange_id: str) -> list[Record]:
        return [r for r in self.records if r.exchange_id == exchange_id]


# --------------------------------------------------------------------------- fields


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("bool is not a field value")
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    return str(value)


def _valid_date(value: str) -> bool:
    try:
        dt.datetime.strptime(value, "%Y%m%d")
    except ValueError:
        return False
    return True


def check_field(f: Field, value: str, *, is_total: bool | None) -> str | None:
    """A Japanese message when ``value`` does not fit ``f`` (on a detail / total row), else None."""
    label = f"「{f.name}」"
    if f.type == "fixed":
        return None if value == f.value else f"{label}は「{f.value}」でなければなりません（「{value}」）。"
    blank_here = (
        f.rows == ROWS_NONE
        or (is_total is True and f.rows == ROWS_DETAIL)
        or (is_total is False and f.rows in (ROWS_TOTAL, ROWS_TOTAL_OPTIONAL))
    )
    if blank_here:
        return None if value == "" else f"{label}はこの行には記載しません（「{value}」）。"
    needed = f.required or (is_total is True and f.rows == ROWS_TOTAL) or (is_total is False and f.rows == ROWS_DETAIL)
    if value == "":
        return f"{label}が空です。" if needed else None
    if '"' in value or "\r" in value or "\n" in value:
        return f'{label}に使えない文字（" または改行）があります。'
    if f.type == "digits":
        if not _DIGITS.fullmatch(value) or (f.length and len(value) != f.length):
            return f"{label}は{f.length}桁の数字です（「{value}」）。"
    elif f.type == "int":
        if not _DIGITS.fullmatch(value) or (f.length and len(value) > f.length):
            return f"{label}は{f.length}桁以内の0以上の整数です（「{value}」）。"
    elif f.type == "sint":
        digits = value[1:] if value.startswith("-") else value
        if not _DIGITS.fullmatch(digits) or (f.length and len(digits) > f.length):
            return f"{label}は{f.length}桁以内の整数です（「{value}」）。"
    elif f.type == "ym":
        if not _DIGITS.fullmatch(value) or len(value) != 6 or not 1 <= int(value[4:]) <= 12:
            return f"{label}は年月（YYYYMM）です（「{value}」）。"
    elif f.type == "date":
        if len(value) != 8 or not _DIGITS.fullmatch(value) or not _valid_date(value):
            return f"{label}は日付（YYYYMMDD）です（「{value}」）。"
    elif f.type == "code":
        if f.values is not None and value not in f.values:
            return f"{label}のコード「{value}」は使えません（{'・'.join(f.values)}）。"
    elif f.type == "alnum":
        if not _ALNUM.fullmatch(value) or (f.length and len(value) != f.length):
            return f"{label}は{f.length}桁の英数字です（「{value}」）。"
    elif f.type == "text":
        try:
            value.encode(FILE_ENCODING)
        except UnicodeEncodeError:
            return f"{label}にMS932で表せない文字があります。"
        if f.length and len(value) > f.length:
            return f"{label}は{f.length}文字以内です（{len(value)}文字）。"
    return None


def _record_findings(layout: RecordLayout, values: Mapping[str, str], line: int | None) -> list[Finding]:
    is_total = None
    if "line_no" in layout.keys:
        is_total = values.get("line_no") == TOTAL_LINE
    found = []
    for f in layout.fields:
        message = check_field(f, values.get(f.key, ""), is_total=is_total)
        if message:
            found.append(Finding(line, f"{layout.name}（{layout.exchange_id}）{message}"))
    return found


# --------------------------------------------------------------------------- cross-record checks


def _who(record: Record) -> str:
    return f"被保険者番号 {record.values.get('insured', '')}"


def cross_findings(file: KokuhoFile) -> list[Finding]:
    """Checks across records: totals tie out, line numbers run 01.. with one 99 row, ids match the data type."""
    found: list[Finding] = []
    allowed = RECORD_IDS_BY_DATA_TYPE.get(file.data_type, ())
    for r in file.records:
        if r.exchange_id not in allowed:
            found.append(
                Finding(
                    r.line,
                    f"交換情報識別番号 {r.exchange_id} はデータ種別 {file.data_type} のファイルに入れられません。",
                )
            )

    def groups(exchange_id: str, keys: tuple[str, ...]) -> dict[tuple, list[Record]]:
        result: dict[tuple, list[Record]] = {}
        for r in file.of(exchange_id):
            result.setdefault(tuple(r.values.get(k, "") for k in keys), []).append(r)
        return result

    # 8222: detail rows 01..n, one 99 row whose 給付計画合計単位数 is their sum
    for rows in groups("8222", ("month", "insurer", "insured", "office_number", "kind")).values():
        totals = [r for r in rows if r.is_total]
        details = [r for r in rows if not r.is_total]
        first = rows[0]
        if len(totals) != 1:
            found.append(
                Finding(first.line, f"給付管理票（{_who(first)}）に合計行（明細行番号99）がちょうど1行必要です。")
            )
            continue
        numbers = [r["line_no"] for r in details]
        if numbers != [f"{i:02d}" for i in range(1, len(details) + 1)]:
            found.append(Finding(first.line, f"給付管理票（{_who(first)}）の明細行番号が01から順になっていません。"))
        if first["kind"] != "3" and not details:
            found.append(Finding(first.line, f"給付管理票（{_who(first)}）に明細行がありません。"))
        total = totals[0]
        expected = sum(r.int("plan_units") for r in details)
        if total.int("total_units") != expected:
            found.append(
                Finding(
                    total.line,
                    f"給付管理票（{_who(total)}）の給付計画合計単位数 {total.int('total_units')} が"
                    f"明細の合計 {expected} と一致しません。",
                )
            )
        seen = set()
        for r in details:
            pair = (r["provider"], r["service_kind"])
            if pair in seen:
                found.append(Finding(r.line, f"給付管理票（{_who(r)}）に同じ事業所・サービス種類の行が2つあります。"))
            seen.add(pair)

    # 8124: rows 01.. with the last one 99; 合計 and 請求金額 on the 99 row
    persons = groups("8124", ("month", "insurer", "insured", "office_number"))
    claimed_units = claimed_yen = 0
    for rows in persons.values():
        first = rows[0]
        numbers = [r["line_no"] for r in rows]
        expected_numbers = [f"{i:02d}" for i in range(1, len(rows))] + [TOTAL_LINE]
        if numbers != expected_numbers:
            found.append(
                Finding(
                    first.line, f"居宅介護支援の明細書（{_who(first)}）の明細行番号は01から順で、最後の行が99です。"
                )
            )
            continue
        for r in rows:
            if r.int("units_each") * r.int("times") != r.int("service_units"):
                found.append(Finding(r.line, f"明細書（{_who(r)}）のサービス単位数が 単位数×回数 になっていません。"))
        total = rows[-1]
        units = sum(r.int("service_units") for r in rows)
        if total.int("total_units") != units:
            found.append(
                Finding(
                    total.line,
                    f"明細書（{_who(total)}）のサービス単位数合計 {total.int('total_units')} が"
                    f"各行の合計 {units} と一致しません。",
                )
            )
        yen = claim_amount(units, total["unit_price"])
        if total.int("claim_yen") != yen:
            found.append(
                Finding(
                    total.line,
                    f"明細書（{_who(total)}）の請求金額 {total.int('claim_yen')} は"
                    f" {units}単位 × {total['unit_price'][:2]}.{total['unit_price'][2:]}円 の切り捨て {yen} です。",
                )
            )
        claimed_units += total.int("total_units")
        claimed_yen += total.int("claim_yen")

    # 7111: one 請求書 for 居宅介護支援 whose figures are the sums of the 明細書
    bills = [r for r in file.of("7111") if r["claim_class"] == "02" and r["payer_class"] == "1"]
    if file.data_type == DATA_TYPE_CLAIM:
        if persons and len(bills) != 1:
            found.append(Finding(None, "居宅介護支援の介護給付費請求書（7111・請求情報区分02）がちょうど1件必要です。"))
        for bill in bills:
            if bill.int("count") != len(persons):
                found.append(
                    Finding(
                        bill.line, f"請求書の件数 {bill.int('count')} が明細書の人数 {len(persons)} と一致しません。"
                    )
                )
            if bill.int("units") != claimed_units:
                found.append(
                    Finding(
                        bill.line, f"請求書の単位数 {bill.int('units')} が明細書の合計 {claimed_units} と一致しません。"
                    )
                )
            if bill.int("cost_total") != claimed_yen:
                found.append(
                    Finding(
                        bill.line,
                        f"請求書の費用合計 {bill.int('cost_total')} が明細書の請求金額の合計 {claimed_yen} と一致しません。",
                    )
                )
            if bill.int("insurance_claim") + bill.int("public_claim") + bill.int("copay") != bill.int("cost_total"):
                found.append(
                    Finding(bill.line, "請求書の 保険請求額＋公費請求額＋利用者負担 が費用合計と一致しません。")
                )
            if bill.int("copay") != 0:
                found.append(Finding(bill.line, "居宅介護支援に利用者負担はありません（請求書の利用者負担は0です）。"))
    return found


def claim_amount(units: int, unit_price: str) -> int:
    """単位数 × 単位数単価 ("1140" = 11.40円), rounded down to the yen."""
    price = Decimal(int(unit_price)) / 100
    return int((Decimal(units) * price).to_integral_value(rounding=ROUND_DOWN))


# --------------------------------------------------------------------------- order


def _sort_key(record: Record) -> tuple:
    v = record.values
    line = "00" if v.get("line_no") is None else v["line_no"]
    if record.exchange_id == "8222":
        return (
            v["month"],
            "8222",
            v["insurer"],
            v["insured"],
            v["office_number"],
            v["kind"],
            v["created_on"],
            v["sheet_kind"],
            line,
        )
    if record.exchange_id == "7111":
        return (v["month"], "7111", v["office_number"], v["payer_class"], v["law_no"], v["claim_class"])
    return (v["month"], record.exchange_id, v["insurer"], v["insured"], v["office_number"], v["office_class"], line)


# --------------------------------------------------------------------------- write / read


def file_name(process_month: dt.date, letter: str = "a") -> str:
    """d + 和暦年2桁 + 月2桁 + a–z + .csv (QKAN80's 伝送 name; see layouts.json "unconfirmed")."""
    if process_month < dt.date(2019, 5, 1):
        raise ValueError("only 令和 months are supported")
    if len(letter) != 1 or not "a" <= letter <= "z":
        raise ValueError("letter must be a–z")
    return f"d{process_month.year - 2018:02d}{process_month.month:02d}{letter}.csv"


def write(
    *, data_type: str, office_number: str, process_month: dt.date, records: Iterable[tuple[str, Mapping[str, object]]]
) -> bytes:
    """The file's bytes (MS932, CRLF), records in the specification's order; KokuhoError if anything is wrong."""
    built: list[Record] = []
    findings: list[Finding] = []
    for exchange_id, values in records:
        layout = DATA_LAYOUTS.get(exchange_id)
        if layout is None:
            raise KeyError(f"unknown exchange id {exchange_id}")
        unknown = set(values) - set(layout.keys)
        if unknown:
            raise KeyError(f"{exchange_id}: unknown fields {sorted(unknown)}")
        texts = {f.key: (f.value if f.type == "fixed" else _text(values.get(f.key))) for f in layout.fields}
        findings += _record_findings(layout, texts, None)
        built.append(Record(exchange_id, texts))
    built.sort(key=_sort_key)
    control = {
        "record_kind": "1",
        "record_no": "1",
        "volume_no": "0",
        "record_count": str(len(built)),
        "data_type": data_type,
        "welfare_office": "0",
        "insurer": "000000",
        "office_number": office_number,
        "prefecture": "00",
        "medium": "1",
        "process_month": process_month.strftime("%Y%m"),
        "file_control": "0",
    }
    findings += _record_findings(CONTROL, control, None)
    findings += cross_findings(KokuhoFile(control=control, records=built))
    if findings:
        raise KokuhoError(findings)

    lines = [",".join(control[k] for k in CONTROL.keys)]
    for number, record in enumerate(built, start=2):
        layout = DATA_LAYOUTS[record.exchange_id]
        lines.append(f"2,{number}," + ",".join(f'"{record.values[k]}"' for k in layout.keys))
    lines.append(f"3,{len(built) + 2}")
    data = (LINE_END.join(lines) + LINE_END).encode(FILE_ENCODING)
    read(data)  # the writer's output must satisfy the reader
    return data


def _split_quoted(rest: str) -> list[str] | None:
    if len(rest) < 2 or not rest.startswith('"') or not rest.endswith('"'):
        return None
    return rest[1:-1].split('","')


def read(data: bytes) -> KokuhoFile:
    """Parse and check a whole file; KokuhoError lists every problem with its line."""
    try:
        text = data.decode(FILE_ENCODING)
    except UnicodeDecodeError as exc:
        raise KokuhoError([Finding(None, f"MS932（Shift_JIS）として読めません（{exc.start}バイト目）。")]) from exc
    if not text.endswith(LINE_END):
        raise KokuhoError([Finding(None, "最後の行がCRLFで終わっていません。")])
    lines = text[: -len(LINE_END)].split(LINE_END)
    if any("\n" in line or "\r" in line for line in lines):
        raise KokuhoError([Finding(None, "改行コードはCRLFです（LFだけ・CRだけの行があります）。")])
    findings: list[Finding] = []

    head = lines[0].split(",")
    if head[0] != "1" or len(head) != len(CONTROL.fields):
        raise KokuhoError([Finding(1, f"1行目はコントロールレコード（{len(CONTROL.fields)}項目、先頭が1）です。")])
    control = dict(zip(CONTROL.keys, head))
    findings += _record_findings(CONTROL, control, 1)
    if control["record_no"] != "1":
        findings.append(Finding(1, "コントロールレコードのレコード番号は1です。"))

    tail = lines[-1].split(",")
    if len(lines) < 2 or tail[0] != "3" or len(tail) != len(END.fields):
        raise KokuhoError(findings + [Finding(len(lines), "最後の行はエンドレコード（3,レコード番号）です。")])
    end = dict(zip(END.keys, tail))
    if end["record_no"] != str(len(lines)):
        findings.append(
            Finding(len(lines), f"エンドレコードのレコード番号は {len(lines)} です（「{end['record_no']}」）。")
        )

    file = KokuhoFile(control=control)
    for number, line in enumerate(lines[1:-1], start=2):
        parts = line.split(",", 2)
        if len(parts) != 3 or parts[0] != "2":
            findings.append(Finding(number, 'データレコードは 2,レコード番号,"…" の形です。'))
            continue
        if parts[1] != str(number):
            findings.append(Finding(number, f"レコード番号は {number} です（「{parts[1]}」）。"))
        values = _split_quoted(parts[2])
        if not values:
            findings.append(Finding(number, 'データレコードの項目は " で囲みます。'))
            continue
        layout = DATA_LAYOUTS.get(values[0])
        if layout is None:
            findings.append(Finding(number, f"交換情報識別番号「{values[0]}」は扱えません。"))
            continue
        if len(values) != len(layout.fields):
            findings.append(
                Finding(
                    number,
                    f"{layout.name}（{layout.exchange_id}）は{len(layout.fields)}項目です（{len(values)}項目あります）。",
                )
            )
            continue
        record = Record(layout.exchange_id, dict(zip(layout.keys, values)), line=number)
        findings += _record_findings(layout, record.values, number)
        file.records.append(record)
    if control.get("record_count") != str(len(lines) - 2):
        findings.append(
            Finding(
                1, f"コントロールレコードのレコード件数は {len(lines) - 2} です（「{control.get('record_count')}」）。"
            )
        )
    if not findings:
        findings += cross_findings(file)
        if [_sort_key(r) for r in file.records] != sorted(_sort_key(r) for r in file.records):
            findings.append(
                Finding(None, "レコードの並び順が仕様の順（年月・識別番号・保険者番号・被保険者番号…）ではありません。")
            )
    if findings:
        raise KokuhoError(findings)
    return file
