-- Preparation table for fct_significance: the report's pre-specified comparisons
-- (ref.comparisons) paired up for every code / net / rank / option row, one row per test x
-- route x variable x category, with the sums the test needs on each side (respondents in the
-- base and in the category; sums of weights and of squared weights over them). 'rest' = every
-- other respondent of the route's base (the route total minus the group). The statistics and
-- p-values are computed in fct_significance (Python: survey/design_stats.py), the reason a test
-- is not claimed here.
with estimates as (
    select * from {{ ref('int_estimates') }}
    where category_kind in ('code', 'net', 'rank', 'option')
),

comparisons as (
    select * from {{ source('ref', 'comparisons') }}
),

analysis as (
    select small_base_threshold, z_critical, confidence_level
    from {{ source('ref', 'analysis') }}
),

-- The comparator side of each test: another group's row, or the rest of the route's base.
group_sides as (
    select
        comparisons.comparison_id, comparisons.route,
        estimates.variable_id, estimates.category_kind, estimates.category,
        estimates.unweighted_count, estimates.unweighted_base,
        estimates.weighted_count, estimates.weighted_base,
        estimates.weighted_count_sq, estimates.weighted_base_sq
    from comparisons
    inner join estimates
        on estimates.route = comparisons.route
        and estimates.breakdown = comparisons.breakdown
        and estimates.group_id = comparisons.compared_with
),

rest_sides as (
    select
        comparisons.comparison_id, comparisons.route,
        grp.variable_id, grp.category_kind, grp.category,
        total.unweighted_count - grp.unweighted_count as unweighted_count,
        total.unweighted_base - grp.unweighted_base as unweighted_base,
        -- clamped: float subtraction can leave -1e-15 where the rest is empty
        greatest(total.weighted_count - grp.weighted_count, 0) as weighted_count,
        greatest(total.weighted_base - grp.weighted_base, 0) as weighted_base,
        greatest(total.weighted_count_sq - grp.weighted_count_sq, 0) as weighted_count_sq,
        greatest(total.weighted_base_sq - grp.weighted_base_sq, 0) as weighted_base_sq
    from comparisons
    inner join estimates as grp
        on grp.route = comparisons.route
        and grp.breakdown = comparisons.breakdown
        and grp.group_id = comparisons.group_id
    inner join estimates as total
        on total.route = grp.route
        and total.breakdown = 'total'
        and total.variable_id = grp.variable_id
        and total.category_kind = grp.category_kind
        and total.category = grp.category
    where comparisons.compared_with = 'rest'
),

sides as (
    select * from group_sides
    union all
    select * from rest_sides
),

pairs as (
    select
        comparisons.comparison_id,
        comparisons.is_primary,
        comparisons.mirror,
        grp.variable_id,
        grp.question_id,
        grp.section,
        grp.route,
        grp.breakdown,
        grp.group_id,
        comparisons.compared_with,
        grp.category_kind,
        grp.category,
        grp.category_label,
        grp.sort_order,
        grp.weighted_count / nullif(grp.weighted_base, 0) as p1,
        other.weighted_count / nullif(other.weighted_base, 0) as p2,
        grp.unweighted_base as unweighted_base1,
        other.unweighted_base as unweighted_base2,
        grp.effective_base as n_eff1,
        case when other.weighted_base_sq > 0
            then other.weighted_base * other.weighted_base / other.weighted_base_sq
            else 0.0
        end as n_eff2,
        grp.unweighted_count as unweighted_count1,
        grp.weighted_count as weighted_count1,
        grp.weighted_base as weighted_base1,
        grp.weighted_count_sq as weighted_count_sq1,
        grp.weighted_base_sq as weighted_base_sq1,
        other.unweighted_count as unweighted_count2,
        other.weighted_count as weighted_count2,
        other.weighted_base as weighted_base2,
        other.weighted_count_sq as weighted_count_sq2,
        other.weighted_base_sq as weighted_base_sq2
    from comparisons
    inner join estimates as grp
        on grp.route = comparisons.route
        and grp.breakdown = comparisons.breakdown
        and grp.group_id = comparisons.group_id
    inner join sides as other
        on other.comparison_id = comparisons.comparison_id
        and other.route = grp.route
        and other.variable_id = grp.variable_id
        and other.category_kind = grp.category_kind
        and other.category = grp.category
)

select
    pairs.comparison_id,
    pairs.variable_id,
    pairs.question_id,
    pairs.section,
    pairs.route,
    pairs.breakdown,
    pairs.group_id,
    pairs.compared_with,
    pairs.is_primary,
    pairs.mirror,
    pairs.category_kind,
    pairs.category,
    pairs.category_label,
    pairs.sort_order,
    pairs.p1,
    pairs.p2,
    100.0 * (pairs.p1 - pairs.p2) as diff_pts,
    pairs.unweighted_base1,
    pairs.unweighted_base2,
    pairs.n_eff1,
    pairs.n_eff2,
    pairs.unweighted_count1,
    pairs.weighted_count1,
    pairs.weighted_base1,
    pairs.weighted_count_sq1,
    pairs.weighted_base_sq1,
    pairs.unweighted_count2,
    pairs.weighted_count2,
    pairs.weighted_base2,
    pairs.weighted_count_sq2,
    pairs.weighted_base_sq2,
    analysis.z_critical,
    1 - analysis.confidence_level as alpha,
    case
        -- a variable tested against its own breakdown (e.g. an age question by age) is trivially different
        when pairs.variable_id = (
            select source_variable from {{ source('ref', 'breakdowns') }} as b
            where b.breakdown = pairs.breakdown
        ) then 'variable_defines_breakdown'
        when pairs.unweighted_base1 < analysis.small_base_threshold
            or pairs.unweighted_base2 < analysis.small_base_threshold
            then 'small_base'
        -- no respondent or every respondent of both sides in the category: nothing to test
        when pairs.unweighted_count1 + pairs.unweighted_count2 in (
            0, pairs.unweighted_base1 + pairs.unweighted_base2
        ) then 'no_variance'
    end as reason
from pairs
cross join analysis
