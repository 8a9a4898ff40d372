"""Validation of standard CSV files, one by one and as send units — the one public entry point.

Entry points: :func:`read_file` (one file → :class:`ParsedFile` with findings),
:func:`iter_file` (streaming typed records, raises on the first error) and
:func:`validate_files` (many files, grouped into send units by ファイル連番).

The rules live by family: ``fields`` (one field), ``checker`` (one file: name, version, layout,
records) with ``layout_rules`` (what one layout adds), ``units`` (which files make a send unit),
``sets`` (the cross-file and set rules of a unit, the service-code master) and ``reader`` (the
streaming reader). Import from ``linkage.standard.validate``, not from the modules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import BinaryIO

from ..findings import Finding
from .checker import FileChecker, ParsedFile
from .common import MAX_PER_RULE, TOTAL_OFFICE, TOTAL_SERVICE_CODE
from .reader import iter_file, read_file
from .sets import _check_master, check_unit
from .units import UNIT_KINDS, unit_kind_of

__all__ = [
    "MAX_PER_RULE",
    "TOTAL_OFFICE",
    "TOTAL_SERVICE_CODE",
    "UNIT_KINDS",
    "FileChecker",
    "ParsedFile",
    "check_unit",
    "has_errors",
    "iter_file",
    "read_file",
    "unit_kind_of",
    "validate_files",
    "validate_parsed",
]


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
    for pfs in units.values():
        findings.extend(check_unit(pfs, lenient=lenient))
    return findings


def validate_files(
    files: Iterable[tuple[str, bytes | BinaryIO]], *, lenient: bool = False, service_codes=None
) -> list[Finding]:
    """Check files given together: each file, then the send units they form.

    Files are grouped by (送信元, 送信先, ファイル連番); a group that is not one valid send unit
    (e.g. two units sharing a 連番) is reported. ``lenient``: see :func:`read_file`.
    """
    return validate_parsed(
        [read_file(name, src, lenient=lenient) for name, src in files], lenient=lenient, service_codes=service_codes
    )


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)
