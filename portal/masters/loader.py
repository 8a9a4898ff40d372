"""Master data files: reading the documented CSV layouts and importing them (all or nothing).

The CSV layouts are described in ``portal/masters/data/README.md``; lookups for a service month
live in ``portal/masters/selectors.py``. Every import is
all-or-nothing: a file with one bad row changes nothing and every problem is reported with its
line number, in Japanese.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from portal.masters.selectors import clear_cache

MASTER_DIR = Path(__file__).with_name("data")
BUNDLED = {
    "service_codes": MASTER_DIR / "service_codes_r6.csv",
    "unit_prices": MASTER_DIR / "unit_prices.csv",
    "cost_share_groups": MASTER_DIR / "cost_share_groups.csv",
    "benefit_limits": MASTER_DIR / "benefit_limits.csv",
}

SERVICE_CODE_HEADER = [
    "サービス種類コード",
    "サービス項目コード",
    "サービス名称",
    "単位数",
    "率（1000分率）",
    "算定単位",
    "区分支給限度対象",
    "加算",
    "単位数入力",
    "適用開始日",
    "適用終了日",
]  # an optional 12th column 要介護状態区分 (the care levels a code is for; blank = any)
UNIT_PRICE_HEADER = ["地域区分", "人件費割合", "単位数単価", "適用開始日", "適用終了日"]
COST_GROUP_HEADER = ["サービス種類コード", "人件費割合", "適用開始日", "適用終了日"]
BENEFIT_LIMIT_HEADER = ["要介護状態区分", "区分支給限度基準額", "適用開始日", "適用終了日"]

CALC_UNITS = {"回": "1", "日": "2", "月": "3", "1": "1", "2": "2", "3": "3"}
GRADES = {"1", "2", "3", "4", "5", "6", "7", "9"}
GROUPS = {"70", "55", "45", "00"}
CARE_LEVELS = {"06", "12", "13", "21", "22", "23", "24", "25"}


class MasterFileError(Exception):
    """The file cannot be imported; ``messages`` lists every problem (Japanese, with line numbers)."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


# --------------------------------------------------------------------------- reading


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or Shift_JIS/cp932 as saved by Excel."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp932")
        except UnicodeDecodeError:
            raise MasterFileError(["文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。"])


def _rows(text: str, header: list[str]) -> Iterable[tuple[int, list[str]]]:
    """(line number, cells) of the data rows; '#' comment lines and blank lines are skipped."""
    reader = csv.reader(io.StringIO(text))
    seen_header = False
    for cells in reader:
        lineno = reader.line_num
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in cells]
        if not seen_header:
            if cells[: len(header)] != header:
                raise MasterFileError([f"{lineno}行目: 見出し行が想定と異なります。期待する見出し: {','.join(header)}"])
            seen_header = True
            continue
        yield lineno, cells + [""] * (len(header) - len(cells))
    if not seen_header:
        raise MasterFileError(["見出し行がありません（README.md の形式を参照してください）。"])


_DATE_RE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def _date(value: str, *, what: str, lineno: int, errors: list[str], required: bool = True) -> date | None:
    if not value:
        if required:
            errors.append(f"{lineno}行目: {what}が空です（YYYY-MM-DD で入力）。")
        return None
    m = _DATE_RE.fullmatch(value)
    try:
        if not m:
            raise ValueError
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        errors.append(f"{lineno}行目: {what}「{value}」は日付ではありません（YYYY-MM-DD で入力）。")
        return None


def _int(value: str, *, what: str, lineno: int, errors: list[str], blank: int | None = None) -> int | None:
    if value == "" and blank is not None:
        return blank
    if not re.fullmatch(r"-?\d+", value):
        errors.append(f"{lineno}行目: {what}「{value}」は整数ではありません。")
        return None
    return int(value)


def _flag(value: str, *, what: str, lineno: int, errors: list[str]) -> bool:
    if value in ("1", "対象", "○", "はい"):
        return True
    if value in ("0", "", "対象外", "いいえ"):
        return False
    errors.append(f"{lineno}行目: {what}「{value}」は 1 か 0 で入力してください。")
    return False


