-- Every YouGov code is a valid code of its variable (ref.variable_codes).
{{ config(meta={'dagster': {'ref': {'name': 'stg_yougov__responses'}}}) }}
select answers.respondent_id, answers.variable_id, answers.code
from {{ ref('stg_yougov__responses') }} as answers
left join {{ source('ref', 'variable_codes') }} as variable_codes using (variable_id, code)
where answers.code is not null
    and variable_codes.code is null
