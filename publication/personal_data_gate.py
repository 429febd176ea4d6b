"""The release-wide gate: no personal data in any published text.

Before a release is swapped in (publication.release), `scan_published` reads every text of every
staged file and reports each match (comments.personal_data.scan_texts: counts and places, never
the matched text); a match stops the release and the previous one stays.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
from openpyxl.utils import get_column_letter

from comments.personal_data import Findings, scan_texts

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".md", ".json", ".yaml", ".yml"}
MARKUP_SUFFIXES = {".svg", ".html", ".htm", ".xml"}
MARKUP_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "content"}


def scan_published(folder: Path) -> Findings:
    """Scan every text of every file under `folder`: workbook cells, sheet names and properties,
    CSV and other text files by line, SVG / HTML text and labels, DuckDB text columns.

    Files of other formats (PNG, PDF ...) are listed in `unscanned`.
    """
    folder = Path(folder)
    texts: dict[str, str] = {}
    unscanned = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            texts |= _workbook_texts(path, name)
        elif suffix in TEXT_SUFFIXES:
            texts |= _lines(path, name)
        elif suffix in MARKUP_SUFFIXES:
            texts |= _markup_texts(path, name)
        elif suffix == ".duckdb":
            texts |= _duckdb_texts(path, name)
        else:
            unscanned.append(name)
    result = scan_texts(texts)
    return Findings(result.texts, result.found, tuple(unscanned))


def _workbook_texts(path: Path, name: str) -> dict[str, str]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        props = workbook.properties
        texts = {
            f"{name}!properties.{key}": value
            for key in ("title", "subject", "creator", "description", "keywords")
            if isinstance(value := getattr(props, key), str)
        }
        for sheet in workbook.worksheets:
            texts[f"{name}!{sheet.title}"] = sheet.title
            for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                for c, value in enumerate(row, start=1):
                    if isinstance(value, str):
                        texts[f"{name}!{sheet.title}!{get_column_letter(c)}{r}"] = value
    finally:
        workbook.close()
    return texts


def _lines(path: Path, name: str) -> dict[str, str]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() in (".csv", ".tsv"):
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return {
            f"{name}:row {r} column {c}": cell
            for r, row in enumerate(rows, start=1)
            for c, cell in enumerate(row, start=1)
            if cell
        }
    return {f"{name}:line {n}": line for n, line in enumerate(text.splitlines(), start=1) if line}


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


def _markup_texts(path: Path, name: str) -> dict[str, str]:
    parser = _MarkupText()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return {f"{name}:line {line} text {i}": t for i, (line, t) in enumerate(parser.parts, 1)}


def _duckdb_texts(path: Path, name: str) -> dict[str, str]:
    texts = {}
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
                texts[f"{name}:{schema}.{table}.{column} value {i}"] = value
    return texts
