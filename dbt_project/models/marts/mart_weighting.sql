-- The weighting of the weighted routes for BI, one row per scope ('combined': every weighted
-- respondent; then each poll of a weighted route, e.g. representative, boost): respondents,
-- raking iterations and convergence, weight range, Kish efficiency and effective sample size,
-- and agreement with the supplier's weights. From the weighting model; empty when the pack has
-- no weighted route.
select
    scope,
    respondents,
    iterations,
    max_margin_error,
    min_weight,
    max_weight,
    efficiency,
    effective_n,
    weight_sum,
    supplier_mean_abs_diff,
    supplier_max_abs_diff,
    supplier_correlation
from {{ ref('weighting_summary') }}
