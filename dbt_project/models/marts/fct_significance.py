"""Significance tests of the report's pre-specified comparisons (see the model's YAML).

prep_significance pairs the two sides of every test with their counts and sums of weights; this
model adds the statistic and its p-value (survey/design_stats.py, scipy's distributions, which
SQL lacks): for a weighted route (the polls) the Rao-Scott second-order corrected F test of R
`svychisq(~y + group, svydesign(ids = ~1, weights = ~weight), statistic = "F")`, for an
unweighted route (Talk London) Pearson's chi-square without continuity correction. numpy and
pyarrow only, to keep the step's imports short.
"""

import numpy as np
import pyarrow as pa

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
]
SHARES = ["p1", "p2", "diff_pts", "unweighted_base1", "unweighted_base2", "n_eff1", "n_eff2"]


def _floats(values: np.ndarray) -> pa.Array:
    """Nulls where duckdb's fetchnumpy masked them or the value is not finite."""
    values = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)
    return pa.array(values, mask=~np.isfinite(values))


def _column(values: np.ndarray) -> pa.Array:
    return pa.array(np.ma.getdata(values), mask=np.ma.getmaskarray(values))


def tests(pairs: dict[str, np.ndarray], weighted_routes: set[str]) -> pa.Table:
    """`pairs`: the columns of prep_significance as numpy arrays."""
    weighted = np.isin(pairs["route"], sorted(weighted_routes))
    sums = [pairs[f"{c}{side}"] for side in ("1", "2") for c in SIDE]
    f, delta, ddf, p_f = rao_scott_f_test(*sums)
    x2, p_x2 = pearson_test(sums[0], sums[1], sums[6], sums[7])
    statistic = np.where(weighted, f, x2)
    p_value = np.where(weighted, p_f, p_x2)
    valid = np.isfinite(statistic) & np.isfinite(p_value)
    diff = np.ma.filled(np.ma.asarray(pairs["p1"] - pairs["p2"], dtype=float), np.nan)
    reason = np.where(
        (pairs["reason"] == None) & ~valid,  # noqa: E711 (element-wise on an object array)
        "no_variance",
        pairs["reason"],
    )
    alpha = np.ma.filled(np.ma.asarray(pairs["alpha"], dtype=float), np.nan)
    significant = pa.array(p_value < alpha, mask=reason != None)  # noqa: E711
    nan = np.full(len(weighted), np.nan)
    columns = {c: pairs[c] for c in LEADING}
    columns["test"] = np.where(weighted, "rao_scott_f", "pearson_chi_square")
    columns |= {c: pairs[c] for c in SHARES}
    return pa.table(
        {
            **{c: _column(np.ma.asarray(v)) for c, v in columns.items() if c not in SHARES},
            **{
                c: _floats(pairs[c])
                if c in ("p1", "p2", "diff_pts", "n_eff1", "n_eff2")
                else _column(pairs[c])
                for c in SHARES
            },
            "statistic": _floats(np.where(valid, statistic, nan)),
            "design_effect": _floats(np.where(weighted & valid, delta, nan)),
            "df_denominator": _floats(np.where(weighted & valid, ddf, nan)),
            "z": _floats(np.where(valid, np.sign(diff) * np.sqrt(statistic), nan)),
            "p_value": _floats(np.where(valid, p_value, nan)),
            "z_critical": _floats(pairs["z_critical"]),
            "alpha": _floats(alpha),
            "significant": significant,
            "reason": pa.array(reason, type=pa.string()),
        }
    )


def model(dbt, session):
    dbt.config(materialized="table")
    q = load_questionnaire()
    weighted_routes = {r for r, spec in q.routes.items() if spec["weighted"]}
    return tests(dbt.ref("prep_significance").fetchnumpy(), weighted_routes)
