-- Every non-blank Talk London answer to a coded variable decodes to a code.
{{ config(meta={'dagster': {'ref': {'name': 'stg_talk_london__responses'}}}) }}
select answers.respondent_id, answers.variable_id, answers.raw_value
from {{ ref('stg_talk_london__responses') }} as answers
inner join {{ source('ref', 'variables') }} as variables using (variable_id)
where variables.kind <> 'open_text'
    and nullif(trim(answers.raw_value), '') is not null
    and answers.code is null
