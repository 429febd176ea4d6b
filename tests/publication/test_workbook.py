"""The workbook follows the Analysis Function spreadsheet guidance: one table per sheet, units in
every figure heading, numbers as numbers, readable row heights, a print layout."""

from __future__ import annotations

import re
from datetime import date

import openpyxl
import pytest

from publication import shorthand
from publication.accessibility import check_workbook
from publication.estimates import figure_columns
from publication.metadata import load_publication_info
from publication.sheet_model import MAX_COLUMNS, heading, text_lines
from publication.workbook import CONTENTS, COVER, FIGURES, NOTES
from survey.pack import DEFAULT_CONSULTATION, current
from survey.questionnaire import Questionnaire

SHORTHAND = {
    shorthand.SIGNIFICANT,
    shorthand.NOT_SIGNIFICANT,
    shorthand.LOW_RELIABILITY,
    shorthand.NOT_APPLICABLE,
    shorthand.NOT_AVAILABLE,
}


def _table(ws):
    (table,) = ws.tables.values()
    return ws[table.ref]


def _sheet_names(q: Questionnaire, intervals: bool = False) -> list[str]:
    """The table sheets in order (`intervals`: with each table's interval sheet after it; a
    table of most common ranks only has none)."""
    out = []
    for tid, t in q.tables.items():
        if t.kind == "themes":
            out += [tid, f"{tid}_stance", f"{tid}_quotes"]
        else:
            out += [tid, *([f"{tid}_CI"] if intervals and t.kind != "rank_modal" else [])]
    return out


def test_sheets_in_order(workbook, release, questionnaire: Questionnaire) -> None:
    assert workbook.sheetnames == [
        COVER,
        CONTENTS,
        NOTES,
        FIGURES,
        *_sheet_names(questionnaire, intervals=True),
    ]
    assert release.sheets == workbook.sheetnames
    assert len(questionnaire.tables) == 116


def test_accessibility_check_passes(workbook) -> None:
    assert check_workbook(workbook) == []


