"""The workbook follows the Analysis Function spreadsheet guidance."""

from __future__ import annotations

import re

import pytest

from publication import shorthand
from publication.workbook import CONTENTS, COVER, NOTES
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


def test_sheets_in_order(workbook, release, questionnaire: Questionnaire) -> None:
    assert workbook.sheetnames == [COVER, CONTENTS, NOTES, *questionnaire.tables]
    assert release.sheets == workbook.sheetnames
    assert len(questionnaire.tables) == 116


def test_titles_in_a1_and_no_merged_cells(workbook, questionnaire: Questionnaire) -> None:
    assert workbook[COVER]["A1"].value.endswith("supplementary tables")
    assert workbook[CONTENTS]["A1"].value == "Contents"
    assert workbook[NOTES]["A1"].value == "Notes"
    for tid, spec in questionnaire.tables.items():
        assert workbook[tid]["A1"].value == f"{tid}: {spec.title}"
    assert not [ws.title for ws in workbook.worksheets if ws.merged_cells.ranges]


def test_cover_states_routes_weighting_rules_and_policy(workbook) -> None:
    text = "\n".join(str(c.value) for c in workbook[COVER]["A"] if c.value)
    for expected in (
        "Talk London: 1,033 respondents, unweighted",
        "Polls: 1,693 respondents (Representative Poll 1,161; BAME Boost Poll 532), weighted",
        "weighting efficiency 78.0%",
        "Report footnote 4",
        "two-proportion z-test",
        "Multiple comparisons",
        "None applied",
        "below 50",
        "[u]",
    ):
        assert expected in text


def test_contents_links_every_table(workbook, questionnaire: Questionnaire) -> None:
    rows = _table(workbook[CONTENTS])
    assert [c.value for c in rows[0]] == ["Sheet name", "Table title", "Table kind"]
    body = rows[1:]
    assert [r[0].value for r in body] == list(questionnaire.tables)
    assert [r[0].hyperlink.location for r in body] == [f"'{t}'!A1" for t in questionnaire.tables]


def test_notes_are_numbered_and_every_cited_note_exists(workbook) -> None:
    rows = _table(workbook[NOTES])[1:]
    numbers = [r[0].value for r in rows]
    assert numbers == [f"[note {i}]" for i in range(1, len(rows) + 1)]
    cited = {
        m
        for ws in workbook.worksheets[3:]
        for row in ws.iter_rows(max_col=1, values_only=True)
        if row[0]
        for m in re.findall(r"\[note \d+\]", str(row[0]))
    }
    assert cited and cited <= set(numbers)


@pytest.mark.parametrize(
    ("tid", "figure_format"),
    [
        ("B1", "0%"),
        ("C4", "0%"),
        ("B3", "0%"),
        ("B7", "0%"),
        ("B8", "0"),
        ("D2", "0%"),
        ("A6", "0%"),
    ],
)
def test_table_is_rectangular_numeric_and_flagged(workbook, tid: str, figure_format: str) -> None:
    ws = workbook[tid]
    rows = _table(ws)
    header, body = [c.value for c in rows[0]], rows[1:]
    label_col = header.index("Category")
    explanation = " ".join(str(r[0]) for r in ws.iter_rows(max_col=1, values_only=True) if r[0])
    for symbol in SHORTHAND:
        assert symbol in explanation
    for row in body:
        assert all(c.value not in (None, "") for c in row), f"{tid}: blank cell in {row[0].row}"
        label = row[label_col].value
        for c in range(label_col + 1, len(header), 2):
            value, flag = row[c], row[c + 1]
            assert header[c + 1] == f"{header[c]} flag"
            assert flag.value in SHORTHAND
            if isinstance(value.value, str):
                assert value.value in SHORTHAND
            elif "base" in label:
                assert value.number_format == "#,##0"
            elif label == "Most common rank":
                assert value.number_format == "0"
            else:
                assert value.number_format == figure_format
                assert figure_format != "0%" or 0 <= value.value <= 1


def test_percentages_are_numbers(workbook) -> None:
    rows = _table(workbook["B1"])
    assert [c.value for c in rows[0]][:3] == [
        "Category",
        "Talk London: Total",
        "Talk London: Total flag",
    ]
    cell = rows[1][1]
    assert isinstance(cell.value, float)
    assert cell.number_format == "0%"


def test_grids_have_one_block_per_item_in_an_item_column(
    workbook, questionnaire: Questionnaire
) -> None:
    rows = _table(workbook["C4"])
    assert rows[0][0].value == "Item"
    items = list(dict.fromkeys(r[0].value for r in rows[1:]))
    expected = [questionnaire.variables[v].item_label for v in questionnaire.tables["C4"].variables]
    assert items == expected
    first_block = [r[1].value for r in rows[1:] if r[0].value == expected[0]]
    assert first_block[-3:] == ["Unweighted base", "Weighted base", "Effective base"]
    assert "Net: major problem" in first_block  # the marts' label of a net


def test_talk_london_weighted_bases_are_not_applicable(workbook) -> None:
    rows = _table(workbook["B1"])
    header = [c.value for c in rows[0]]
    weighted = next(r for r in rows if r[0].value == "Weighted base")
    assert weighted[header.index("Talk London: Total")].value == shorthand.NOT_APPLICABLE
    assert isinstance(weighted[header.index("Polls: Total")].value, float)
