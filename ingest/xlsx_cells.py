"""Cells of an XLSX worksheet that a reader would load as something they are not.

A formula cell carries the formula and, normally, the value it last calculated (`<v>`). A
workbook written by a program that does not calculate (or saved without recalculation) has
formulas with no stored value: readers then load the cell as blank, silently. Such cells are
found here, straight from the sheet's XML, so that the file is rejected naming sheet and cell.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")  # <f>, <x:f ...>, <f/>
CHUNK = 1024 * 1024
CELL_REF = re.compile(r"^([A-Z]+)([0-9]+)$")


def formulas_without_value(path: Path, sheet: str) -> list[tuple[int, int, str]]:
    """(row as in Excel, 0-based column, cell reference) of each formula cell of `sheet`
    without a stored value. The sheet is scanned for a formula tag first (streamed); only a
    sheet that has one is parsed."""
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet)
        if part is None or not _has_formula(archive, part):
            return []
        with archive.open(part) as fh:
            return list(_empty_formulas(fh))


def _has_formula(archive: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with archive.open(part) as fh:
        while chunk := fh.read(CHUNK):
            if FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _empty_formulas(fh) -> Iterator[tuple[int, int, str]]:  # noqa: ANN001 - a binary file
    for _, element in ElementTree.iterparse(fh, events=("end",)):
        if element.tag != f"{MAIN}c":
            continue
        formula = element.find(f"{MAIN}f")
        if formula is not None:
            value = element.find(f"{MAIN}v")
            inline = element.find(f"{MAIN}is")
            if (value is None or not value.text) and inline is None:
                ref = element.get("r") or "?"
                found = CELL_REF.match(ref)
                if found:
                    yield int(found.group(2)), _column_index(found.group(1)), ref
                else:
                    yield 0, 0, ref
        element.clear()


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the worksheet named `sheet` (via workbook.xml and its rels)."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rel_id = next(
        (s.get(f"{REL}id") for s in workbook.iter(f"{MAIN}sheet") if s.get("name") == sheet), None
    )
    target = next(
        (r.get("Target") for r in rels.iter(f"{PACKAGE_REL}Relationship") if r.get("Id") == rel_id),
        None,
    )
    if target is None:
        return None
    part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    part = posixpath.normpath(part)
    return part if part in archive.namelist() else None
