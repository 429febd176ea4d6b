-- For a single-choice variable (one code per respondent: single, grid, scale, demographic,
-- derived, and each ranking item's ranks) the 'code' / 'rank' rows of a non-empty base sum to 100.
{{ config(meta={'dagster': {'ref': {'name': 'fct_estimates'}}}) }}
select
    estimates.variable_id, estimates.route, estimates.breakdown, estimates.group_id,
    sum(estimates.pct) as total_pct
from {{ ref('fct_estimates') }} as estimates
inner join {{ source('ref', 'variables') }} as variables using (variable_id)
where estimates.category_kind in ('code', 'rank')
    and variables.kind not in ('multi_option', 'open_text')
    and estimates.weighted_base > 0
group by all
having abs(sum(estimates.pct) - 100) > 0.01
