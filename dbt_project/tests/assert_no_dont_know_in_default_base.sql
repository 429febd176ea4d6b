-- Under base rules that exclude Don't know (default, exclude_na, victim), no Don't know answer is
-- in a base and no estimate has a Don't know code row (report fn 4).
{{ config(meta={'dagster': {'ref': {'name': 'fct_estimates'}}}) }}
with rules_without_dk as (
    select base_rule from {{ source('ref', 'base_rules') }}
    where list_contains(exclude, 'dont_know')
)

select 'int_responses' as model, responses.respondent_id as id, responses.variable_id
from {{ ref('int_responses') }} as responses
inner join {{ source('ref', 'variables') }} as variables using (variable_id)
where responses.status = 'dont_know' and responses.in_base
    and variables.base_rule in (select base_rule from rules_without_dk)
union all
select 'fct_estimates', route || '/' || breakdown || '/' || group_id, estimates.variable_id
from {{ ref('fct_estimates') }} as estimates
inner join {{ source('ref', 'variables') }} as variables using (variable_id)
inner join {{ source('ref', 'missing_codes') }} as missing
    on missing.missing_kind = 'dont_know' and missing.code::varchar = estimates.category
where estimates.category_kind = 'code'
    and variables.base_rule in (select base_rule from rules_without_dk)
