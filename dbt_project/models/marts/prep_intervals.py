"""95% confidence interval of every percentage of prep_estimates (joined into fct_estimates).

Weighted routes (the polls): R `svyciprop(~y, svydesign(ids = ~1, weights = ~weight), method =
"logit")`; unweighted routes (Talk London): the Wilson score interval, R `prop.test(x, n,
correct = FALSE)$conf.int`. Formulas in survey/design_stats.py; in percent, as pct.
"""

import numpy as np
import polars as pl

from survey.design_stats import logit_interval, wilson_interval
from survey.questionnaire import load_questionnaire

KEY = ["variable_id", "route", "breakdown", "group_id", "category_kind", "category"]


def intervals(estimates: pl.DataFrame, weighted_routes: set[str], level: float) -> pl.DataFrame:
    e = estimates
    weighted = e["route"].is_in(sorted(weighted_routes)).to_numpy()
    n, k = e["unweighted_base"].to_numpy(), e["unweighted_count"].to_numpy()
    w_lo, w_hi = wilson_interval(k, n, level)
    l_lo, l_hi = logit_interval(
        k,
        n,
        e["weighted_count"].to_numpy(),
        e["weighted_base"].to_numpy(),
        e["weighted_count_sq"].to_numpy(),
        e["weighted_base_sq"].to_numpy(),
        level,
    )
    lower = 100.0 * np.where(weighted, l_lo, w_lo)
    upper = 100.0 * np.where(weighted, l_hi, w_hi)
    return e.select(KEY).with_columns(
        pl.Series("ci_lower", lower).fill_nan(None),
        pl.Series("ci_upper", upper).fill_nan(None),
        pl.Series("ci_method", np.where(weighted, "logit", "wilson")),
    )


def model(dbt, session):
    dbt.config(materialized="table")
    q = load_questionnaire()
    weighted_routes = {r for r, spec in q.routes.items() if spec["weighted"]}
    level = float(q.analysis["confidence_level"])
    columns = KEY + [
        "unweighted_count",
        "unweighted_base",
        "weighted_count",
        "weighted_base",
        "weighted_count_sq",
        "weighted_base_sq",
    ]
    estimates = dbt.ref("prep_estimates").select(", ".join(columns)).pl()
    return intervals(estimates, weighted_routes, level).to_arrow()
