-- Breakdown groups partition their route: within a route and breakdown, the groups' status-row
-- bases (all respondents of each group) add up to at most the route total.
{{ config(meta={'dagster': {'ref': {'name': 'fct_estimates'}}}) }}
with groups as (
    select variable_id, route, breakdown, sum(unweighted_base) as in_groups
    from {{ ref('fct_estimates') }}
    where category_kind = 'status' and category = 'skipped' and breakdown <> 'total'
    group by all
),

totals as (
    select variable_id, route, unweighted_base as total
    from {{ ref('fct_estimates') }}
    where category_kind = 'status' and category = 'skipped' and breakdown = 'total'
)

select groups.*, totals.total
from groups
inner join totals using (variable_id, route)
where groups.in_groups > totals.total