def _period(cells, i_from, lineno, errors):
    frm = _date(cells[i_from], what="適用開始日", lineno=lineno, errors=errors)
    to = _date(cells[i_from + 1], what="適用終了日", lineno=lineno, errors=errors, required=False)
    if frm and to and to < frm:
        errors.append(f"{lineno}行目: 適用終了日 {to} が適用開始日 {frm} より前です。")
    return frm, to


def parse_service_codes(text: str) -> list[dict]:
    errors: list[str] = []
    out: list[dict] = []
    seen: dict[tuple, int] = {}
    for lineno, c in _rows(text, SERVICE_CODE_HEADER):
        kind, item, name = c[0], c[1], c[2]
        if not re.fullmatch(r"[0-9A-Z]{2}", kind):
            errors.append(f"{lineno}行目: サービス種類コード「{kind}」は英数字2桁で入力してください。")
        if not re.fullmatch(r"[0-9A-Z]{4}", item):
            errors.append(f"{lineno}行目: サービス項目コード「{item}」は英数字4桁で入力してください。")
        if not name:
            errors.append(f"{lineno}行目: サービス名称が空です。")
        units = _int(c[3], what="単位数", lineno=lineno, errors=errors, blank=0)
        rate = None
        if c[4]:
            rate = _int(c[4], what="率（1000分率）", lineno=lineno, errors=errors)
            if rate is not None and not 0 < rate < 1000:
                errors.append(f"{lineno}行目: 率（1000分率）「{c[4]}」は1〜999で入力してください（24.5% → 245）。")
        calc = CALC_UNITS.get(c[5])
        if calc is None:
            errors.append(f"{lineno}行目: 算定単位「{c[5]}」は 回・日・月 のいずれかで入力してください。")
        limit = _flag(c[6], what="区分支給限度対象", lineno=lineno, errors=errors)
        addon = _flag(c[7], what="加算", lineno=lineno, errors=errors)
        entered = _flag(c[8], what="単位数入力", lineno=lineno, errors=errors)
        if rate is not None and limit:
            errors.append(f"{lineno}行目: 率で計算する加算（{kind}{item}）は区分支給限度対象外（0）にしてください。")
        frm, to = _period(c, 9, lineno, errors)
        levels = [v for v in re.split(r"[/／・ ]+", c[11]) if v] if len(c) > 11 else []
        bad_levels = [v for v in levels if v not in CARE_LEVELS]
        if bad_levels:
            errors.append(
                f"{lineno}行目: 要介護状態区分「{c[11]}」は 21〜25（要介護1〜5）・12/13（要支援1/2）・06（事業対象者）"
                "を「/」で区切って入力してください（空欄は区分を問わない）。"
            )
        key = (kind, item, frm)
        if key in seen:
            errors.append(
                f"{lineno}行目: サービスコード {kind}{item}（適用開始日 {frm}）が{seen[key]}行目と重複しています。"
            )
        seen[key] = lineno
        out.append(
            {
                "service_type_code": kind,
                "service_item_code": item,
                "name": name,
                "units": units or 0,
                "rate_permille": rate,
                "calc_unit": calc or "1",
                "limit_target": limit,
                "is_addon": addon,
                "units_entered": entered,
                "valid_from": frm,
                "valid_to": to,
                "care_levels": "/".join(levels),
            }
        )
    if errors:
        raise MasterFileError(errors)
    if not out:
        raise MasterFileError(["データ行がありません。"])
    return out


def parse_unit_prices(text: str) -> list[dict]:
    errors: list[str] = []
    out = []
    for lineno, c in _rows(text, UNIT_PRICE_HEADER):
        if c[0] not in GRADES:
            errors.append(f"{lineno}行目: 地域区分「{c[0]}」は 1〜7（級地）または 9（その他）で入力してください。")
        if c[1] not in GROUPS:
            errors.append(f"{lineno}行目: 人件費割合「{c[1]}」は 70・55・45・00 のいずれかで入力してください。")
        try:
            yen = Decimal(c[2])
            if not re.fullmatch(r"\d{1,2}\.\d{2}", c[2]):
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"{lineno}行目: 単位数単価「{c[2]}」は 99.99 の形で入力してください。")
            yen = None
        frm, to = _period(c, 3, lineno, errors)
        out.append({"regional_grade": c[0], "group": c[1], "yen": yen, "valid_from": frm, "valid_to": to})
    if errors:
        raise MasterFileError(errors)
    return out


