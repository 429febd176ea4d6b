"""Formula-injection neutralisation: the function, both writers, and everything published."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from publication.estimates import Estimates
from publication.metadata import load_publication_info
from publication.notes import build_notes
from publication.ods_edition import write_ods
from publication.safe_text import FORMULA_TRIGGERS, neutralise
from publication.tables import build_table
from publication.tidy_csv import CSV_COLUMNS, QUOTE_COLUMNS, write_csvs
from publication.workbook import build_sheets, write_workbook

from .ods_reader import read_ods

INJECTED = '=HYPERLINK("http://example.invalid","x")'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7983 4000", "'+44 20 7983 4000"),
        ("-", "'-"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("16-24", "16-24"),
        ("1 - Not at all well", "1 - Not at all well"),
        ("Don't know", "Don't know"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_neutralised_text_stays_as_it_is() -> None:
    for trigger in FORMULA_TRIGGERS:
        once = neutralise(f"{trigger}x")
        assert neutralise(once) == once


def _texts(wb: openpyxl.Workbook) -> list[str]:
    return [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]


def test_both_writers_neutralise_injected_text(
    tmp_path: Path, synthetic_warehouse: Path, questionnaire
) -> None:
    import duckdb

    q = questionnaire
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        est = Estimates.load(con)
    table = build_table(q.tables["B1"], q, est)
    first = table.rows[0]
    injected = dataclasses.replace(
        first, spec=dataclasses.replace(first.spec, label=INJECTED, item="-")
    )
    table = dataclasses.replace(table, rows=(injected, *table.rows[1:]), show_items=True)
    path = tmp_path / "w.xlsx"
    sheets = build_sheets(q, [table], build_notes(q, est), "+title", [("@heading", ["-para"])], [])
    write_workbook(path, sheets, load_publication_info(), "-author")
    texts = _texts(openpyxl.load_workbook(path))
    assert {f"'{INJECTED} (%)", f"'{INJECTED}: flag", "'+title", "'@heading", "'-para"} <= set(
        texts
    )
    assert not [t for t in texts if t.startswith(FORMULA_TRIGGERS)]
    ods = write_ods(tmp_path / "w.ods", sheets, load_publication_info(), "-author")
    ods_texts = [t for sheet in read_ods(ods).values() for row in sheet for t in row]
    assert f"'{INJECTED} (%)" in ods_texts and "'+title" in ods_texts
    assert not [t for t in ods_texts if isinstance(t, str) and t.startswith(FORMULA_TRIGGERS)]

    (csv,) = write_csvs(tmp_path / "csv", [table], {v: "-" for v in q.variables})
    frame = pl.read_csv(csv, schema=CSV_COLUMNS)
    assert f"'{INJECTED}" in frame["category_label"].to_list()
    assert set(frame["item"]) == {"'-"}


def test_nothing_published_starts_with_a_trigger(release, workbook) -> None:
    assert not [t for t in _texts(workbook) if t.startswith(FORMULA_TRIGGERS)]
    for path in release.csvs:  # the quotes of the synthetic warehouse start like formulas
        schema = QUOTE_COLUMNS if path.stem.endswith("_quotes") else CSV_COLUMNS
        frame = pl.read_csv(path, schema=schema)
        for column, dtype in schema.items():
            if dtype == pl.String:
                texts = frame[column].drop_nulls()
                assert not texts.str.contains(r"^[=+\-@\t\r]").any(), (path.name, column)
