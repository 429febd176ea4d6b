"""Checks of a published workbook against the Analysis Function's checklist for releasing
statistics in spreadsheets, as far as a program can check them. `check_workbook` returns the
problems found, each naming the sheet (and cell or column); an empty list passes.

Checked: cover and contents first, every later sheet listed and hyperlinked on the contents
sheet; a title in A1 of every sheet; no merged cells; at most one table per sheet, marked as a
table, with unique, non-empty headings, at most `MAX_COLUMNS` columns, no blank cells; a table
sheet says it holds one table; every column holding numbers states its unit in its heading
(`(%)` or `(number)`), holds nothing but numbers of one format and shorthand, and no number
stored as text; percentages within 0-100; rows of wrapped text tall enough for it; print set to
the page width with the heading row repeated; document title, subject, author and language.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from publication import shorthand
from publication.sheet_model import LINE_HEIGHT, MAX_COLUMNS, text_lines

SHORTHAND = {
    shorthand.SIGNIFICANT,
    shorthand.NOT_SIGNIFICANT,
    shorthand.LOW_RELIABILITY,
    shorthand.NOT_APPLICABLE,
    shorthand.NOT_AVAILABLE,
    shorthand.CONFIDENTIAL,
}
UNIT = re.compile(r"\((%|number)\)$")
NUMBER_AS_TEXT = re.compile(r"^\s*-?[\d,]+(\.\d+)?\s*%?\s*$")
DEFAULT_WIDTH = 8.43


def _widths(ws) -> dict[int, float]:
    """Each column's width that is set (openpyxl keeps equal neighbours as one range)."""
    widths: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.width:
            for column in range(dim.min, dim.max + 1):
                widths.setdefault(column, dim.width)
    return widths


def _height_ok(ws, cell, widths: dict[int, float]) -> bool:
    """A wrapped text cell's row is tall enough for its lines (within one line of slack)."""
    if not isinstance(cell.value, str) or not (cell.alignment and cell.alignment.wrap_text):
        return True
    lines = text_lines(cell.value, widths.get(cell.column, DEFAULT_WIDTH))
    if lines <= 1:
        return True
    height = ws.row_dimensions[cell.row].height
    return height is not None and height >= (lines - 1) * LINE_HEIGHT


def _check_table(ws, widths: dict[int, float], problems: list[str]) -> None:
    name = ws.title
    (table,) = ws.tables.values()
    rows = list(ws[table.ref])
    header, body = [c.value for c in rows[0]], rows[1:]
    if len(header) > MAX_COLUMNS:
        problems.append(f"{name}: {len(header)} columns (at most {MAX_COLUMNS})")
    if any(not h for h in header) or len(set(header)) != len(header):
        problems.append(f"{name}: blank or repeated column headings")
    for cell in rows[0]:
        if not _height_ok(ws, cell, widths):
            problems.append(f"{name}!{cell.coordinate}: heading row too short for its text")
            break
    first_row = rows[0][0].row
    above = " ".join(str(ws.cell(r, 1).value) for r in range(2, first_row) if ws.cell(r, 1).value)
    if "contains one table" not in above:
        problems.append(f"{name}: no line saying the sheet contains one table")
    for c, heading in enumerate(header):
        cells = [row[c] for row in body]
        numbers = [x for x in cells if isinstance(x.value, int | float)]
        texts = [x for x in cells if isinstance(x.value, str)]
        if any(x.value is None or x.value == "" for x in cells):
            problems.append(f"{name}: blank cell in column '{heading}'")
        if not numbers:
            continue
        if not UNIT.search(str(heading)):
            problems.append(f"{name}: column '{heading}' holds numbers but states no unit")
        if len({x.number_format for x in numbers}) > 1:
            problems.append(f"{name}: column '{heading}' mixes number formats")
        odd = [x for x in texts if x.value not in SHORTHAND]
        if odd:
            problems.append(f"{name}!{odd[0].coordinate}: text among the numbers of '{heading}'")
        if str(heading).endswith("(%)") and any(not 0 <= x.value <= 100 for x in numbers):
            problems.append(f"{name}: column '{heading}' has a percentage outside 0-100")
    for row in body:
        for cell in row:
            if isinstance(cell.value, str) and NUMBER_AS_TEXT.match(cell.value):
                problems.append(f"{name}!{cell.coordinate}: number stored as text")
            elif not _height_ok(ws, cell, widths):
                problems.append(f"{name}!{cell.coordinate}: row too short for its wrapped text")
    if not ws.print_title_rows:
        problems.append(f"{name}: heading row not repeated on printed pages")


def check_workbook(workbook: Path | openpyxl.Workbook) -> list[str]:
    """The problems of a workbook: its path, or the workbook as openpyxl loads it in full (not
    read-only: the checks read styles, dimensions and hyperlinks)."""
    wb = workbook if isinstance(workbook, openpyxl.Workbook) else openpyxl.load_workbook(workbook)
    problems: list[str] = []
    props = wb.properties
    for field in ("title", "subject", "creator", "language"):
        if not getattr(props, field):
            problems.append(f"document property {field} not set")
    names = wb.sheetnames
    if names[:2] != ["Cover", "Contents"]:
        problems.append(f"first sheets are {names[:2]}, not Cover and Contents")
    contents = wb["Contents"] if "Contents" in names else None
    linked = set()
    if contents is not None:
        for row in contents.iter_rows():
            for cell in row:
                if cell.hyperlink is not None and cell.hyperlink.location:
                    linked.add(cell.hyperlink.location.split("!")[0].strip("'"))
    missing = [n for n in names[2:] if n not in linked]
    if missing:
        problems.append(f"Contents: sheets not listed with a link: {missing[:5]}")
    for ws in wb.worksheets:
        widths = _widths(ws)
        if not ws["A1"].value:
            problems.append(f"{ws.title}: no title in A1")
        if ws.merged_cells.ranges:
            problems.append(f"{ws.title}: merged cells")
        if len(ws.tables) > 1:
            problems.append(f"{ws.title}: {len(ws.tables)} tables on one sheet")
        setup = ws.sheet_properties.pageSetUpPr
        if not (setup and setup.fitToPage and ws.page_setup.fitToWidth in (1, None)):
            problems.append(f"{ws.title}: not printed to the page width")
        if ws.page_setup.fitToHeight not in (0, "0"):
            problems.append(f"{ws.title}: printed to a fixed number of pages down")
        for row in ws.iter_rows(min_col=1, max_col=1, max_row=40):
            cell = row[0]
            if not _height_ok(ws, cell, widths):
                problems.append(f"{ws.title}!{cell.coordinate}: row too short for its text")
        if ws.tables:
            _check_table(ws, widths, problems)
        elif ws.title not in ("Cover",):
            problems.append(f"{ws.title}: no table")
    return problems
