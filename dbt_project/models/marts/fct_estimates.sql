-- Every estimate of the consultation: one row per variable x route x breakdown x group x category.
--
-- breakdown 'total' (group 'total') or a questionnaire breakdown reported for the route; category
-- kinds (int_variable_categories): code, net, rank, option, status. Counts and bases are
-- unweighted and weighted; pct is the weighted share for a weighted route and the unweighted
-- share (weight 1) for an unweighted one; ci_lower / ci_upper are its 95% confidence interval
-- (int_intervals: logit for weighted routes, Wilson for unweighted ones). Status rows are shares
-- of all respondents of the group. Open text has status rows only, including 'substantive'
-- (comments with a suggestion).
--
-- Each group row carries its primary comparison from fct_significance: its own pre-specified test
-- (e.g. female vs male, an age band vs the rest of the route's base, an ethnic group vs White
-- British), or for the other group of a pair the same test mirrored (male vs female). Other
-- tests marked not primary (e.g. under-25 vs 65+) are in fct_significance only. No
-- multiple-comparison adjustment is applied.
with estimates as (
    select * exclude (weighted_count_sq, weighted_base_sq) from {{ ref('int_estimates') }}
),

intervals as (
    select * from {{ ref('int_intervals') }}
),

tests as (
    select * from {{ ref('fct_significance') }}
),

primary_comparisons as (
    -- the group's own primary test
    select
        route, variable_id, breakdown, group_id, category_kind, category,
        compared_with,
        100.0 * p2 as compared_pct,
        diff_pts,
        z,
        p_value,
        significant,
        reason as significance_reason
    from tests
    where is_primary
    union all
    -- the other group of a pair sees the same test from its side
    select
        route, variable_id, breakdown, compared_with as group_id, category_kind, category,
        group_id as compared_with,
        100.0 * p1 as compared_pct,
        -diff_pts,
        -z,
        p_value,
        significant,
        reason
    from tests
    where mirror
)

select
    estimates.*,
    intervals.ci_lower,
    intervals.ci_upper,
    case when intervals.weighted then 'logit' else 'wilson' end as ci_method,
    primary_comparisons.compared_with,
    primary_comparisons.compared_pct,
    primary_comparisons.diff_pts,
    primary_comparisons.z,
    primary_comparisons.p_value,
    primary_comparisons.significant,
    primary_comparisons.significance_reason
from estimates
inner join intervals
    on intervals.variable_id = estimates.variable_id
    and intervals.route = estimates.route
    and intervals.breakdown = estimates.breakdown
    and intervals.group_id = estimates.group_id
    and intervals.category_kind = estimates.category_kind
    and intervals.category = estimates.category
left join primary_comparisons
    on primary_comparisons.route = estimates.route
    and primary_comparisons.variable_id = estimates.variable_id
    and primary_comparisons.breakdown = estimates.breakdown
    and primary_comparisons.group_id = estimates.group_id
    and primary_comparisons.category_kind = estimates.category_kind
    and primary_comparisons.category = estimates.category
