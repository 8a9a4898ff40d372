"""Findings (validation results) and replacement reports."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem found in a file or a send unit.

    ``record`` is the 1-based record number (a record may span several physical lines when a
    free-text field contains newlines); None for file-level findings. ``detail`` says what is
    wrong and what is expected; ``message`` prefixes it with the location.
    """

    severity: str  # 'error' | 'warning'
    file: str | None
    record: int | None
    field_no: int | None
    field_name: str | None
    detail: str
    code: str = ""  # short machine-readable rule id, e.g. 'length'
    line: int | None = None  # physical line where the record starts, when it differs from record

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def message(self) -> str:
        loc = self.file or "（ファイル名なし）"
        if self.record is not None:
            loc += f" {self.record}行目"
            if self.line is not None and self.line != self.record:
                loc += f"（ファイルの{self.line}行目から）"
        if self.field_no is not None:
            loc += f" 項目No.{self.field_no}（{self.field_name}）"
        return f"{loc}: {self.detail}"

    def __str__(self) -> str:
        label = "エラー" if self.is_error else "警告"
        return f"[{label}] {self.message}"


@dataclass(frozen=True)
class Replacement:
    """A character the writer had to replace to stay inside MS932."""

    file: str  # file name, or the layout prefix when written without a name
    record: int  # 1-based record number
    field_no: int
    field_name: str
    original: str
    replacement: str  # may be "" for invisible modifiers (variation selectors, joiners)

    @property
    def message(self) -> str:
        orig = " ".join(f"U+{ord(c):04X}" for c in self.original)
        new = f"「{self.replacement}」" if self.replacement else "（削除）"
        return (
            f"{self.file} {self.record}行目 項目No.{self.field_no}（{self.field_name}）: "
            f"「{self.original}」（{orig}）はShift-JIS(MS932)で送れないため{new}に置き換えました。"
        )


class StandardFileError(ValueError):
    """Raised when a file cannot be used as a whole. ``findings`` lists the errors."""

    def __init__(self, findings: list[Finding]):
        self.findings = list(findings)
        super().__init__("\n".join(f.message for f in self.findings if f.is_error) or "invalid file")
