"""Record layouts of the ケアプランデータ連携標準仕様 CSV files, loaded as data.

``layouts.json`` is a copy of the shared field list (``careplan-csv-4.1.fields.json``).
Every 4.1 layout (CSVバージョン 202407) is built from it, plus the 3.2 variants
(CSVバージョン 202208) that are only used for reading.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

CSV_VERSION_41 = "202407"
CSV_VERSION_32 = "202208"
#: CSVバージョン values that appear in the history but are not valid for reading/writing here,
#: with the reason shown to users.
KNOWN_WRONG_CSV_VERSIONS = MappingProxyType(
    {
        "201910": "初版（201910）は受付対象外です",
        "202003": "第2版（202003）は受付対象外です",
        "202504": "4.0版の値（202504）は4.1版で202407に変更されました",
        "202410": "4.1版の発出月（202410）はCSVバージョン値ではありません（正しくは202407）",
    }
)

#: Mislabelled CSVバージョン values that other software writes on 4.1 files (§a-6: 202410 is the month
#: 4.1 was published, 202504 the superseded 4.0 value). A tolerant reader takes them as 202407 when
#: the records have the 4.1 layout's field count and the file name is in the 4.1 form.
TOLERATED_CSV_VERSIONS = MappingProxyType(
    {
        "202410": "4.1版の発出月（202410）",
        "202504": "4.0版の値（202504）",
    }
)
#: サービス種類 of 介護給付 (要介護1〜5 only) and 予防給付 (要支援1・2 only), §a-8. 総合事業 (A1〜A8)
#: is left out: 要支援者・事業対象者 use it, and 要介護者 may continue it.
CARE_BENEFIT_KINDS = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "21",
        "22",
        "23",
        "2A",
        "31",
        "71",
        "76",
        "72",
        "78",
        "73",
        "68",
        "77",
        "79",
        "27",
        "28",
        "38",
    }
)
PREVENTION_BENEFIT_KINDS = frozenset(
    {"62", "63", "64", "66", "67", "24", "25", "26", "2B", "34", "74", "75", "69", "39"}
)
#: 要介護状態区分 codes (§e (3)).
CARE_LEVELS_CARE = frozenset({"21", "22", "23", "24", "25"})
CARE_LEVELS_SUPPORT = frozenset({"12", "13"})
CARE_LEVEL_PROGRAM_ONLY = "06"  # 事業対象者

# Field types as named in layouts.json.
T_YM = "YYYYMM"
T_DATE = "YYYYMMDD"
T_TIME = "HHMM"
T_DIGITS = "digits"
T_ALNUM = "alnum"
T_CODE = "code"
T_INT = "integer"
T_DEC = "decimal"
T_TEXT = "text"
T_POSTAL = "postal"
T_PHONE = "phone"
T_FLAGS31 = "flags31"
FIELD_TYPES = frozenset(
    {T_YM, T_DATE, T_TIME, T_DIGITS, T_ALNUM, T_CODE, T_INT, T_DEC, T_TEXT, T_POSTAL, T_PHONE, T_FLAGS31}
)

#: Prefixes whose file name carries a YYYYMM segment (対象年月 / 提供年月).
MONTH_PREFIXES = frozenset({"UPHOSOKU", "UPPLAN", "DLTPLAN", "UPJSK", "DLTJSK", "UPSIKYU"})
#: Prefixes that exist in 3.2 (CSVバージョン 202208).
V32_PREFIXES = frozenset({"UPHOSOKU", "UP1KYO", "DLT1KYO", "UP2KYO", "UPPLAN", "DLTPLAN", "UPJSK", "DLTJSK", "UPSIKYU"})

# §a-8 連携対象 / 対象外 service kinds (サービス種類コード).
LINKED_SERVICE_KINDS = MappingProxyType(
    {
        "11": "訪問介護",
        "12": "訪問入浴介護",
        "13": "訪問看護",
        "14": "訪問リハビリテーション",
        "15": "通所介護",
        "16": "通所リハビリテーション",
        "17": "福祉用具貸与",
        "21": "短期入所生活介護",
        "22": "短期入所療養介護（介護老人保健施設）",
        "23": "短期入所療養介護（介護療養型医療施設等）",
        "2A": "短期入所療養介護（介護医療院）",
        "31": "居宅療養管理指導",
        "71": "夜間対応型訪問介護",
        "76": "定期巡回・随時対応型訪問介護看護",
        "72": "認知症対応型通所介護",
        "78": "地域密着型通所介護",
        "73": "小規模多機能型居宅介護",
        "68": "小規模多機能型居宅介護（短期利用）",
        "77": "看護小規模多機能型居宅介護",
        "79": "看護小規模多機能型居宅介護（短期利用）",
        "27": "特定施設入居者生活介護（短期利用）",
        "28": "地域密着型特定施設入居者生活介護（短期利用）",
        "38": "認知症対応型共同生活介護（短期利用）",
        "62": "介護予防訪問入浴介護",
        "63": "介護予防訪問看護",
        "64": "介護予防訪問リハビリテーション",
        "66": "介護予防通所リハビリテーション",
        "67": "介護予防福祉用具貸与",
        "24": "介護予防短期入所生活介護",
        "25": "介護予防短期入所療養介護（介護老人保健施設）",
        "26": "介護予防短期入所療養介護（介護療養型医療施設等）",
        "2B": "介護予防短期入所療養介護（介護医療院）",
        "34": "介護予防居宅療養管理指導",
        "74": "介護予防認知症対応型通所介護",
        "75": "介護予防小規模多機能型居宅介護",
        "69": "介護予防小規模多機能型居宅介護（短期利用）",
        "39": "介護予防認知症対応型共同生活介護（短期利用）",
        "A1": "訪問型サービス（みなし）",
        "A2": "訪問型サービス（独自）",
        "A3": "訪問型サービス（独自／定率）",
        "A4": "訪問型サービス（独自／定額）",
        "A5": "通所型サービス（みなし）",
        "A6": "通所型サービス（独自）",
        "A7": "通所型サービス（独自／定率）",
        "A8": "通所型サービス（独自／定額）",
    }
)
UNLINKED_SERVICE_KINDS = MappingProxyType(
    {
        "33": "特定施設入居者生活介護",
        "36": "地域密着型特定施設入居者生活介護",
        "32": "認知症対応型共同生活介護（短期利用以外）",
        "41": "特定福祉用具販売",
        "42": "住宅改修",
        "51": "介護福祉施設サービス",
        "52": "介護保健施設サービス",
        "53": "介護療養施設サービス",
        "54": "地域密着型介護老人福祉施設入所者生活介護",
        "59": "特定介護サービス等",
        "81": "市町村特別給付",
        "35": "介護予防特定施設入居者生活介護",
        "37": "介護予防認知症対応型共同生活介護（短期利用以外）",
        "44": "特定介護予防福祉用具販売",
        "45": "介護予防住宅改修",
    }
)
#: Kinds of the sending/receiving offices that are not service kinds of §a-8 but appear in file names
#: (43 居宅介護支援, 46 介護予防支援).
OFFICE_ONLY_KINDS = MappingProxyType({"43": "居宅介護支援", "46": "介護予防支援"})
#: 福祉用具貸与 kinds (TAIS/届出コード rule, 明細判別コード).
WELFARE_EQUIPMENT_KINDS = frozenset({"17", "67"})


@dataclass(frozen=True)
class Field:
    """One field (項目) of a layout. ``no`` is the 1-based 項目No."""

    no: int
    name: str
    type: str
    length: int | None
    required: bool | None  # None = ○ ambiguous in the source (validated as a warning)
    values: Mapping[str, str] | None = None
    note: str = ""

    @property
    def is_text(self) -> bool:
        return self.type == T_TEXT


@dataclass(frozen=True)
class Layout:
    prefix: str
    name: str
    csv_version: str
    fields: tuple[Field, ...]
    has_month: bool

    @property
    def field_count(self) -> int:
        return len(self.fields)

    @property
    def version(self) -> int:
        """Major version of the standard: 4 (CSVバージョン 202407) or 3 (202208)."""
        return 4 if self.csv_version == CSV_VERSION_41 else 3

    def field(self, no: int) -> Field:
        return self.fields[no - 1]

    def no(self, name: str, nth: int = 1) -> int:
        """項目No. of the ``nth`` field called ``name`` (UP3KYO has two 開始時間)."""
        found = [f.no for f in self.fields if f.name == name]
        if len(found) < nth:
            raise KeyError(f"{self.prefix}: no field {name!r}")
        return found[nth - 1]

    def __str__(self) -> str:  # pragma: no cover - cosmetic
        return f"{self.prefix}({self.csv_version}, {self.field_count}項目)"


# Lengths the digest marks as a CONFLICT, with the length a reader (and so the validator) accepts:
# 第7表 No.30 前月までの利用日数 is 2 in the 4.1 layout text, 5 since the 3.2 revision (§c-8).
_ACCEPTED_LENGTHS = {("UPSIKYU", "前月までの利用日数"): 5}


def _build_fields(raw_fields: list[dict], prefix: str = "") -> tuple[Field, ...]:
    out = []
    for i, f in enumerate(raw_fields, start=1):
        if f["no"] != i:
            raise ValueError(f"layout field numbering broken at {f}")
        if f["type"] not in FIELD_TYPES:
            raise ValueError(f"unknown field type {f['type']}")
        values = f.get("values")
        out.append(
            Field(
                no=i,
                name=f["name_ja"],
                type=f["type"],
                length=max(f["length"] or 0, _ACCEPTED_LENGTHS.get((prefix, f["name_ja"]), 0)) or f["length"],
                required=f["required"],
                values=MappingProxyType(dict(values)) if values else None,
                note=f.get("note") or "",
            )
        )
    return tuple(out)


def _load() -> tuple[dict[str, Layout], dict[str, Layout], dict]:
    data = json.loads((Path(__file__).with_name("layouts.json")).read_text(encoding="utf-8"))
    v41: dict[str, Layout] = {}
    v32: dict[str, Layout] = {}
    meta: dict[str, dict] = {}
    for f in data["files"]:
        prefix = f["prefix"]
        fields = _build_fields(f["fields"], prefix)
        if len(fields) != f["field_count"]:
            raise ValueError(f"{prefix}: field_count mismatch")
        v41[prefix] = Layout(prefix, f["name_ja"], CSV_VERSION_41, fields, prefix in MONTH_PREFIXES)
        meta[prefix] = {k: f.get(k) for k in ("key", "output_by", "import_by", "obligation", "since")}
        if prefix in V32_PREFIXES:
            fields32 = _build_fields(f["fields_v3_2"]) if f.get("fields_v3_2") else fields
            v32[prefix] = Layout(prefix, f["name_ja"], CSV_VERSION_32, fields32, prefix in MONTH_PREFIXES)
    return v41, v32, meta


_V41, _V32, LAYOUT_INFO = _load()

#: 4.1 layouts (CSVバージョン 202407) by file prefix.
LAYOUTS: Mapping[str, Layout] = MappingProxyType(_V41)
#: 3.2 layouts (CSVバージョン 202208) by file prefix; read-only support.
LAYOUTS_V32: Mapping[str, Layout] = MappingProxyType(_V32)
#: All prefixes, longest first (so ``UPKIHON_SUB1`` wins over ``UPKIHON`` when matching names).
PREFIXES: tuple[str, ...] = tuple(sorted(_V41, key=len, reverse=True))


def layout_for(prefix: str, csv_version: str = CSV_VERSION_41) -> Layout:
    """Layout of ``prefix`` for CSVバージョン ``csv_version`` (202407 or 202208)."""
    if csv_version == CSV_VERSION_41:
        table = _V41
    elif csv_version == CSV_VERSION_32:
        table = _V32
    else:
        raise KeyError(f"unsupported CSVバージョン {csv_version!r}")
    try:
        return table[prefix]
    except KeyError:
        raise KeyError(f"no layout {prefix!r} for CSVバージョン {csv_version}") from None


def service_kind_of(service_code: str) -> str:
    """サービス種類コード (first two characters) of a 6-character サービスコード."""
    return service_code[:2]
