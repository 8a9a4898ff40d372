"""Codec and validator for the ケアプランデータ連携標準仕様 4.1 CSV files (pure Python).

Layouts
    ``LAYOUTS`` (4.1, CSVバージョン 202407, by prefix), ``LAYOUTS_V32`` (3.2, 202208, reading only),
    ``layout_for(prefix, csv_version="202407") -> Layout``.

File names
    ``FileName.parse(name) -> FileName``; ``FileName(...).build() -> str``.
    The 14-digit ``YYYYMMDDHHMMSS`` part is the ファイル連番 (``FileName.created`` /
    ``FileName.sequence``); every file of one send unit carries the same value.
    ``next_sequence(previous, now=None) -> datetime`` gives a strictly increasing value.

Writing
    ``write_records(layout, rows, *, file=None) -> (bytes, list[Replacement])``.
    Rows are dicts keyed by 項目No. or sequences in field order; values may be str (written as
    is), None, date, time, int or Decimal. Characters outside MS932 are replaced and reported.

Send units
    ``build_send_unit(kind, records, *, sender_office, sender_kind, recipient_office,
    recipient_kind, sequence, month=None, validate=True) -> BuiltUnit`` (``.files`` =
    [(name, bytes)], ``.replacements``, ``.findings``, ``.ok``); or ``SendUnit(...).add(...).build()``.

Reading and validation
    ``read_file(name, bytes_or_binary_file) -> ParsedFile`` (``.rows`` raw strings,
    ``.records`` typed values, ``.findings``, ``.ok``); never raises for bad content.
    ``iter_file(name, fileobj)`` streams typed records and raises ``StandardFileError``.
    ``iter_records(fileobj)`` streams raw records without layout checks.
    ``validate_files([(name, bytes_or_fileobj), ...]) -> list[Finding]`` checks each file and
    the send units the files form (grouped by sender, recipient and ファイル連番).

CLI: ``python -m linkage.standard validate FILE... | dump FILE | write DIR``.
"""

from .codec import ZERO_DATE, ZERO_MONTH, RecordError, format_record, iter_records, to_typed, write_records
from .filename import FileName, FileNameError, next_sequence
from .findings import ERROR, WARNING, Finding, Replacement, StandardFileError
from .layouts import (
    CSV_VERSION_32,
    CSV_VERSION_41,
    LAYOUTS,
    LAYOUTS_V32,
    LINKED_SERVICE_KINDS,
    UNLINKED_SERVICE_KINDS,
    Field,
    Layout,
    layout_for,
)
from .units import BuiltUnit, SendUnit, build_send_unit
from .validate import UNIT_KINDS, ParsedFile, has_errors, iter_file, read_file, validate_files

__all__ = [
    "BuiltUnit",
    "CSV_VERSION_32",
    "CSV_VERSION_41",
    "ERROR",
    "Field",
    "FileName",
    "FileNameError",
    "Finding",
    "LAYOUTS",
    "LAYOUTS_V32",
    "LINKED_SERVICE_KINDS",
    "Layout",
    "ParsedFile",
    "RecordError",
    "Replacement",
    "SendUnit",
    "StandardFileError",
    "UNIT_KINDS",
    "UNLINKED_SERVICE_KINDS",
    "WARNING",
    "ZERO_DATE",
    "ZERO_MONTH",
    "build_send_unit",
    "format_record",
    "has_errors",
    "iter_file",
    "iter_records",
    "layout_for",
    "next_sequence",
    "read_file",
    "to_typed",
    "validate_files",
    "write_records",
]
