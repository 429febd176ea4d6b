"""End to end on the bundled sample: the pipeline up to the marts, then the publication."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from comments.codeframe import load_codeframe
from comments.publish import AGREEMENT_CSV
from publication.chart_specs import ChartSet
from publication.charts import bases_label
from publication.estimates import Estimates
from publication.tidy_csv import CSV_COLUMNS, QUOTE_COLUMNS
from survey.questionnaire import load_questionnaire

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def build(full_run) -> Path:
    result, build = full_run
    assert result.success
    return build


def test_sample_publication(build: Path, chart_set: ChartSet) -> None:
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
        figure = next(c for c in chart_set.charts if c.id == "B1.2")
        label = bases_label(figure, load_questionnaire(), Estimates.load(con))
    assert label == "Talk London N = 928; Polls N = 1,614"  # the bases the report prints


def test_sample_table_i1_has_the_report_counts(build: Path) -> None:
    published = build / "published"
    report = sorted(
        ((t.label, t.report_count) for t in load_codeframe().themes), key=lambda t: -t[1]
    )
    ws = openpyxl.load_workbook(published / "supplementary_tables.xlsx")["I1"]
    header, *rows = ws[ws.tables["table_I1"].ref]
    assert [c.value for c in header[:3]] == [
        "Theme",
        "Rank (number)",
        "All comments: comments (number)",
    ]
    # misconduct 140, more officers 128 ... station closures 32, in the report's order
    assert [(r[0].value, r[1].value, r[2].value) for r in rows[: len(report)]] == [
        (label, rank, n) for rank, (label, n) in enumerate(report, start=1)
    ]
    bases = next(r for r in rows if r[0].value.startswith("Comments analysed"))
    assert [c.value for c in bases[2::3]] == [932, 579, 353, 242, 111]
    i1 = pl.read_csv(published / "csv" / "I1.csv", schema=CSV_COLUMNS)
    substantive = i1.filter(pl.col("category") == "substantive")
    assert {(r["route"], r["group"]): r["value"] for r in substantive.iter_rows(named=True)} == {
        ("all", "total"): 932,
        ("talk_london", "total"): 579,
        ("polls", "total"): 353,
        ("polls", "representative"): 242,
        ("polls", "boost"): 111,
    }
    quotes = pl.read_csv(published / "csv" / "I1_quotes.csv", schema=QUOTE_COLUMNS)
    assert quotes.height and set(quotes["route"]) == {"talk_london", "polls"}
    agreement = pl.read_csv(published / AGREEMENT_CSV)
    assert {"theme_id", "dataset", "kappa"} <= set(agreement.columns)


def test_sample_interval_sheet_shows_the_published_intervals(build: Path) -> None:
    """B1_CI of the sample's workbook: the intervals of the BI file's fct_estimates (to the 16
    significant digits an XLSX number keeps)."""
    published = build / "published"
    wb = openpyxl.load_workbook(published / "supplementary_tables.xlsx")
    ws = wb["B1_CI"]
    header, *rows = [[c.value for c in r] for r in ws[ws.tables["table_B1_CI"].ref]]
    values = {(r[0], r[1], r[2]): dict(zip(header, r, strict=True)) for r in rows}
    with duckdb.connect(str(published / "consultation_marts.duckdb"), read_only=True) as con:
        marts = con.execute(
            "select route, category_label, pct, ci_lower, ci_upper from marts.fct_estimates "
            "where variable_id = 'B_SUPPORT' and breakdown = 'total' and category_kind = 'code'"
        ).fetchall()
    labels = {"talk_london": "Talk London", "polls": "Polls"}
    assert len(marts) == 10  # five answers in the base, two routes
    for route, category, pct, lower, upper in marts:
        row = values[(labels[route], "Total", "Total")]
        got = (
            row[f"{category}: 95% confidence interval: lower limit (%)"],
            row[f"{category}: 95% confidence interval: upper limit (%)"],
        )
        assert got == pytest.approx((lower, upper), rel=1e-15, abs=0)
        assert lower <= pct <= upper
