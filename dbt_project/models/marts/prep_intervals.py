"""95% confidence interval of every percentage of prep_estimates (joined into fct_estimates).

Weighted routes (the polls): R `svyciprop(~y, svydesign(ids = ~1, weights = ~weight), method =
"logit")`; unweighted routes (Talk London): the Wilson score interval, R `prop.test(x, n,
correct = FALSE)$conf.int`. Formulas in survey/design_stats.py; in percent, as pct. numpy and
pyarrow only (pyarrow is what dbt-duckdb materialises from), to keep the step's imports short.
"""

import numpy as np
import pyarrow as pa

from survey.design_stats import logit_interval, wilson_interval
from survey.questionnaire import load_questionnaire

KEY = ["variable_id", "route", "breakdown", "group_id", "category_kind", "category"]
SUMS = [
    "unweighted_count",
    "unweighted_base",
    "weighted_count",
    "weighted_base",
    "weighted_count_sq",
    "weighted_base_sq",
]


def intervals(e: dict[str, np.ndarray], weighted_routes: set[str], level: float) -> pa.Table:
    """`e`: columns KEY + SUMS of prep_estimates as numpy arrays."""
    weighted = np.isin(e["route"], sorted(weighted_routes))
    w_lo, w_hi = wilson_interval(e["unweighted_count"], e["unweighted_base"], level)
    l_lo, l_hi = logit_interval(*(e[c] for c in SUMS), level=level)
    lower = 100.0 * np.where(weighted, l_lo, w_lo)
    upper = 100.0 * np.where(weighted, l_hi, w_hi)
    return pa.table(
        {
            **{k: pa.array(e[k], type=pa.string()) for k in KEY},
            "ci_lower": pa.array(lower, mask=np.isnan(lower)),
            "ci_upper": pa.array(upper, mask=np.isnan(upper)),
            "ci_method": pa.array(np.where(weighted, "logit", "wilson"), type=pa.string()),
        }
    )


def model(dbt, session):
    dbt.config(materialized="table")
    q = load_questionnaire()
    weighted_routes = {r for r, spec in q.routes.items() if spec["weighted"]}
    level = float(q.analysis["confidence_level"])
    estimates = dbt.ref("prep_estimates").select(", ".join(KEY + SUMS)).fetchnumpy()
    return intervals(estimates, weighted_routes, level)
