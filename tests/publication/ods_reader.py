"""A lean reader of ODS files for the tests: every sheet as rows of values, read from the
package's content.xml with the standard library's XML parser.

It follows pandas' OpenDocument reader cell by cell (float and percentage values as numbers, an
integral float as an int, text with its paragraphs on separate lines and `text:s` spaces, empty
rows and cells as None, rows padded to the sheet's widest), and takes a fraction of its time:
pandas' reader builds an odfpy object per node. That the two agree on a whole release is
checked in `make test` (tests/publication/test_ods_reader.py, slow); the other ODS tests use this
one.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
CELLS = {f"{TABLE}table-cell", f"{TABLE}covered-table-cell"}


def read_ods(path: Path) -> dict[str, list[list]]:
    """Every sheet of an ODS file as rows of values (None for an empty cell)."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("content.xml"))
    return {sheet.get(f"{TABLE}name"): _rows(sheet) for sheet in root.iter(f"{TABLE}table")}


def _rows(sheet: ElementTree.Element) -> list[list]:
    rows: list[list] = []
    empty_rows = 0
    for row in sheet.iter(f"{TABLE}table-row"):
        values: list = []
        empty_cells = 0
        for cell in row:
            if cell.tag not in CELLS:
                continue
            value = _value(cell)
            repeat = int(cell.get(f"{TABLE}number-columns-repeated", 1))
            if value is None:
                empty_cells += repeat
            else:
                values.extend([None] * empty_cells + [value] * repeat)
                empty_cells = 0
        repeat = int(row.get(f"{TABLE}number-rows-repeated", 1))
        if values:
            rows.extend([[None]] * empty_rows + [list(values) for _ in range(repeat)])
            empty_rows = 0
        else:
            empty_rows += repeat
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def _value(cell: ElementTree.Element) -> float | int | str | None:
    kind = cell.get(f"{OFFICE}value-type")
    if kind is None or (cell.tag != f"{TABLE}table-cell" and cell.get(f"{OFFICE}value") is None):
        return None
    if kind in ("float", "percentage"):
        number = float(cell.get(f"{OFFICE}value"))
        return int(number) if kind == "float" and number == int(number) else number
    if kind == "string":
        return _text(cell) or None
    raise ValueError(f"ODS cell of type {kind}: not written by the publication")


def _text(element: ElementTree.Element) -> str:
    parts = [(element.text or "").strip("\n")]
    paragraphs = 0
    for child in element:
        if child.tag == f"{TEXT}s":
            parts.append(" " * int(child.get(f"{TEXT}c", 1)))
        elif child.tag == f"{TEXT}line-break":
            parts.append("\n")
        elif child.tag != f"{OFFICE}annotation":
            if child.tag == f"{TEXT}p":
                parts.append("\n" if paragraphs else "")
                paragraphs += 1
            parts.append(_text(child))
        parts.append((child.tail or "").strip("\n"))
    return "".join(parts)
