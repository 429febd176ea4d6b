"""The release-wide gate: no personal data in any published text.

Before a release is swapped in (publication.release), `scan_published` reads every text of every
staged file and reports each match (comments.personal_data: counts and places, never the matched
text); a match stops the release and the previous one stays.

A workbook the release has just written from its sheet model is scanned from the model's texts
(`WorkbookTexts`, given by the writer) rather than read back: the model's texts are exactly the
file's cell texts (tests/publication/test_gate.py reads a published workbook back to show it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb

from comments.personal_data import Findings, Scanner

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".md", ".json", ".yaml", ".yml"}
MARKUP_SUFFIXES = {".svg", ".html", ".htm", ".xml"}
MARKUP_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "content"}
# The document properties scanned, as openpyxl names them.
WORKBOOK_PROPERTIES = ("title", "subject", "creator", "description", "keywords")

# (row, column, text): one-based, as a spreadsheet numbers its cells
Cell = tuple[int, int, str]


@dataclass(frozen=True)
class WorkbookTexts:
    """Every text of a workbook: document properties by name, then each sheet's name and the
    texts of its cells."""

    properties: Mapping[str, str]
    sheets: Iterable[tuple[str, Iterable[Cell]]]


def column_letter(c: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def scan_published(folder: Path, workbooks: Mapping[str, WorkbookTexts] | None = None) -> Findings:
    """Scan every text of every file under `folder`: workbook cells, sheet names and properties,
    CSV and other text files by line, SVG / HTML text and labels, DuckDB text columns.
    `workbooks` gives the texts of workbooks written from a sheet model, by their path relative
    to `folder`; other workbooks are read.

    Files of other formats (PNG, PDF ...) are listed in `unscanned`.
    """
    folder = Path(folder)
    workbooks = workbooks or {}
    scanner = Scanner()
    unscanned = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            _scan_workbook(scanner, name, workbooks.get(name) or read_workbook_texts(path))
        elif suffix in TEXT_SUFFIXES:
            _scan_lines(scanner, path, name)
        elif suffix in MARKUP_SUFFIXES:
            _scan_markup(scanner, path, name)
        elif suffix == ".duckdb":
            _scan_duckdb(scanner, path, name)
        else:
            unscanned.append(name)
    return scanner.findings(tuple(unscanned))


def _scan_workbook(scanner: Scanner, name: str, texts: WorkbookTexts) -> None:
    for key, value in texts.properties.items():
        scanner.add(f"{name}!properties.{key}", value)
    for sheet, cells in texts.sheets:
        scanner.add(f"{name}!{sheet}", sheet)
        cells = list(cells)
        if scanner.any_match([text for _, _, text in cells]):
            for r, c, text in cells:
                if hit := scanner.matches_of(text):
                    scanner.record(f"{name}!{sheet}!{column_letter(c)}{r}", hit)


def read_workbook_texts(path: Path) -> WorkbookTexts:
    """The texts of an XLSX file as openpyxl reads them (string cells only)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        props = workbook.properties
        properties = {
            key: value
            for key in WORKBOOK_PROPERTIES
            if isinstance(value := getattr(props, key), str)
        }
        sheets = [(sheet.title, list(_sheet_cells(sheet))) for sheet in workbook.worksheets]
    finally:
        workbook.close()
    return WorkbookTexts(properties, sheets)


def _sheet_cells(sheet) -> Iterator[Cell]:
    for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                yield r, c, value


def _scan_lines(scanner: Scanner, path: Path, name: str) -> None:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() in (".csv", ".tsv"):
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        if scanner.any_match([cell for row in rows for cell in row if cell]):
            for r, row in enumerate(rows, start=1):
                for c, cell in enumerate(row, start=1):
                    if cell and (hit := scanner.matches_of(cell)):
                        scanner.record(f"{name}:row {r} column {c}", hit)
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if line:
            scanner.add(f"{name}:line {n}", line)


class _MarkupText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in MARKUP_ATTRIBUTES and value:
                self.parts.append((self.getpos()[0], value))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.parts.append((self.getpos()[0], data))


def _scan_markup(scanner: Scanner, path: Path, name: str) -> None:
    parser = _MarkupText()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    for i, (line, text) in enumerate(parser.parts, 1):
        scanner.add(f"{name}:line {line} text {i}", text)


def _scan_duckdb(scanner: Scanner, path: Path, name: str) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type = 'VARCHAR' and not internal order by all"
        ).fetchall()
        for schema, table, column in columns:
            values = con.execute(
                f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null'
            ).fetchall()
            for i, (value,) in enumerate(values, start=1):
                if hit := scanner.matches(value):
                    scanner.record(f"{name}:{schema}.{table}.{column} value {i}", hit)
