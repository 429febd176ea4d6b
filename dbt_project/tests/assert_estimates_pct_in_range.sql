-- Every share is a percentage: pct, compared_pct in fct_estimates and p1, p2 in fct_significance
-- (to 1e-9: weighted sums are floating point).
{{ config(meta={'dagster': {'ref': {'name': 'fct_estimates'}}}) }}
select 'fct_estimates' as model, variable_id, route, breakdown, group_id, category, pct as value
from {{ ref('fct_estimates') }}
where pct not between -1e-9 and 100 + 1e-9
    or compared_pct not between -1e-9 and 100 + 1e-9
union all
select 'fct_significance', variable_id, route, breakdown, group_id, category, 100 * p1
from {{ ref('fct_significance') }}
where p1 not between -1e-11 and 1 + 1e-11
    or p2 not between -1e-11 and 1 + 1e-11
