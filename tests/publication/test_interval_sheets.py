"""The 95% confidence intervals in the workbook: on a sheet after each table (the table keeps
its width), as numbers in per cent, equal to the marts' `ci_lower` / `ci_upper`, in the XLSX and
the ODS edition alike."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from publication import shorthand
from publication.estimates import TOTAL, figure_columns
from publication.sheet_model import MAX_COLUMNS
from publication.table_layout import CI_LOWER, CI_UPPER

LOWER, UPPER = f"{CI_LOWER} (%)", f"{CI_UPPER} (%)"


def _table(ws) -> tuple[list[str], list[dict]]:
    (table,) = ws.tables.values()
    header, *body = [[c.value for c in row] for row in ws[table.ref]]
    return header, [dict(zip(header, row, strict=True)) for row in body]


def _marts(warehouse: Path, variable: str) -> dict[tuple, tuple]:
    """(route, breakdown, group, category label) -> (pct, ci_lower, ci_upper) from the marts."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select route, breakdown, group_id, category_label, pct, ci_lower, ci_upper "
            "from marts.fct_estimates where variable_id = ? and category_kind <> 'status'",
            [variable],
        ).fetchall()
    return {r[:4]: r[4:] for r in rows}


def test_interval_sheet_holds_the_marts_intervals(
    workbook, synthetic_warehouse: Path, questionnaire
) -> None:
    """B1_CI: the rows of B1 in its order, each category's lower and upper limits beside."""
    header, rows = _table(workbook["B1_CI"])
    table_header, table_rows = _table(workbook["B1"])
    categories = [h.removesuffix(" (%)") for h in table_header if h.endswith("(%)")]
    assert len(categories) == 7  # 5 answer codes and 2 nets
    assert header == ["Route", "Breakdown", "Group"] + [
        f"{c}: {limit} (%)" for c in categories for limit in (CI_LOWER, CI_UPPER)
    ]
    assert len(header) < len(table_header) <= MAX_COLUMNS
    labels = ("Route", "Breakdown", "Group")
    assert [[r[k] for k in labels] for r in rows] == [[r[k] for k in labels] for r in table_rows]
    columns = {
        (c.route_label, c.breakdown_label, c.group_label): c for c in figure_columns(questionnaire)
    }
    (variable,) = questionnaire.tables["B1"].variables
    marts = _marts(synthetic_warehouse, variable)
    checked = 0
    for row, figures in zip(rows, table_rows, strict=True):
        c = columns[tuple(row[k] for k in labels)]
        group = TOTAL if c.breakdown == TOTAL else c.group_id
        for category in categories:
            pct, lower, upper = marts[(c.route, c.breakdown, group, category)]
            assert figures[f"{category} (%)"] == pytest.approx(pct, abs=1e-12)
            assert row[f"{category}: {CI_LOWER} (%)"] == pytest.approx(lower, abs=1e-12)
            assert row[f"{category}: {CI_UPPER} (%)"] == pytest.approx(upper, abs=1e-12)
            assert lower <= pct <= upper
            checked += 1
    assert checked == len(figure_columns(questionnaire)) * 7
    cell = workbook["B1_CI"].cell(workbook["B1_CI"].max_row, 5)
    assert isinstance(cell.value, float) and cell.number_format == "0"


def test_a_long_table_has_its_intervals_in_long_form_too(workbook) -> None:
    header, rows = _table(workbook["A1_CI"])
    assert header == ["Item", "Route", "Breakdown", "Group", "Category", LOWER, UPPER]
    _, table_rows = _table(workbook["A1"])
    assert [r["Category"] for r in rows] == [r["Category"] for r in table_rows]


def test_the_table_sheet_is_not_widened_and_points_to_its_intervals(workbook) -> None:
    header, _ = _table(workbook["B1"])
    assert len(header) == 3 + 2 * 7 + 3 and LOWER not in header
    lines = [r[0] for r in workbook["B1"].iter_rows(max_col=1, values_only=True) if r[0]]
    assert any("95% confidence intervals are on sheet B1_CI" in str(x) for x in lines)


def test_scale_points_are_headings_or_labels_never_numbers_as_text(workbook) -> None:
    header, _ = _table(workbook["G4_CI"])  # a 1-7 scale whose middle points are bare digits
    assert header[3:7] == [
        f"1 - Not at all well: {CI_LOWER} (%)",
        f"1 - Not at all well: {CI_UPPER} (%)",
        f"2: {CI_LOWER} (%)",
        f"2: {CI_UPPER} (%)",
    ]


def test_a_table_of_most_common_ranks_has_no_interval_sheet(workbook, questionnaire) -> None:
    (modal,) = [tid for tid, t in questionnaire.tables.items() if t.kind == "rank_modal"]
    assert modal in workbook.sheetnames and f"{modal}_CI" not in workbook.sheetnames


def test_the_ods_edition_has_the_same_interval_sheets(ods, workbook) -> None:
    names = [n for n in workbook.sheetnames if n.endswith("_CI")]
    assert len(names) == 114 and [n for n in ods if n.endswith("_CI")] == names
    b1 = ods["B1_CI"]
    header_row = next(i for i, r in enumerate(b1) if r[0] == "Route")
    header, rows = _table(workbook["B1_CI"])
    assert b1[header_row] == header
    assert [r[3:] for r in b1[header_row + 1 :]] == [
        pytest.approx([r[h] for h in header[3:]]) for r in rows
    ]


def test_withheld_figure_has_withheld_interval() -> None:
    from publication.table_layout import interval_limit
    from publication.tables import Cell

    withheld = Cell(None, shorthand.CONFIDENTIAL)
    assert interval_limit(withheld, None) == shorthand.CONFIDENTIAL
    assert (
        interval_limit(Cell(None, f"{shorthand.NOT_AVAILABLE} {shorthand.REVISED}"), None) == "[x]"
    )
    assert interval_limit(Cell(40.0, shorthand.NOT_SIGNIFICANT), None) == shorthand.NOT_AVAILABLE
    assert interval_limit(Cell(40.0, shorthand.NOT_SIGNIFICANT), 35.5) == 35.5
