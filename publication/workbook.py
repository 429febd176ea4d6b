"""The supplementary-tables workbook, laid out as the Analysis Function advises for releasing
statistics in spreadsheets: Cover, Contents and Notes sheets, then one table per sheet named by its
id; title in A1; explanatory lines, then the table (an Excel table) with no blank rows and no merged
cells; numbers stored as numbers with a number format; shorthand in square brackets. Table I1
(coded comments) stacks three tables on its sheet, each under a heading (`theme_sheet`).
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from publication import shorthand
from publication.notes import Notes, base_rule_text, table_note_keys
from publication.safe_text import neutralise
from publication.sheet_writer import SheetWriter
from publication.tables import PERCENT, PublishedTable
from publication.theme_sheet import theme_sheet
from publication.themes import ThemeTable
from survey.questionnaire import Questionnaire

COVER, CONTENTS, NOTES = "Cover", "Contents", "Notes"
LABEL_WIDTH = 48
FIGURE_WIDTH = 11
FLAG_WIDTH = 7


def _cover(w: SheetWriter, q: Questionnaire, title: str, sections) -> None:
    ws = w.workbook.add_worksheet(COVER)
    ws.set_column(0, 0, 120, w.wrap)
    w.text(ws, 0, 0, title, w.title)
    row = 1
    for heading, paragraphs in sections:
        w.text(ws, row, 0, heading, w.heading)
        for paragraph in paragraphs:
            row += 1
            w.text(ws, row, 0, paragraph, w.wrap)
        row += 1


def _contents(w: SheetWriter, tables: list[PublishedTable | ThemeTable]) -> None:
    ws = w.workbook.add_worksheet(CONTENTS)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 90, w.wrap)
    ws.set_column(2, 2, 16)
    w.text(ws, 0, 0, "Contents", w.title)
    w.text(
        ws,
        1,
        0,
        "This worksheet contains one table: one row per table sheet. Select a sheet name to go "
        "to its table. The Cover sheet explains the methods; the Notes sheet holds the notes.",
    )
    headers = ["Sheet name", "Table title", "Table kind"]
    w.table(ws, 2, headers, len(tables), "contents")
    for i, t in enumerate(tables, start=3):
        ws.write_url(i, 0, f"internal:'{t.spec.id}'!A1", w.link, string=neutralise(t.spec.id))
        w.text(ws, i, 1, t.spec.title, w.wrap)
        w.text(ws, i, 2, t.spec.kind)


def _notes(w: SheetWriter, notes: Notes) -> None:
    ws = w.workbook.add_worksheet(NOTES)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 120, w.wrap)
    w.text(ws, 0, 0, "Notes", w.title)
    w.text(
        ws, 1, 0, "This worksheet contains one table. Table sheets cite these notes as [note N]."
    )
    w.table(ws, 2, ["Note number", "Note text"], len(notes.notes), "notes")
    for i, note in enumerate(notes.notes, start=3):
        w.text(ws, i, 0, notes.ref(note.key))
        w.text(ws, i, 1, note.text, w.wrap)


def explanatory_lines(t: PublishedTable, q: Questionnaire, notes: Notes) -> list[str]:
    """The lines between a table's title and the table: what the sheet's shorthand means."""
    spec = t.spec
    variables = [q.variables[v] for v in spec.variables]
    threshold = int(q.analysis["small_base_threshold"])
    keys = table_note_keys(spec, q)
    rules = list(dict.fromkeys(v.base_rule for v in variables))
    questions = " / ".join(q.questions[qid].text for qid in spec.questions)
    lines = [
        "This worksheet contains one table. Rows are the categories (answers then nets, options, "
        "ranks or ranked items) with their bases below each block; columns are Talk London then "
        "the Polls, each Total then every breakdown group, each figure followed by its flag.",
        f"Question: {questions}",
        " ".join(f"{base_rule_text(q, r)} {notes.ref(f'base:{r}')}" for r in rules)
        + (f" {notes.ref('routing')}" if "routing" in keys else ""),
        "Talk London figures are unweighted; Polls figures are weighted. "
        + notes.refs(["routes", "percentages", "bases", "partial_breakdowns"]),
    ]
    scales = {v.scale.id: v.scale for v in variables if v.scale and v.scale.nets}
    if scales and spec.kind in ("distribution", "grid", "profile"):
        nets = "; ".join(
            f"{net.replace('_', ' ')} = " + " + ".join(s.codes[c] for c in members)
            for s in scales.values()
            for net, members in s.nets.items()
        )
        lines.append(f"Nets: {nets}. {notes.ref('nets')}")
    for key in ("multi", "ranking"):
        if key in keys:
            lines.append(next(n.text for n in notes.notes if n.key == key) + f" {notes.ref(key)}")
    meanings = "; ".join(f"{s} {m}" for s, m in shorthand.meanings(threshold).items())
    lines.append(
        f"Flags and shorthand: {meanings}. "
        + notes.refs(["significance", "comparisons", "multiple_comparisons", "small_base"])
    )
    survey = q.survey
    lines.append(
        f"Source: {survey['owner']}, {survey['title']}, fieldwork {survey['fieldwork_start']} "
        f"to {survey['fieldwork_end']}."
    )
    return lines


def _table_sheet(w: SheetWriter, t: PublishedTable, q: Questionnaire, notes: Notes) -> None:
    ws = w.workbook.add_worksheet(t.spec.id)
    w.text(ws, 0, 0, f"{t.spec.id}: {t.spec.title}", w.title)
    lines = explanatory_lines(t, q, notes)
    for i, line in enumerate(lines, start=1):
        w.text(ws, i, 0, line)
    header_row = len(lines) + 1
    label_headers = (["Item"] if t.show_items else []) + ["Category"]
    headers = list(label_headers)
    for column in t.columns:
        headers += [column.header, f"{column.header} flag"]
    w.table(ws, header_row, headers, len(t.rows), f"table_{t.spec.id}")
    ws.set_row(header_row, 90)
    ws.set_column(0, len(label_headers) - 1, LABEL_WIDTH, w.wrap)
    first = len(label_headers)
    for c in range(len(t.columns)):
        ws.set_column(first + 2 * c, first + 2 * c, FIGURE_WIDTH)
        ws.set_column(first + 2 * c + 1, first + 2 * c + 1, FLAG_WIDTH)
    ws.freeze_panes(header_row + 1, first)
    for r, row in enumerate(t.rows, start=header_row + 1):
        if t.show_items:
            w.text(ws, r, 0, row.spec.item or "", w.wrap)
        w.text(ws, r, first - 1, row.spec.label, w.wrap)
        fmt = w.base if row.is_base else w.numbers[row.spec.measure]
        scale = 100.0 if row.spec.measure == PERCENT else 1.0
        for c, cell in enumerate(row.cells):
            col = first + 2 * c
            if cell.value is None:
                w.text(ws, r, col, cell.flag)
            else:
                ws.write_number(r, col, cell.value / scale, fmt)
            w.text(ws, r, col + 1, cell.flag)


def write_workbook(
    path: Path,
    q: Questionnaire,
    tables: list[PublishedTable | ThemeTable],
    notes: Notes,
    title: str,
    cover_sections: list[tuple[str, list[str]]],
) -> list[str]:
    """Write the workbook to `path`; returns its sheet names in order."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    workbook.set_properties(
        {"title": title, "author": q.survey["owner"], "comments": f"Questionnaire {q.version}"}
    )
    w = SheetWriter(workbook)
    _cover(w, q, title, cover_sections)
    _contents(w, tables)
    _notes(w, notes)
    for t in tables:
        if isinstance(t, ThemeTable):
            theme_sheet(w, t, q, notes)
        else:
            _table_sheet(w, t, q, notes)
    workbook.close()
    return [ws.get_name() for ws in workbook.worksheets()]