def test_accessibility_check_finds_what_the_checklist_forbids(tmp_path) -> None:
    """A workbook breaking the rules: every rule the check names fails it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Wide table"])
    ws.append(["Group", "Value", "Mixed"])
    ws.append(["A", 12.5, "1,033"])
    ws.append(["B", 140, 3])
    ws.merge_cells("D1:E1")
    from openpyxl.worksheet.table import Table

    ws.add_table(Table(displayName="t", ref="A2:C4"))
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    problems = "\n".join(check_workbook(path))
    for expected in (
        "document property subject not set",
        "not Cover and Contents",
        "Data: merged cells",
        "column 'Value' holds numbers but states no unit",
        "Data!C3: text among the numbers of 'Mixed'",
        "Data!C3: number stored as text",
        "no line saying the sheet contains one table",
        "heading row not repeated",
        "not printed to the page width",
    ):
        assert expected in problems


def test_document_properties(release) -> None:
    info = load_publication_info()
    props = openpyxl.load_workbook(release.workbook, read_only=True).properties
    assert props.title.endswith("supplementary tables")
    assert props.subject == info.subject
    assert props.creator == "Mayor's Office for Policing and Crime (MOPAC)"
    assert props.language == "en-GB"


def test_titles_in_a1_and_no_merged_cells(workbook, questionnaire: Questionnaire) -> None:
    assert workbook[COVER]["A1"].value.endswith("supplementary tables")
    assert workbook[CONTENTS]["A1"].value == "Contents"
    assert workbook[NOTES]["A1"].value == "Notes"
    for tid, spec in questionnaire.tables.items():
        assert workbook[tid]["A1"].value.startswith(f"{tid}: {spec.title}")
    assert not [ws.title for ws in workbook.worksheets if ws.merged_cells.ranges]


def test_cover_states_release_contact_routes_weighting_rules_and_policy(workbook) -> None:
    info = load_publication_info()
    pack = current(DEFAULT_CONSULTATION)
    cells = [c for c in workbook[COVER]["A"] if c.value]
    text = "\n".join(str(c.value) for c in cells)
    for expected in (
        "What this release is",
        info.release_description,
        "Publication date",
        date.today().isoformat(),  # the day the release is published
        "Next update",
        "Contact",
        info.contact_web,
        # respondents analysed, as the synthetic warehouse's ingest log counts them (10 rows
        # per export, one quarantined in Talk London's)
        "Talk London: 9 respondents analysed, unweighted",
        "Polls: 20 respondents analysed (Representative Poll 10; BAME Boost Poll 10), weighted",
        # the pack's method text, its placeholders filled from the same counts
        "a self-selected sample of 9 respondents, reported unweighted.",
        "a Representative Poll of Londoners (10 respondents) and a BAME Boost Poll of Black,",
        "Rim weighting (raking) of Polls to",
        f"Built from consultation pack {pack.id}, questionnaire version 1.0.0 (pack "
        f"fingerprint sha256 {pack.fingerprint}).",
        "weighting efficiency 78.0%",
        "Report footnote 4",
        "Rao-Scott",
        "Release 1, final",
        "Multiple comparisons",
        "None applied",
        "below 50",
        "[u]",
    ):
        assert expected in text
    headings = [c.value for c in cells if c.font.bold]
    assert headings[1:7] == [
        "Release",
        "Changes since the previous release",
        "What this release is",
        "Publication date",
        "Next update",
        "Contact",
    ]


def test_contents_links_every_sheet(workbook) -> None:
    rows = _table(workbook[CONTENTS])
    assert [c.value for c in rows[0]] == ["Sheet name", "Contents"]
    body = rows[1:]
    assert [r[0].value for r in body] == workbook.sheetnames[2:]
    assert [r[0].hyperlink.location for r in body] == [f"'{n}'!A1" for n in workbook.sheetnames[2:]]


def test_notes_are_numbered_and_every_cited_note_exists(workbook) -> None:
    rows = _table(workbook[NOTES])[1:]
    numbers = [r[0].value for r in rows]
    assert numbers == [f"[note {i}]" for i in range(1, len(rows) + 1)]
    cited = {
        m
        for ws in workbook.worksheets[4:]
        for row in ws.iter_rows(max_col=1, values_only=True)
        if row[0]
        for m in re.findall(r"\[note \d+\]", str(row[0]))
    }
    assert cited and cited <= set(numbers)


def test_every_table_is_narrow_and_states_units(workbook, questionnaire) -> None:
    widths = {}
    for name in _sheet_names(questionnaire):
        header = [c.value for c in _table(workbook[name])[0]]
        widths[name] = len(header)
        for h in header:
            assert h.endswith(("(%)", "(number)", ": flag")) or h in (
                "Item", "Route", "Breakdown", "Group", "Category", "Theme", "Stance", "Quote",
            ), (name, h)  # fmt: skip
    assert max(widths.values()) <= MAX_COLUMNS
    assert widths["B1"] == 3 + 2 * 7 + 3  # route, breakdown, group; 5 codes + 2 nets; 3 bases


@pytest.mark.parametrize("tid", ["B1", "C4", "B3", "B7", "B8", "D2", "A6", "A1", "H1"])
def test_table_is_rectangular_numeric_and_flagged(workbook, tid: str, questionnaire) -> None:
    rows = _table(workbook[tid])
    header, body = [c.value for c in rows[0]], rows[1:]
    explanation = " ".join(
        str(r[0]) for r in workbook[tid].iter_rows(max_col=1, values_only=True) if r[0]
    )
    for symbol in SHORTHAND:
        assert symbol in explanation
    assert "contains one table" in explanation
    for row in body:
        assert all(c.value not in (None, "") for c in row), f"{tid}: blank cell in {row[0].row}"
        for h, cell in zip(header, row, strict=True):
            if h.endswith(": flag"):
                assert cell.value in SHORTHAND
            elif h.endswith("(%)"):
                assert cell.value in SHORTHAND or (
                    isinstance(cell.value, float) and 0 <= cell.value <= 100
                )
                assert isinstance(cell.value, str) or cell.number_format == "0"
            elif h.endswith("(number)"):
                assert cell.value in SHORTHAND or isinstance(cell.value, int | float)
                assert isinstance(cell.value, str) or cell.number_format == "#,##0"
    groups = len(figure_columns(questionnaire))
    blocks = len(questionnaire.tables[tid].variables)
    kind = questionnaire.tables[tid].kind
    if tid in ("A6", "A1"):  # many categories, or items with different categories: long layout
        assert "Category" in header and heading("Percentage", "%") in header
    elif kind in ("multi", "rank_first", "rank_modal"):
        assert len(body) == groups  # one row per group, the options as columns
    else:
        assert len(body) == groups * blocks


def test_unweighted_base_is_an_integer_and_talk_london_weighted_bases_not_applicable(
    workbook,
) -> None:
    rows = _table(workbook["B1"])
    header = [c.value for c in rows[0]]
    route = header.index("Route")
    weighted = header.index("Weighted base (number)")
    unweighted = header.index("Unweighted base (number)")
    for row in rows[1:]:
        assert isinstance(row[unweighted].value, int)
        if row[route].value == "Talk London":
            assert row[weighted].value == shorthand.NOT_APPLICABLE
        else:
            assert isinstance(row[weighted].value, float)


def test_question_stated_once_above_the_table(workbook, questionnaire) -> None:
    question = questionnaire.questions["C_PROBLEM"].text
    ws = workbook["C4"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert cells.count(f"Question: {question}") == 1
    assert question not in [c for c in cells if c != f"Question: {question}"]
    rows = _table(ws)
    items = list(dict.fromkeys(r[0].value for r in rows[1:]))
    expected = [questionnaire.variables[v].item_label for v in questionnaire.tables["C4"].variables]
    assert items == expected
    a1 = [c.value for row in workbook["A1"].iter_rows() for c in row if c.value]
    assert "Question 1: " + questionnaire.questions["GENDER"].text in a1
    assert {r[0].value for r in _table(workbook["A1"])[1:]} == {"Question 1", "Question 2"}


def test_rows_fit_their_wrapped_text_and_print_to_page_width(workbook) -> None:
    ws = workbook[COVER]
    for cell in ws["A"][1:]:
        if cell.value and text_lines(cell.value, ws.column_dimensions["A"].width) > 1:
            assert ws.row_dimensions[cell.row].height >= 2 * 15
    for name in ("B1", "C4", "I1_quotes"):
        ws = workbook[name]
        first = _table(ws)[0][0].row
        assert ws.print_title_rows == f"${first}:${first}"
        assert ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        if name != "I1_quotes":  # figure headings wrap over two lines at least
            assert ws.row_dimensions[first].height >= 30
