-- Preparation table for fct_estimates and fct_significance: every estimate before its primary
-- comparison is attached, plus the sums of squared weights (of the base and of the category's
-- respondents) that the design-based variances of the intervals and tests need.
-- Grain: variable x route x breakdown x group x category (see fct_estimates).
--
-- No fan-out of answers to groups: respondents with the same route, weight and breakdown groups
-- (a profile) count alike, so answers are first counted per profile, variable, code, status and
-- in_base in one pass; those counts are then summed per grouping set (the route total and each
-- breakdown's groups). Bases, code, status and net counts are sums of these partial counts; a
-- net is a set of codes of the variable's scale (ref.nets), so its count
-- is the sum of its codes' counts.
{%- set breakdowns = ref_values(
    "select breakdown from " ~ source('ref', 'breakdowns') ~ " order by position"
) %}
{%- set group_columns %}
    {%- for breakdown in breakdowns %}grp_{{ breakdown }}{{ ", " if not loop.last }}{% endfor %}
{%- endset %}

with respondents as (
    select
        *,
        dense_rank() over (order by route, weight{{ ", " ~ group_columns if breakdowns }})
            as profile_id
    from {{ ref('int_weighted_respondents') }}
),

profiles as (
    select distinct profile_id, route, weight{{ ", " ~ group_columns if breakdowns }}
    from respondents
),

breakdowns as (
    select breakdown, label, routes from {{ source('ref', 'breakdowns') }}
),

profile_counts as (
    select
        respondents.profile_id,
        responses.variable_id,
        responses.code,
        responses.status,
        responses.in_base,
        count(*) as n_answers
    from {{ ref('int_responses') }} as responses
    inner join respondents using (respondent_id)
    group by all
),

partial_counts as (
    select
        profile_counts.variable_id,
        profiles.route,
        case
            {%- for breakdown in breakdowns %}
            when grouping(profiles.grp_{{ breakdown }}) = 0 then '{{ breakdown }}'
            {%- endfor %}
            else 'total'
        end as breakdown,
        -- null in a breakdown's set: the respondent is in none of its groups
        case
            {%- for breakdown in breakdowns %}
            when grouping(profiles.grp_{{ breakdown }}) = 0 then profiles.grp_{{ breakdown }}
            {%- endfor %}
            else 'total'
        end as group_id,
        profile_counts.code,
        profile_counts.status,
        profile_counts.in_base,
        sum(profile_counts.n_answers) as n_answers,
        fsum(profile_counts.n_answers * profiles.weight) as weight,
        fsum(profile_counts.n_answers * profiles.weight * profiles.weight) as weight_sq
    from profile_counts
    inner join profiles using (profile_id)
    group by grouping sets (
        (profile_counts.variable_id, profiles.route, profile_counts.code, profile_counts.status,
            profile_counts.in_base)
        {%- for breakdown in breakdowns %},
        (profile_counts.variable_id, profiles.route, profiles.grp_{{ breakdown }},
            profile_counts.code, profile_counts.status, profile_counts.in_base)
        {%- endfor %}
    )
),

-- Every respondent is in the route total and in one group (or none) of each breakdown reported
-- for their route.
cell_counts as (
    select partial_counts.*
    from partial_counts
    left join breakdowns using (breakdown)
    where partial_counts.breakdown = 'total'
        or (partial_counts.group_id is not null and list_contains(breakdowns.routes, partial_counts.route))
),

-- Bases per cell: all respondents of the group (status rows) and those in the variable's base.
bases as (
    select
        variable_id, route, breakdown, group_id,
        sum(n_answers)::bigint as all_count,
        fsum(weight) as all_weight,
        fsum(weight_sq) as all_weight_sq,
        coalesce(sum(n_answers) filter (where in_base), 0)::bigint as base_count,
        coalesce(fsum(weight) filter (where in_base), 0) as base_weight,
        coalesce(fsum(weight_sq) filter (where in_base), 0) as base_weight_sq
    from cell_counts
    group by all
),

-- Counts per cell and category, keyed like int_variable_categories.
counts as (
    select
        variable_id, route, breakdown, group_id,
        'value' as count_kind,
        code::varchar as category,
        sum(n_answers)::bigint as unweighted_count,
        fsum(weight) as weighted_count,
        fsum(weight_sq) as weighted_count_sq
    from cell_counts
    where in_base and code is not null
    group by all
    union all
    select
        cell_counts.variable_id, cell_counts.route, cell_counts.breakdown, cell_counts.group_id,
        'net' as count_kind,
        nets.net as category,
        sum(cell_counts.n_answers)::bigint as unweighted_count,
        fsum(cell_counts.weight) as weighted_count,
        fsum(cell_counts.weight_sq) as weighted_count_sq
    from cell_counts
    inner join {{ source('ref', 'variables') }} as variables using (variable_id)
    inner join {{ source('ref', 'nets') }} as nets
        on nets.scale = variables.scale and nets.code = cell_counts.code
    where cell_counts.in_base
    group by all
    union all
    select
        variable_id, route, breakdown, group_id,
        'status' as count_kind,
        case status when 'answered' then 'substantive' else status end as category,
        sum(n_answers)::bigint as unweighted_count,
        fsum(weight) as weighted_count,
        fsum(weight_sq) as weighted_count_sq
    from cell_counts
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
        coalesce(counts.weighted_count_sq, 0.0) as weighted_count_sq,
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
    estimates.* exclude (
        weighted_count_sq, weighted_base_sq, variable_order, breakdown_order, group_order
    ),
    -- Kish effective base (sum w)^2 / sum w^2; equals the unweighted base when all weights are 1
    case when estimates.weighted_base_sq > 0
        then estimates.weighted_base * estimates.weighted_base / estimates.weighted_base_sq
        else 0.0
    end as effective_base,
    -- weighted share (weighted routes); with weight 1 the unweighted share (unweighted routes)
    case when estimates.weighted_base > 0
        then 100.0 * (estimates.weighted_count / estimates.weighted_base)
    end as pct,
    estimates.unweighted_base < analysis.small_base_threshold as small_base,
    estimates.weighted_count_sq,
    estimates.weighted_base_sq,
    estimates.variable_order,
    estimates.breakdown_order,
    estimates.group_order
from estimates
cross join analysis
