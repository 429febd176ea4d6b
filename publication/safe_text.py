"""Text safe from formula injection, for every text cell of the workbook and the CSVs.

A spreadsheet may run a cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula. Such a text gets a leading apostrophe, the convention spreadsheet users know for
"this is text" (OWASP's advice for CSV injection). Only the first character matters: "16-24"
stays as it is, "-" becomes "'-".
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def neutralise(text: str) -> str:
    """`text`, prefixed with an apostrophe when it starts with a formula trigger."""
    return PREFIX + text if text.startswith(FORMULA_TRIGGERS) else text
