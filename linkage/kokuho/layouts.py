"""The 国保連 interface record layouts, loaded from ``layouts.json`` (pure Python, no Django).

``layouts.json`` names the source of every field (mostly the JMA's QKAN, branch Qkan80, 2018)
and lists what could not be confirmed against a newer インタフェース仕様書.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

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
        Field(key=f["key"], name=f["name"], type=f["type"], length=f.get("len"), required=bool(f.get("required")),
              rows=f.get("rows", ROWS_ALL), value=f.get("value"),
              values=MappingProxyType(f["values"]) if "values" in f else None, source=f["source"])
        for f in spec["fields"]
    )
    return RecordLayout(exchange_id=exchange_id, name=spec["name"], quoted=spec["quoted"],
                        data_type=spec.get("data_type"), fields=fields)


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
