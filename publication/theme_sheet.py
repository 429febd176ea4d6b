"""The sheet of Table I1 (`publication.themes`): three tables one below the other, each under a
heading row: comments per theme (ranked) with the comments analysed below them, the drugs theme
by stance, and the illustrative quotes. Title in A1, no merged cells, no blank rows; counts and
percentages are numbers; quote text goes through `neutralise` like every other text.
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from publication import shorthand
from publication.notes import Notes, base_rule_text
from publication.sheet_writer import SheetWriter
from publication.tables import COUNT, PERCENT
from publication.themes import RANK, Group, Share, ThemeTable
from survey.questionnaire import Questionnaire

LABEL_WIDTH = 48
FIGURE_WIDTH = 11
HEADINGS = (
    "Table 1: comments per theme, ranked by the number of all comments, then the comments analysed",
    "Table 2: comments on drugs by stance",
    "Table 3: illustrative quotes by theme and route (redacted)",
)
NAMES = ("", "_drugs", "_quotes")  # suffixes of the Excel table names
SHORTHAND = (shorthand.LOW_RELIABILITY, shorthand.NOT_APPLICABLE, shorthand.NOT_AVAILABLE)


def _share_headers(groups: tuple[Group, ...]) -> list[str]:
    return [
        h
        for g in groups
        for h in (f"{g.header}: comments", f"{g.header}: %", f"{g.header}: % flag")
    ]


def theme_lines(t: ThemeTable, q: Questionnaire, notes: Notes) -> list[str]:
    """The lines between the title and the first table."""
    variable = q.variables[t.spec.variables[0]]
    threshold = int(q.analysis["small_base_threshold"])
    meanings = shorthand.meanings(threshold)
    survey = q.survey
    return [
        "This worksheet contains three tables, one below the other, each under its own heading: "
        "comments per theme with the comments analysed, comments on drugs by stance, and "
        "illustrative quotes. Columns of figures are groups of comments ("
        + "; ".join(g.header for g in t.groups)
        + "), each with the number of comments, its percentage of the group's comments "
        "analysed and the percentage's flag.",
        f"Question: {q.questions[variable.question_id].text}",
        f"{base_rule_text(q, variable.base_rule)} {notes.ref(f'base:{variable.base_rule}')}",
        f"Coding and counting {notes.ref('themes')}; the drugs split {notes.ref('drugs')}; "
        f"the quotes {notes.ref('quotes')}.",
        "Flags and shorthand: "
        + "; ".join(f"{s} {meanings[s]}" for s in SHORTHAND)
        + f". {notes.refs(['small_base', 'text_safety'])}",
        f"Source: {survey['owner']}, {survey['title']}, fieldwork {survey['fieldwork_start']} "
        f"to {survey['fieldwork_end']}.",
    ]


class _Sheet:
    """Writes the tables of the sheet top to bottom."""

    def __init__(self, w: SheetWriter, ws: Worksheet, table_id: str, row: int) -> None:
        self.w, self.ws, self.table_id, self.row = w, ws, table_id, row
        self.tables = 0

    def start(self, headers: list[str], rows: int) -> None:
        """The heading, then the header row of a table of `rows` rows."""
        w, ws = self.w, self.ws
        w.text(ws, self.row, 0, HEADINGS[self.tables], w.heading)
        w.table(ws, self.row + 1, headers, rows, f"table_{self.table_id}{NAMES[self.tables]}")
        ws.set_row(self.row + 1, 60)
        self.row += 2
        self.tables += 1

    def number(self, col: int, value: float | None, measure: str, missing: str) -> None:
        if value is None:
            self.w.text(self.ws, self.row, col, missing)
        else:
            self.ws.write_number(self.row, col, value, self.w.numbers[measure])

    def shares(self, col: int, shares: tuple[Share, ...]) -> None:
        for i, share in enumerate(shares):
            c = col + 3 * i
            self.number(c, share.count, COUNT, shorthand.NOT_AVAILABLE)
            pct = None if share.pct is None else share.pct / 100
            self.number(c + 1, pct, PERCENT, shorthand.NOT_AVAILABLE)
            self.w.text(self.ws, self.row, c + 2, share.flag)
        self.row += 1

    def counts(self, col: int, counts: tuple[int, ...]) -> None:
        """A row of counts whose percentage cells are not applicable."""
        for i, count in enumerate(counts):
            c = col + 3 * i
            self.number(c, count, COUNT, shorthand.NOT_AVAILABLE)
            self.w.text(self.ws, self.row, c + 1, shorthand.NOT_APPLICABLE)
            self.w.text(self.ws, self.row, c + 2, shorthand.NOT_APPLICABLE)
        self.row += 1


def theme_sheet(w: SheetWriter, t: ThemeTable, q: Questionnaire, notes: Notes) -> None:
    ws = w.workbook.add_worksheet(t.spec.id)
    w.text(ws, 0, 0, f"{t.spec.id}: {t.spec.title}", w.title)
    lines = theme_lines(t, q, notes)
    for i, line in enumerate(lines, start=1):
        w.text(ws, i, 0, line)
    ws.set_column(0, 0, LABEL_WIDTH, w.wrap)
    ws.set_column(1, 1 + 3 * len(t.groups), FIGURE_WIDTH)
    ws.freeze_panes(0, 1)
    sheet = _Sheet(w, ws, t.spec.id, len(lines) + 1)

    sheet.start(["Theme", "Rank", *_share_headers(t.groups)], len(t.themes) + len(t.statuses))
    for theme in t.themes:
        w.text(ws, sheet.row, 0, theme.label, w.wrap)
        sheet.number(1, theme.rank, RANK, shorthand.NOT_APPLICABLE)
        sheet.shares(2, theme.shares)
    for status in t.statuses:
        w.text(ws, sheet.row, 0, status.label, w.wrap)
        w.text(ws, sheet.row, 1, shorthand.NOT_APPLICABLE)
        sheet.counts(2, status.counts)

    sheet.start(["Stance", *_share_headers(t.drug_groups)], len(t.stances) + 1)
    for stance in t.stances:
        w.text(ws, sheet.row, 0, stance.label, w.wrap)
        sheet.shares(1, stance.shares)
    w.text(ws, sheet.row, 0, t.drugs_base.label, w.wrap)
    sheet.counts(1, t.drugs_base.counts)

    # Quote text is not wrapped: it reads on across the empty cells to its right.
    sheet.start(["Theme", "Route", "Quote"], max(len(t.quotes), 1))
    for quote in t.quotes:
        w.text(ws, sheet.row, 0, quote.theme, w.wrap)
        w.text(ws, sheet.row, 1, quote.route_label)
        w.text(ws, sheet.row, 2, quote.text)
        sheet.row += 1
    if not t.quotes:
        for col in range(3):
            w.text(ws, sheet.row, col, shorthand.NOT_AVAILABLE)
