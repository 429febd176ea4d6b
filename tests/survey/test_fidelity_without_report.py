"""A pack without report_figures.yaml (a new consultation has no report yet): the fidelity table
is empty but keeps its columns, so the fidelity asset counts no failure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from survey.fidelity import FIDELITY_SCHEMA, fidelity_table
from survey.pack import current

TINY_PACK = Path(__file__).resolve().parents[1] / "packs" / "tiny"


def test_empty_fidelity_table_keeps_its_columns(monkeypatch):
    monkeypatch.setenv("SURVEY_CONSULTATION", str(TINY_PACK))
    consultation = current()
    assert not consultation.has("report_figures.yaml")
    with duckdb.connect() as con:
        table = fidelity_table(con, consultation.questionnaire)
    assert table.height == 0
    assert table.schema == pl.Schema(FIDELITY_SCHEMA)
    assert table.filter(~pl.col("passed")).height == 0
