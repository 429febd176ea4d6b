-- Preparation table for fct_estimates and fct_significance: every estimate before its primary
-- comparison is attached, plus the sums of squared weights the significance tests need.
-- Grain: variable x route x breakdown x group x category (see fct_estimates).
with respondents as (
    select * from {{ ref('dim_respondents') }}
),

breakdowns as (
    select breakdown, label, routes from {{ source('ref', 'breakdowns') }}
),

-- Every respondent is in the route total and in one group (or none) of each breakdown reported
-- for their route.
memberships as (
    select respondent_id, route, weight, 'total' as breakdown, 'total' as group_id
    from respondents
    union all
    select grouped.respondent_id, grouped.route, grouped.weight, breakdowns.breakdown, grouped.group_id
    from (
        select respondent_id, route, weight, replace(grp_column, 'grp_', '') as breakdown, group_id
        from (select respondent_id, route, weight, columns('^grp_') from respondents)
        unpivot (group_id for grp_column in (columns('^grp_')))
    ) as grouped
    inner join breakdowns
        on breakdowns.breakdown = grouped.breakdown
        and list_contains(breakdowns.routes, grouped.route)
),

responses as (
    select
        memberships.route,
        memberships.breakdown,
        memberships.group_id,
        memberships.weight,
        responses.respondent_id,
        responses.variable_id,
        responses.code,
        responses.status,
        responses.in_base
    from {{ ref('int_responses') }} as responses
    inner join memberships using (respondent_id)
),

-- Bases per cell: all respondents of the group (status rows) and those in the variable's base.
bases as (
    select
        variable_id, route, breakdown, group_id,
        count(*) as all_count,
        fsum(weight) as all_weight,
        fsum(weight * weight) as all_weight_sq,
        count(*) filter (where in_base) as base_count,
        coalesce(fsum(weight) filter (where in_base), 0) as base_weight,
        coalesce(fsum(weight * weight) filter (where in_base), 0) as base_weight_sq
    from responses
    group by all
),

-- Counts per cell and category, keyed like int_variable_categories.
counts as (
    select
        variable_id, route, breakdown, group_id,
        'value' as count_kind,
        code::varchar as category,
        count(*) as unweighted_count,
        fsum(weight) as weighted_count
    from responses
    where in_base and code is not null
    group by all
    union all
    select
        nets.variable_id, memberships.route, memberships.breakdown, memberships.group_id,
        'net' as count_kind,
        nets.net as category,
        count(*) as unweighted_count,
        fsum(memberships.weight) as weighted_count
    from {{ ref('int_response_nets') }} as nets
    inner join memberships using (respondent_id)
    where nets.in_base
    group by all
    union all
    select
        variable_id, route, breakdown, group_id,
        'status' as count_kind,
        case status when 'answered' then 'substantive' else status end as category,
        count(*) as unweighted_count,
        fsum(weight) as weighted_count
    from responses
    group by all
),

-- Every cell a route reports: each variable x the route total and each group of the breakdowns
-- reported for the route (a group with no respondents still gets its rows, with empty bases).
routes as (
    select distinct route from {{ source('ref', 'sources') }}
),

groups as (
    select routes.route, 'total' as breakdown, 'Total' as breakdown_label, 'total' as group_id,
        'Total' as group_label, 0 as breakdown_order, 0 as group_order
    from routes
    union all
    select distinct routes.route, groups.breakdown, breakdowns_ordered.label, groups.group_id,
        groups.group_label, breakdowns_ordered.position, groups.group_order
    from routes
    inner join {{ source('ref', 'breakdown_groups') }} as groups
        on list_contains(groups.routes, routes.route)
    inner join {{ source('ref', 'breakdowns') }} as breakdowns_ordered using (breakdown)
),

cells as (
    select
        variables.variable_id, variables.question_id, variables.section, variables.table_id,
        variables.position as variable_order, groups.*
    from {{ source('ref', 'variables') }} as variables
    cross join groups
),

analysis as (
    select small_base_threshold from {{ source('ref', 'analysis') }}
),

estimates as (
    select
        cells.variable_id,
        cells.question_id,
        cells.section,
        cells.table_id,
        cells.route,
        cells.breakdown,
        cells.breakdown_label,
        cells.group_id,
        cells.group_label,
        categories.category_kind,
        categories.category,
        categories.category_label,
        categories.sort_order,
        coalesce(counts.unweighted_count, 0) as unweighted_count,
        coalesce(counts.weighted_count, 0.0) as weighted_count,
        -- status rows are shares of all respondents of the group; the rest, of the base
        coalesce(case when categories.category_kind = 'status'
            then bases.all_count else bases.base_count end, 0) as unweighted_base,
        coalesce(case when categories.category_kind = 'status'
            then bases.all_weight else bases.base_weight end, 0.0) as weighted_base,
        coalesce(case when categories.category_kind = 'status'
            then bases.all_weight_sq else bases.base_weight_sq end, 0.0) as weighted_base_sq,
        cells.variable_order,
        cells.breakdown_order,
        cells.group_order
    from cells
    inner join {{ ref('int_variable_categories') }} as categories using (variable_id)
    left join bases
        on bases.variable_id = cells.variable_id
        and bases.route = cells.route
        and bases.breakdown = cells.breakdown
        and bases.group_id = cells.group_id
    left join counts
        on counts.variable_id = cells.variable_id
        and counts.route = cells.route
        and counts.breakdown = cells.breakdown
        and counts.group_id = cells.group_id
        and counts.category = categories.category
        and counts.count_kind = case
            when categories.category_kind in ('code', 'rank', 'option') then 'value'
            else categories.category_kind
        end
)

select
    estimates.* exclude (weighted_base_sq, variable_order, breakdown_order, group_order),
    -- Kish effective base (sum w)^2 / sum w^2; equals the unweighted base when all weights are 1
    case when estimates.weighted_base_sq > 0
        then estimates.weighted_base * estimates.weighted_base / estimates.weighted_base_sq
        else 0.0
    end as effective_base,
    -- weighted share (polls); with weight 1 the unweighted share (Talk London)
    case when estimates.weighted_base > 0
        then 100.0 * (estimates.weighted_count / estimates.weighted_base)
    end as pct,
    estimates.unweighted_base < analysis.small_base_threshold as small_base,
    estimates.weighted_base_sq,
    estimates.variable_order,
    estimates.breakdown_order,
    estimates.group_order
from estimates
cross join analysis
