"""The supplementary-tables workbook, laid out as the Analysis Function advises for releasing
statistics in spreadsheets, written as XLSX (`xlsx_edition`) from the sheets of `build_sheets`
(the ODS edition, `ods_edition`, writes the same sheets).

Cover, Contents, Notes and Figures sheets, then one table per sheet; title in A1; explanatory
lines (wrapped, rows tall enough for their text), then the table (an Excel table) with no blank
rows and no merged cells; numbers stored as numbers with a number format, shorthand in square
brackets; print layout landscape A4, fitted to the page width, the heading row repeated on each
printed page; document properties title, subject, author and language.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from publication.alt_text import FigureText
from publication.metadata import PublicationInfo
from publication.notes import Notes
from publication.personal_data_gate import Cell, WorkbookTexts
from publication.safe_text import neutralise
from publication.sheet_model import TEXT, Column, Line, Link, Sheet
from publication.table_layout import interval_sheet, table_sheet
from publication.tables import PublishedTable
from publication.theme_sheet import theme_sheets
from publication.themes import ThemeTable
from publication.xlsx_edition import write_xlsx
from survey.questionnaire import Questionnaire

COVER, CONTENTS, NOTES, FIGURES = "Cover", "Contents", "Notes", "Figures"
FRONT = (COVER, CONTENTS, NOTES, FIGURES)


def cover_sheet(title: str, sections: list[tuple[str, list[str]]]) -> Sheet:
    """The cover: (heading, paragraphs) sections, each heading a bold line."""
    lines = [
        line
        for head, paragraphs in sections
        for line in (Line(head, heading=True), *(Line(p) for p in paragraphs))
    ]
    return Sheet(COVER, title, tuple(lines), first_width=85)


def notes_sheet(notes: Notes) -> Sheet:
    return Sheet(
        NOTES,
        "Notes",
        (Line("This worksheet contains one table. Table sheets cite these notes as [note N]."),),
        columns=(Column("Note number", TEXT, 12), Column("Note text", TEXT, 110)),
        rows=tuple((notes.ref(n.key), n.text) for n in notes.notes),
        table_name="notes",
        description="The notes the tables cite as [note N]",
    )


def figures_sheet(figures: list[FigureText]) -> Sheet:
    return Sheet(
        FIGURES,
        "Figures: titles and descriptions of the charts",
        (
            Line(
                "This worksheet contains one table: one row per chart published beside this "
                "workbook (folder figures/, as PNG and SVG). The description is the chart's "
                "alternative text, also held in each SVG (title and desc) and in "
                "figures/alt_text.csv."
            ),
        ),
        columns=(
            Column("Figure", TEXT, 9),
            Column("Title", TEXT, 40),
            Column("Description (alternative text)", TEXT, 100),
            Column("Files", TEXT, 18),
        ),
        rows=tuple((f.id, f.title, f.description, f"{f.id}.png, {f.id}.svg") for f in figures),
        table_name="figures",
        description="Titles and descriptions (alternative text) of the charts",
    )


def contents_sheet(sheets: list[Sheet]) -> Sheet:
    return Sheet(
        CONTENTS,
        "Contents",
        (
            Line(
                "This worksheet contains one table: one row per sheet after this one. Select a "
                "sheet name to go to it. The Cover sheet says what the release is and how the "
                "figures were made."
            ),
        ),
        columns=(Column("Sheet name", TEXT, 14), Column("Contents", TEXT, 100)),
        rows=tuple((Link(s.name, s.name), s.description) for s in sheets),
        table_name="contents",
    )


def build_sheets(
    q: Questionnaire,
    tables: list[PublishedTable | ThemeTable],
    notes: Notes,
    title: str,
    cover_sections: list[tuple[str, list[str]]],
    figures: list[FigureText],
) -> list[Sheet]:
    """Every sheet in order: Cover, Contents, Notes, Figures (when there are charts), then the
    tables, each table's confidence intervals on the sheet after it."""
    body = [notes_sheet(notes), *([figures_sheet(figures)] if figures else [])]
    for t in tables:
        if isinstance(t, ThemeTable):
            body += theme_sheets(t, q, notes)
            continue
        body.append(table_sheet(t, q, notes))
        if (intervals := interval_sheet(t, q, notes)) is not None:
            body.append(intervals)
    return [cover_sheet(title, cover_sections), contents_sheet(body), *body]


def _properties(sheets: list[Sheet], info: PublicationInfo, author: str) -> dict[str, str]:
    return {
        "title": sheets[0].title,
        "subject": info.subject,
        "author": author,
        "company": author,
        "comments": info.release_description,
    }


def _cell_texts(sheet: Sheet) -> Iterator[Cell]:
    """The texts `_write_sheet` writes, as (row, column, text), one-based (an empty text too:
    it is written as an empty text cell)."""
    texts = [(1, 1, sheet.title), *((i, 1, line.text) for i, line in enumerate(sheet.lines, 2))]
    if sheet.columns:
        top = sheet.header_row + 1
        texts += [(top, c, column.heading) for c, column in enumerate(sheet.columns, 1)]
        for r, row in enumerate(sheet.rows, start=top + 1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, Link):
                    texts.append((r, c, value.text))
                elif isinstance(value, str):
                    texts.append((r, c, value))
    return ((r, c, neutralise(text)) for r, c, text in texts)


def workbook_texts(sheets: list[Sheet], info: PublicationInfo, author: str) -> WorkbookTexts:
    """Every text `write_workbook` writes, for the personal-data gate: the document properties
    (as a reader names them) and each sheet's name and cell texts."""
    given = _properties(sheets, info, author)
    read_as = {"title": "title", "subject": "subject", "creator": "author"}
    properties = {key: given[ours] for key, ours in read_as.items() if given[ours]}
    if given["comments"]:
        properties["description"] = given["comments"]
    return WorkbookTexts(properties, [(s.name, _cell_texts(s)) for s in sheets])


def workbook_properties(sheets: list[Sheet], info: PublicationInfo, author: str) -> dict:
    """The document properties `write_workbook` gives the XLSX (xlsxwriter's names)."""
    return _properties(sheets, info, author)


def write_workbook(
    path: Path, sheets: list[Sheet], info: PublicationInfo, author: str
) -> list[str]:
    """Write `sheets` to `path` as XLSX; returns the sheet names in order."""
    return write_xlsx(path, sheets, _properties(sheets, info, author), info.language)