def parse_cost_share_groups(text: str) -> list[dict]:
    errors: list[str] = []
    out = []
    for lineno, c in _rows(text, COST_GROUP_HEADER):
        if not re.fullmatch(r"[0-9A-Z]{2}", c[0]):
            errors.append(f"{lineno}行目: サービス種類コード「{c[0]}」は英数字2桁で入力してください。")
        if c[1] not in GROUPS:
            errors.append(f"{lineno}行目: 人件費割合「{c[1]}」は 70・55・45・00 のいずれかで入力してください。")
        frm, to = _period(c, 2, lineno, errors)
        out.append({"service_type_code": c[0], "group": c[1], "valid_from": frm, "valid_to": to})
    if errors:
        raise MasterFileError(errors)
    return out


def parse_benefit_limits(text: str) -> list[dict]:
    errors: list[str] = []
    out = []
    for lineno, c in _rows(text, BENEFIT_LIMIT_HEADER):
        if c[0] not in CARE_LEVELS:
            errors.append(f"{lineno}行目: 要介護状態区分「{c[0]}」は 06・12・13・21〜25 のいずれかで入力してください。")
        units = _int(c[1], what="区分支給限度基準額", lineno=lineno, errors=errors)
        frm, to = _period(c, 2, lineno, errors)
        out.append({"care_level": c[0], "units": units, "valid_from": frm, "valid_to": to})
    if errors:
        raise MasterFileError(errors)
    return out


# --------------------------------------------------------------------------- importing

# kind → (parser, model name, key fields)
KINDS: dict[str, tuple[Callable[[str], list[dict]], str, tuple[str, ...]]] = {
    "service_codes": (parse_service_codes, "ServiceCode", ("service_type_code", "service_item_code", "valid_from")),
    "unit_prices": (parse_unit_prices, "UnitPrice", ("regional_grade", "group", "valid_from")),
    "cost_share_groups": (parse_cost_share_groups, "CostShareGroup", ("service_type_code", "valid_from")),
    "benefit_limits": (parse_benefit_limits, "BenefitLimit", ("care_level", "valid_from")),
}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def import_master(kind: str, data: bytes | str, *, source: str = "", model=None) -> ImportResult:
    """Import one master file (all or nothing). Rows are matched on their key and updated."""
    parser, model_name, keys = KINDS[kind]
    text = decode(data) if isinstance(data, bytes) else data
    rows = parser(text)
    if model is None:
        from portal.masters import models as m

        model = getattr(m, model_name)
    result = ImportResult()
    known = {f.name for f in model._meta.fields}
    rows = [{k: v for k, v in row.items() if k in known} for row in rows]  # an older (migration) model
    with transaction.atomic():
        existing = {tuple(getattr(o, k) for k in keys): o for o in model.objects.all()}
        to_create = []
        for row in rows:
            if source:
                row["source"] = source[:200]
            key = tuple(row[k] for k in keys)
            obj = existing.get(key)
            if obj is None:
                to_create.append(model(**row))
            else:
                changed = False
                for f, v in row.items():
                    if getattr(obj, f) != v:
                        setattr(obj, f, v)
                        changed = True
                if changed:
                    obj.save()
                    result.updated += 1
        model.objects.bulk_create(to_create)
        result.created = len(to_create)
    clear_cache()
    return result


def _source_of(path: Path) -> str:
    """The 出典 line of a bundled file."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# 出典:"):
            return line[len("# 出典:") :].strip()
    return path.name


def load_bundled(get_model=None) -> dict[str, ImportResult]:
    """Load every bundled master file (used by the data migration and on first use)."""
    results = {}
    for kind, path in BUNDLED.items():
        model = get_model(KINDS[kind][1]) if get_model else None
        results[kind] = import_master(kind, path.read_bytes(), source=_source_of(path), model=model)
    return results


_loaded_checked = False


def ensure_loaded() -> None:
    """Load the bundled masters if the tables are empty (a fresh or flushed database)."""
    global _loaded_checked
    if _loaded_checked:
        return
    from portal.masters.models import BenefitLimit, ServiceCode, UnitPrice

    if not (ServiceCode.objects.exists() and UnitPrice.objects.exists() and BenefitLimit.objects.exists()):
        load_bundled()
    _loaded_checked = True


def reset_loaded_flag() -> None:
    global _loaded_checked
    _loaded_checked = False
    clear_cache()
