"""Building send units (送信単位, §d-2): the files that share one ファイル連番."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .codec import ZERO_DATE, ZERO_MONTH, normalize_row, write_records
from .filename import FileName
from .findings import Finding, Replacement
from .layouts import LAYOUTS, MONTH_PREFIXES
from .validate import UNIT_KINDS, read_file, validate_parsed

#: Unit kinds whose files carry a service month (対象年月) in the name.
MONTH_UNITS = frozenset({"schedule", "schedule_delete", "actual", "actual_delete"})

# Fields filled in when left None: (unit kind, prefix) → {field No.: "month" | constant}
_AUTOFILL: dict[tuple[str, str], dict[int, str]] = {
    ("plan", "UPHOSOKU"): {63: ZERO_MONTH},
    ("schedule", "UPHOSOKU"): {4: ZERO_DATE, 63: "month"},
    ("schedule", "UPPLAN"): {5: "month"},
    ("schedule", "UPSIKYU"): {5: "month"},
    ("schedule_delete", "DLTPLAN"): {4: "month"},
    ("actual", "UPJSK"): {5: "month"},
    ("actual_delete", "DLTJSK"): {4: "month"},
}
# Files are written in this order (parents first).
_ORDER = [
    "UP1KYO",
    "UP2KYO",
    "UP3KYO",
    "UPPLAN",
    "UPSIKYU",
    "UPHOSOKU",
    "DLT1KYO",
    "DLTPLAN",
    "UPJSK",
    "DLTJSK",
    "UPKIHON",
    "UPKIHON_SUB1",
    "UPKIHON_SUB2",
    "UPYOBO",
    "UPYOBO_SUB",
    "DLTKIHON",
    "DLTYOBO",
]


@dataclass
class BuiltUnit:
    """The result of :meth:`SendUnit.build`."""

    sequence: str  # the ファイル連番 (14 digits) shared by all files
    files: list[tuple[str, bytes]]  # (file name, file content)
    replacements: list[Replacement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)


def _month_str(month: str | date | None) -> str | None:
    if month is None:
        return None
    if isinstance(month, date):
        return f"{month.year:04d}{month.month:02d}"
    return str(month)


class SendUnit:
    """Collects the records of one send unit and writes its files.

    ``kind`` is one of ``UNIT_KINDS``: 'plan' (1表+2表+3表+補足), 'schedule' (6表+7表+補足 of one
    month; also the 介護予防 サービス利用票), 'plan_delete', 'schedule_delete', 'actual',
    'actual_delete', 'prevention' (利用者基本情報+別表 / 介護予防サービス・支援計画書+別表),
    'prevention_basic_delete', 'prevention_plan_delete'.

    ``sequence`` is the ファイル連番 (a datetime, second resolution) written into every file name.
    The caller must supply a value strictly greater than the last one used on the same
    sender→recipient route (see :func:`linkage.standard.next_sequence`).
    """

    def __init__(
        self,
        kind: str,
        *,
        sender_office: str,
        sender_kind: str,
        recipient_office: str,
        recipient_kind: str,
        sequence: datetime,
        month: str | date | None = None,
    ):
        if kind not in UNIT_KINDS:
            raise ValueError(f"unknown send unit kind {kind!r}; one of {sorted(UNIT_KINDS)}")
        self.kind = kind
        self.month = _month_str(month)
        if kind in MONTH_UNITS and not self.month:
            raise ValueError(f"send unit {kind!r} needs month='YYYYMM'")
        if kind not in MONTH_UNITS and self.month:
            raise ValueError(f"send unit {kind!r} has no month")
        self.sender_office = sender_office
        self.sender_kind = sender_kind
        self.recipient_office = recipient_office
        self.recipient_kind = recipient_kind
        self.sequence = sequence.replace(microsecond=0)
        self._rows: dict[str, list] = {}

    def add(self, prefix: str, rows: Iterable[Mapping[int, Any] | Sequence[Any]]) -> SendUnit:
        allowed = UNIT_KINDS[self.kind][0]
        if prefix not in allowed:
            raise ValueError(f"{prefix} does not belong in a {self.kind!r} send unit ({sorted(allowed)})")
        self._rows.setdefault(prefix, []).extend(rows)
        return self

    def file_name(self, prefix: str) -> FileName:
        month = None
        if prefix in MONTH_PREFIXES:
            month = ZERO_MONTH if (prefix == "UPHOSOKU" and self.kind == "plan") else self.month
        return FileName(
            prefix=prefix,
            month=month,
            sender_office=self.sender_office,
            sender_kind=self.sender_kind,
            recipient_office=self.recipient_office,
            recipient_kind=self.recipient_kind,
            created=self.sequence,
            version=4,
        )

    def _filled(self, prefix: str, rows: list) -> list:
        fill = _AUTOFILL.get((self.kind, prefix))
        layout = LAYOUTS[prefix]
        if not fill:
            return rows
        out = []
        for row in rows:
            r = list(normalize_row(layout, row))
            for no, value in fill.items():
                if r[no - 1] is None:
                    r[no - 1] = self.month if value == "month" else value
            out.append(r)
        return out

    def build(self, *, validate: bool = True) -> BuiltUnit:
        """Write every file. Raises ValueError when a required file has no records and
        :class:`~linkage.standard.codec.RecordError` for a record that cannot be written.
        With ``validate`` the written files are read back and checked as a unit."""
        present = {p for p, rows in self._rows.items() if rows}
        required = UNIT_KINDS[self.kind][1]
        if not present & required:
            raise ValueError(f"a {self.kind!r} send unit needs records for one of {sorted(required)}")
        built = BuiltUnit(self.file_name(next(iter(present))).sequence, [])
        for prefix in sorted(present, key=_ORDER.index):
            name = self.file_name(prefix).build()
            data, repl = write_records(LAYOUTS[prefix], self._filled(prefix, self._rows[prefix]), file=name)
            built.files.append((name, data))
            built.replacements.extend(repl)
        if validate:
            built.findings = validate_parsed([read_file(n, d) for n, d in built.files])
        return built


def build_send_unit(
    kind: str,
    records: Mapping[str, Iterable[Mapping[int, Any] | Sequence[Any]]],
    *,
    sender_office: str,
    sender_kind: str,
    recipient_office: str,
    recipient_kind: str,
    sequence: datetime,
    month: str | date | None = None,
    validate: bool = True,
) -> BuiltUnit:
    """One-call form of :class:`SendUnit`: ``records`` maps file prefix → records."""
    unit = SendUnit(
        kind,
        sender_office=sender_office,
        sender_kind=sender_kind,
        recipient_office=recipient_office,
        recipient_kind=recipient_kind,
        sequence=sequence,
        month=month,
    )
    for prefix, rows in records.items():
        unit.add(prefix, rows)
    return unit.build(validate=validate)
