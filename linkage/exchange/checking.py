"""The 標準仕様CSVチェック: read files with linkage.standard and present its findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from linkage.standard import read_file
from linkage.standard.validate import validate_parsed

PREFIX_NAMES = {
    "UPHOSOKU": "利用者補足情報",
    "UP1KYO": "居宅サービス計画1表",
    "DLT1KYO": "居宅サービス計画1表_削除",
    "UP2KYO": "居宅サービス計画2表",
    "UP3KYO": "居宅サービス計画3表",
    "UPPLAN": "第6表（サービス利用票）予定",
    "DLTPLAN": "第6表 予定削除",
    "UPJSK": "第6表 実績情報",
    "DLTJSK": "第6表 実績情報削除",
    "UPSIKYU": "第7表（サービス利用票別表）",
}


@dataclass
class FileSummary:
    name: str
    kind: str
    records: int
    errors: int
    warnings: int


@dataclass
class CheckResult:
    files: list[FileSummary] = field(default_factory=list)
    findings: list = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings if not f.is_error)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def check_uploaded(files: list[tuple[str, bytes]], *, lenient: bool = False) -> CheckResult:
    """Check dropped files (CSVs, or ZIPs of them). ``lenient`` reads them as the importer does."""
    from linkage.exchange.safezip import UnsafeZip, looks_like_zip, unzip
    from linkage.standard import ERROR, Finding

    expanded: list[tuple[str, bytes]] = []
    refused: list = []
    for name, data in files:
        if looks_like_zip(name, data):
            try:
                expanded += unzip(data, zip_name=name)
            except UnsafeZip as exc:
                refused.append(Finding(ERROR, name, None, None, None, str(exc), "zip"))
        else:
            expanded.append((name, data))
    parsed = [read_file(name, data, lenient=lenient) for name, data in expanded]
    findings = refused + validate_parsed(parsed, lenient=lenient)
    result = CheckResult(findings=findings)
    for pf in parsed:
        mine = [f for f in findings if f.file == pf.name]
        prefix = pf.file_name.prefix if pf.file_name else (pf.layout.prefix if pf.layout else "")
        result.files.append(
            FileSummary(
                name=pf.name,
                kind=PREFIX_NAMES.get(prefix, pf.layout.name if pf.layout else "不明"),
                records=len(pf.rows),
                errors=sum(1 for f in mine if f.is_error),
                warnings=sum(1 for f in mine if not f.is_error),
            )
        )
    return result
