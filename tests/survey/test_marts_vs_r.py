"""The pipeline's marts against R on the sample build: the sampled tests and intervals of
tests/reference_r (R's numbers computed on the sample build's respondents and weights) must be
what fct_significance and fct_estimates hold. When the sample generator changes, regenerate the
reference (tests/reference_r/README.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

pytestmark = pytest.mark.slow

REFERENCE = Path(__file__).resolve().parents[1] / "reference_r"


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(REFERENCE / name, infer_schema_length=None, null_values=["NA"])


KEY = ["route", "variable_id", "category_kind", "category"]


@pytest.fixture(scope="module")
def marts(full_run):
    result, build = full_run
    assert result.success
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        tests = con.sql(
            "select comparison_id, route, variable_id, category_kind, category, test, "
            "statistic, df_denominator, p_value from marts.fct_significance"
        ).pl()
        estimates = con.sql(
            "select route, variable_id, breakdown, group_id, category_kind, category, pct, "
            "ci_lower, ci_upper, ci_method from marts.fct_estimates"
        ).pl()
    return tests, estimates


def _indicators() -> pl.DataFrame:
    return _read("indicators.csv").with_columns(pl.col("category").cast(pl.String))


def test_fct_significance_p_values_equal_r(marts):
    tests, _ = marts
    cases = (
        _read("cases_tests.csv")
        .join(_read("r_tests.csv"), on="case")
        .join(_indicators(), on=["sample", "y_column"])
        .join(tests, on=["comparison_id", *KEY])
    )
    polls = cases.filter((pl.col("route") == "polls") & pl.col("r_p_f").is_not_null())
    tl = cases.filter((pl.col("route") == "talk_london") & pl.col("r_p_x2").is_not_null())
    assert polls.height >= 300 and tl.height >= 300
    assert (polls["test"] == "rao_scott_f").all() and (tl["test"] == "pearson_chi_square").all()
    assert np.abs(polls["p_value"] - polls["r_p_f"]).max() < 1e-6
    assert (polls["df_denominator"] == polls["r_ddf"]).all()
    assert np.abs(tl["p_value"] - tl["r_p_x2"]).max() < 1e-6
    # where R has no test (an empty margin), neither do the marts
    assert cases.filter(pl.col("r_p_f").is_null())["p_value"].is_null().all()


def test_fct_estimates_intervals_equal_r(marts):
    _, estimates = marts
    cases = (
        _read("cases_intervals.csv")
        .join(_read("r_intervals.csv"), on="case")
        .join(_indicators(), on=["sample", "y_column"])
        .join(estimates, on=["breakdown", "group_id", *KEY])
        .filter(pl.col("r_logit_lower").is_not_null())
    )
    polls = cases.filter(pl.col("route") == "polls")
    tl = cases.filter(pl.col("route") == "talk_london")
    assert polls.height >= 400 and tl.height >= 400
    assert (polls["ci_method"] == "logit").all() and (tl["ci_method"] == "wilson").all()
    for frame, lo, hi in (
        (polls, "r_logit_lower", "r_logit_upper"),
        (tl, "r_wilson_lower", "r_wilson_upper"),
    ):
        assert np.abs(frame["ci_lower"] / 100 - frame[lo]).max() < 1e-6
        assert np.abs(frame["ci_upper"] / 100 - frame[hi]).max() < 1e-6
        assert np.abs(frame["pct"] / 100 - frame["r_estimate"]).max() < 1e-8
