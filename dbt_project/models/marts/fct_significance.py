"""Significance tests of the report's pre-specified comparisons (see the model's YAML).

prep_significance pairs the two sides of every test with their counts and sums of weights; this
model adds the statistic and its p-value (survey/design_stats.py, scipy's distributions, which
SQL lacks): for a weighted route (the polls) the Rao-Scott second-order corrected F test of R
`svychisq(~y + group, svydesign(ids = ~1, weights = ~weight), statistic = "F")`, for an
unweighted route (Talk London) Pearson's chi-square without continuity correction.
"""

import numpy as np
import polars as pl

from survey.design_stats import pearson_test, rao_scott_f_test
from survey.questionnaire import load_questionnaire

SIDE = (
    "unweighted_count",
    "unweighted_base",
    "weighted_count",
    "weighted_base",
    "weighted_count_sq",
    "weighted_base_sq",
)
LEADING = [
    "comparison_id",
    "variable_id",
    "question_id",
    "section",
    "route",
    "breakdown",
    "group_id",
    "compared_with",
    "is_primary",
    "mirror",
    "category_kind",
    "category",
    "category_label",
    "sort_order",
    "test",
    "p1",
    "p2",
    "diff_pts",
    "unweighted_base1",
    "unweighted_base2",
    "n_eff1",
    "n_eff2",
    "statistic",
    "design_effect",
    "df_denominator",
    "z",
    "p_value",
    "z_critical",
    "alpha",
    "significant",
    "reason",
]


def tests(pairs: pl.DataFrame, weighted_routes: set[str]) -> pl.DataFrame:
    weighted = pairs["route"].is_in(sorted(weighted_routes)).to_numpy()
    sums = [pairs[f"{c}{side}"].to_numpy() for side in ("1", "2") for c in SIDE]
    f, delta, ddf, p_f = rao_scott_f_test(*sums)
    x2, p_x2 = pearson_test(sums[0], sums[1], sums[6], sums[7])
    statistic = np.where(weighted, f, x2)
    p_value = np.where(weighted, p_f, p_x2)
    diff = (pairs["p1"] - pairs["p2"]).to_numpy()
    valid = np.isfinite(statistic)
    out = pairs.with_columns(
        pl.Series("test", np.where(weighted, "rao_scott_f", "pearson_chi_square")),
        pl.Series("statistic", np.where(valid, statistic, np.nan)).fill_nan(None),
        pl.Series("design_effect", np.where(weighted & valid, delta, np.nan)).fill_nan(None),
        pl.Series("df_denominator", np.where(weighted & valid, ddf, np.nan)).fill_nan(None),
        pl.Series("z", np.where(valid, np.sign(diff) * np.sqrt(statistic), np.nan)).fill_nan(None),
        pl.Series("p_value", np.where(valid, p_value, np.nan)).fill_nan(None),
    )
    reason = (
        pl.when(pl.col("reason").is_null() & pl.col("p_value").is_null())
        .then(pl.lit("no_variance"))
        .otherwise(pl.col("reason"))
    )
    return (
        out.with_columns(reason.alias("reason"))
        .with_columns(
            pl.when(pl.col("reason").is_null())
            .then(pl.col("p_value") < pl.col("alpha"))
            .otherwise(None)
            .alias("significant")
        )
        .select(LEADING)
    )


def model(dbt, session):
    dbt.config(materialized="table")
    q = load_questionnaire()
    weighted_routes = {r for r, spec in q.routes.items() if spec["weighted"]}
    return tests(dbt.ref("prep_significance").pl(), weighted_routes).to_arrow()
