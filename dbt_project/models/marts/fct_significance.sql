-- Significance tests of the report's pre-specified comparisons (ref.comparisons), for every
-- code / net / rank / option row: one row per test x route x variable x category.
--
-- Test: two-proportion z-test with a pooled proportion (macro two_proportion_z). For the polls
-- the shares are weighted and the bases are Kish effective bases, which carries the design
-- effect of the weights into the standard error; Talk London is unweighted (effective base =
-- unweighted base). 'rest' = every other respondent of the route's base (the route total minus
-- the group). Significant when |z| >= analysis.z_critical and both unweighted bases are at least
-- analysis.small_base_threshold; otherwise `significant` is null and `reason` says why.
-- Multiple comparisons: none applied (ref.analysis.multiple_comparisons states the policy).
with estimates as (
    select * from {{ ref('prep_estimates') }}
    where category_kind in ('code', 'net', 'rank', 'option')
),

comparisons as (
    select * from {{ source('ref', 'comparisons') }}
),

analysis as (
    select small_base_threshold, z_critical from {{ source('ref', 'analysis') }}
),

-- The comparator side of each test: another group's row, or the rest of the route's base.
group_sides as (
    select
        comparisons.comparison_id, comparisons.route,
        estimates.variable_id, estimates.category_kind, estimates.category,
        estimates.unweighted_base, estimates.weighted_count, estimates.weighted_base,
        estimates.weighted_base_sq
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
        total.unweighted_base - grp.unweighted_base as unweighted_base,
        -- clamped: float subtraction can leave -1e-15 where the rest is empty
        greatest(total.weighted_count - grp.weighted_count, 0) as weighted_count,
        greatest(total.weighted_base - grp.weighted_base, 0) as weighted_base,
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
        end as n_eff2
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
),

tested as (
    select
        pairs.*,
        {{ two_proportion_z('pairs.p1', 'pairs.n_eff1', 'pairs.p2', 'pairs.n_eff2') }} as z
    from pairs
)

select
    tested.comparison_id,
    tested.variable_id,
    tested.question_id,
    tested.section,
    tested.route,
    tested.breakdown,
    tested.group_id,
    tested.compared_with,
    tested.is_primary,
    tested.mirror,
    tested.category_kind,
    tested.category,
    tested.category_label,
    tested.sort_order,
    'two_proportion_z_effective_base' as test,
    tested.p1,
    tested.p2,
    100.0 * (tested.p1 - tested.p2) as diff_pts,
    tested.unweighted_base1,
    tested.unweighted_base2,
    tested.n_eff1,
    tested.n_eff2,
    tested.z,
    {{ two_sided_p_value('tested.z') }} as p_value,
    analysis.z_critical,
    case
        when reasons.reason is null then abs(tested.z) >= analysis.z_critical
    end as significant,
    reasons.reason
from tested
cross join analysis
cross join lateral (
    select case
        -- a variable tested against its own breakdown (e.g. AGE_BAND by age) is trivially different
        when tested.variable_id = (
            select source_variable from {{ source('ref', 'breakdowns') }} as b
            where b.breakdown = tested.breakdown
        ) then 'variable_defines_breakdown'
        when tested.unweighted_base1 < analysis.small_base_threshold
            or tested.unweighted_base2 < analysis.small_base_threshold
            then 'small_base'
        when tested.z is null then 'no_variance'
    end as reason
) as reasons
