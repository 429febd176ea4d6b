"""End to end on the bundled sample: the pipeline up to the marts, then the publication."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from publication.chart_specs import CHARTS
from publication.charts import bases_label
from publication.estimates import Estimates
from publication.tidy_csv import CSV_COLUMNS
from survey.questionnaire import load_questionnaire

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def build(full_run) -> Path:
    result, build = full_run
    assert result.success
    return build


def test_sample_publication(build: Path) -> None:
    published = build / "published"
    assert published.is_symlink() and os.access(published / "supplementary_tables.xlsx", os.R_OK)
    b1 = pl.read_csv(published / "csv" / "B1.csv", schema=CSV_COLUMNS)
    support = b1.filter(
        (pl.col("breakdown") == "total") & (pl.col("category") == "support")
    )  # report B1: over three-quarters support on both routes
    assert sorted(support["route"]) == ["polls", "talk_london"]
    assert (support["value"] > 75).all()
    b8 = pl.read_csv(published / "csv" / "B8.csv", schema=CSV_COLUMNS).filter(
        pl.col("breakdown") == "total"
    )
    modal = {(r["variable"], r["route"]): r["value"] for r in b8.iter_rows(named=True)}
    assert modal[("B_RANK_VIOLENCE", "polls")] == modal[("B_RANK_VIOLENCE", "talk_london")] == 1
    assert modal[("B_RANK_TRUST", "polls")] == modal[("B_RANK_TRUST", "talk_london")] == 4
    with duckdb.connect(str(published / "consultation_marts.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert "dim_respondents" not in tables and "fct_estimates" in tables
        figure = next(c for c in CHARTS if c.id == "B1.2")
        label = bases_label(figure, load_questionnaire(), Estimates.load(con))
    assert label == "Talk London N = 928; Polls N = 1,614"  # the bases the report prints
