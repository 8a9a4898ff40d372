"""The 国保連 interface record layouts, loaded from ``layouts.json`` (pure Python, no Django).

``layouts.json`` names the source of every field (the JMA's QKAN, branch Qkan80, 2018) and, per
field, what it was checked against (``checked``: source, version, what was compared) and whether
it is confirmed for the 令和3年/令和6年 revisions (``confirmed_for_2021_2024``). Checked on
2026-11-30 with the public sources at hand:

- 8222 給付管理票情報: every item's name agrees with REAMS (an insurer-side system's entities for
  the 平成18年4月 layout; their order there is the database's, so the order is QKAN80's alone);
  lengths are QKAN80's.
- 8124 居宅介護支援介護給付費明細書情報: the item names agree with REAMS (給付実績 居宅サービス計画費,
  items from 平成21年4月); REAMS corroborates the lengths of 明細行番号 (2), 単位数単価 (4),
  担当介護支援専門員番号 (8) and 摘要 (20).
- 7111, the control and the end record: QKAN80 only.

Not confirmed (``UNCONFIRMED``, in full in layouts.json): no text of the インタフェース仕様書 or of
the 記載要領 newer than 2018 could be found, so no field is confirmed against the 令和3年 or 令和6年
revision and no change could be found to correct; the 伝送 file naming rule; the sign convention of
a 減算 line; the lengths of 8124 単位数/回数/サービス単位数; whether 摘要 is required for some add-ons.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

_DATA = json.loads((Path(__file__).with_name("layouts.json")).read_text(encoding="utf-8"))

FILE_ENCODING = "cp932"  # MS932
LINE_END = "\r\n"
DATA_TYPE_CLAIM = "711"
DATA_TYPE_BENEFIT = "821"

# row kinds (field "rows" in layouts.json)
ROWS_ALL = "all"
ROWS_DETAIL = "detail"  # only on detail rows (明細行番号 01..), blank on the 99 row
ROWS_TOTAL = "total"  # only on the 99 row, blank on detail rows
ROWS_TOTAL_OPTIONAL = "total_optional"  # may be set on the 99 row only
ROWS_NONE = "none"  # always blank (kept for position)
TOTAL_LINE = "99"


@dataclass(frozen=True)
class Field:
    key: str
    name: str
    type: str
    length: int | None
    required: bool
    rows: str
    value: str | None
    values: Mapping[str, str] | None
    source: str
    checked: tuple[Mapping[str, str], ...] = ()  # {source, version, what} per second source
    confirmed_for_2021_2024: bool = False


@dataclass(frozen=True)
class RecordLayout:
    exchange_id: str
    name: str
    quoted: bool
    data_type: str | None
    fields: tuple[Field, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


def _layout(exchange_id: str, spec: dict) -> RecordLayout:
    fields = tuple(
        Field(
            key=f["key"],
            name=f["name"],
            type=f["type"],
            length=f.get("len"),
            required=bool(f.get("required")),
            rows=f.get("rows", ROWS_ALL),
            value=f.get("value"),
            values=MappingProxyType(f["values"]) if "values" in f else None,
            source=f["source"],
            checked=tuple(MappingProxyType(c) for c in f.get("checked", ())),
            confirmed_for_2021_2024=bool(f.get("confirmed_for_2021_2024")),
        )
        for f in spec["fields"]
    )
    return RecordLayout(
        exchange_id=exchange_id,
        name=spec["name"],
        quoted=spec["quoted"],
        data_type=spec.get("data_type"),
        fields=fields,
    )


LAYOUTS: Mapping[str, RecordLayout] = MappingProxyType(
    {key: _layout(key, spec) for key, spec in _DATA["records"].items()}
)
CONTROL = LAYOUTS["control"]
END = LAYOUTS["end"]
DATA_LAYOUTS: Mapping[str, RecordLayout] = MappingProxyType(
    {key: layout for key, layout in LAYOUTS.items() if layout.data_type}
)
SOURCES: Mapping[str, str] = MappingProxyType(_DATA["sources"])
UNCONFIRMED: tuple[str, ...] = tuple(_DATA["unconfirmed"])
