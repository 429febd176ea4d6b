"""The statistic and p-value of every test of int_significance_pairs (joined into
fct_significance).

Weighted routes (e.g. the polls): the Rao-Scott second-order corrected F test of R
`svychisq(~y + group, svydesign(ids = ~1, weights = ~weight), statistic = "F")`; unweighted
routes (e.g. Talk London): Pearson's chi-square without continuity correction. Formulas in
survey/design_stats.py (scipy's distributions, which SQL lacks). The key columns pass through as
Arrow; numbers go out as Arrow buffers (survey/arrow_columns.py), which keeps pandas out of the
step.
"""

import numpy as np

from survey.arrow_columns import booleans, floats, numbers
from survey.design_stats import pearson_test, rao_scott_f_test
from survey.questionnaire import load_questionnaire

KEY = ["comparison_id", "route", "variable_id", "category_kind", "category"]
SIDE = [
    "unweighted_count",
    "unweighted_base",
    "weighted_count",
    "weighted_base",
    "weighted_count_sq",
    "weighted_base_sq",
]
SUMS = [f"{c}{side}" for side in ("1", "2") for c in SIDE]


def tests(pairs):
    """`pairs`: Arrow table of KEY, SUMS, p1, p2 and `weighted` (the route is weighted)."""
    sums = [numbers(pairs[c]) for c in SUMS]
    weighted = numbers(pairs["weighted"]) > 0
    f, delta, ddf, p_f = rao_scott_f_test(*sums)
    x2, p_x2 = pearson_test(sums[0], sums[1], sums[6], sums[7])
    statistic = np.where(weighted, f, x2)
    p_value = np.where(weighted, p_f, p_x2)
    valid = np.isfinite(statistic) & np.isfinite(p_value)
    nan = np.full(len(valid), np.nan)
    sign = np.sign(numbers(pairs["p1"]) - numbers(pairs["p2"]))
    return (
        pairs.select(KEY)
        .append_column("statistic", floats(np.where(valid, statistic, nan)))
        .append_column("design_effect", floats(np.where(weighted & valid, delta, nan)))
        .append_column("df_denominator", floats(np.where(weighted & valid, ddf, nan)))
        .append_column("z", floats(np.where(valid, sign * np.sqrt(statistic), nan)))
        .append_column("p_value", floats(np.where(valid, p_value, nan)))
        .append_column("weighted", booleans(weighted))
    )


def model(dbt, session):
    dbt.config(materialized="table")
    q = load_questionnaire()
    weighted = ", ".join(f"'{r}'" for r, spec in q.routes.items() if spec["weighted"]) or "null"
    columns = ", ".join(KEY + SUMS) + f", p1, p2, route in ({weighted}) as weighted"
    return tests(dbt.ref("int_significance_pairs").select(columns).to_arrow_table())
