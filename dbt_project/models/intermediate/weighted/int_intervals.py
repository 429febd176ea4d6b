"""95% confidence interval of every percentage of int_estimates (joined into fct_estimates).

Weighted routes (e.g. the polls): R `svyciprop(~y, svydesign(ids = ~1, weights = ~weight),
method = "logit")`; unweighted routes (e.g. Talk London): the Wilson score interval, R
`prop.test(x, n, correct = FALSE)$conf.int`. Formulas in survey/design_stats.py; in percent, as
pct. The key columns pass through as Arrow; numbers come in as numpy and go out as Arrow buffers
(survey/arrow_columns.py), which keeps pandas out of the step.
"""

import numpy as np

from survey.arrow_columns import booleans, floats, numbers
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


def intervals(estimates, level: float):
    """`estimates`: Arrow table of KEY, SUMS and `weighted` (the route is weighted)."""
    sums = {c: numbers(estimates[c]) for c in SUMS}
    weighted = numbers(estimates["weighted"]) > 0
    w_lo, w_hi = wilson_interval(sums["unweighted_count"], sums["unweighted_base"], level)
    l_lo, l_hi = logit_interval(*(sums[c] for c in SUMS), level=level)
    return (
        estimates.select(KEY)
        .append_column("ci_lower", floats(100.0 * np.where(weighted, l_lo, w_lo)))
        .append_column("ci_upper", floats(100.0 * np.where(weighted, l_hi, w_hi)))
        .append_column("weighted", booleans(weighted))
    )


def model(dbt, session):
    dbt.config(materialized="table")
    q = load_questionnaire()
    weighted = ", ".join(f"'{r}'" for r, spec in q.routes.items() if spec["weighted"]) or "null"
    columns = ", ".join(KEY + SUMS) + f", route in ({weighted}) as weighted"
    estimates = dbt.ref("int_estimates").select(columns).to_arrow_table()
    return intervals(estimates, float(q.analysis["confidence_level"]))
