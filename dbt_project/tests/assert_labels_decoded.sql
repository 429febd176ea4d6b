-- Every non-blank answer to a coded variable decodes to a code.
-- A Talk London label decodes through ref.variable_codes; int_answers keeps the exported text
-- only where no code carries it, so an undecoded label is a row of a coded variable with text
-- and no code. Tested on the table, not on the staging view (which would unpivot every export
-- again: 7 s at 1M respondents, against 0.2 s here). Fails with a count per variable: no
-- respondent id, no exported value.
{{ config(meta={'dagster': {'ref': {'name': 'int_answers'}}}) }}
select answers.variable_id, count(*) as undecoded_answers
from {{ ref('int_answers') }} as answers
inner join {{ source('ref', 'variables') }} as variables using (variable_id)
where variables.kind <> 'open_text'
    and answers.code is null
    and nullif(trim(answers.raw_value), '') is not null
group by answers.variable_id
