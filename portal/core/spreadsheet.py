"""CSV for spreadsheets (Excel, LibreOffice): cells cannot become formulas.

A text cell that starts with ``= + - @`` (or a tab / carriage return, which some
spreadsheets skip before reading a formula) is prefixed with an apostrophe, the
way OWASP's "CSV Injection" page recommends. Numbers are written as numbers.
Only exports meant for people use this; the standard CSVs of
``linkage.standard`` are written byte-exact by their own writer and never pass here.
"""

from __future__ import annotations

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SpreadsheetWriter:
    """``csv.writer`` whose rows are defused cell by cell."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([defuse(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
