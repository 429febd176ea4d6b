"""The workbook as data, before any file format: sheets of a title, explanatory lines and at most
one table. The XLSX (`workbook`) and ODS (`ods_edition`) writers write the same `Sheet`s, so the
two editions hold the same sheets, texts and numbers.

Every column heading is made by `heading`: a figure column states its unit, `(%)` or
`(number)`; a flag column is named after its figure column. (Release markers such as `[p]` or
`[r]` on figure headings belong there.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TEXT = "text"
PERCENT_UNIT = "%"
NUMBER = "number"
FLAG = "flag"
# Display formats by unit: percentages are stored 0-100 (as in the CSVs and the BI file) and
# shown to the nearest whole per cent; counts and bases with thousands separators.
NUMBER_FORMATS = {PERCENT_UNIT: "0", NUMBER: "#,##0"}
MAX_COLUMNS = 30
LINE_HEIGHT = 15.0  # points per line of 11-point text
CHAR_WIDTH = 1.1  # characters per unit of column width (a unit is the width of a digit)


def heading(label: str, unit: str) -> str:
    """A column's heading: `label (%)`, `label (number)`, `label: flag` or the label."""
    if unit in NUMBER_FORMATS:
        return f"{label} ({unit})"
    if unit == FLAG:
        return f"{label}: flag"
    return label


@dataclass(frozen=True)
class Column:
    heading: str
    unit: str
    width: float

    @property
    def number_format(self) -> str | None:
        return NUMBER_FORMATS.get(self.unit)


@dataclass(frozen=True)
class Link:
    """A hyperlink to cell A1 of another sheet, showing `text`."""

    text: str
    sheet: str


@dataclass(frozen=True)
class Line:
    """A line above the table (or of a sheet without one); `heading` lines are bold."""

    text: str
    heading: bool = False


Value = str | float | int | Link | None


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    lines: tuple[Line, ...]
    columns: tuple[Column, ...] = ()
    rows: tuple[tuple[Value, ...], ...] = ()
    table_name: str | None = None
    description: str = ""  # what the contents sheet says of it
    first_width: float = 100.0  # column A's width when the sheet has no table
    freeze_columns: int = 0  # label columns kept in view when scrolling right

    @property
    def header_row(self) -> int:
        """Zero-based row of the table's headings: after the title and the lines."""
        return 1 + len(self.lines)

    @property
    def wrap_lines(self) -> bool:
        """Lines wrap (in a tall row) on a sheet without a table; above a table each line is one
        row of text running on across the empty cells to its right."""
        return not self.columns

    def widths(self) -> list[float]:
        if not self.columns:
            return [self.first_width]
        return [c.width for c in self.columns]


def text_lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (word wrap)."""
    per_line = max(1, int(width * CHAR_WIDTH) - 1)
    lines = 0
    for paragraph in str(text).split("\n"):
        length, count = 0, 1
        for word in paragraph.split(" "):
            if length and length + 1 + len(word) > per_line:
                count += 1
                length = len(word)
            else:
                length += (1 if length else 0) + len(word)
        count += max(0, math.ceil(length / per_line) - 1)
        lines += count
    return lines


def row_height(texts: list[tuple[str, float]]) -> float | None:
    """Height in points of a row whose wrapped texts are (text, column width) pairs; None when
    one line fits (the application's default)."""
    lines = max(
        (
            text_lines(t, w)
            for t, w in texts
            if t and ("\n" in t or len(t) > int(w * CHAR_WIDTH) - 1)  # else one line
        ),
        default=1,
    )
    return None if lines <= 1 else lines * LINE_HEIGHT + 2
