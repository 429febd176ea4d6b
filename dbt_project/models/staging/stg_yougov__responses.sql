-- YouGov answers from both polls, long: one row per respondent x exported variable.
-- Answers are already codes; a numeric variable (age in years) goes to `numeric_value` instead.
{%- set polls = {'yougov_representative': 'rep', 'yougov_bame_boost': 'boost'} %}

with answers as (
    {%- for source_id, prefix in polls.items() %}
    select '{{ source_id }}' as source_id, '{{ prefix }}-' as id_prefix, *
    from ({{ unpivot_answers(source('raw', source_id ~ '_responses'), 'record') }})
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

variables as (
    select variable_id, raw_column, kind, yg_numeric
    from {{ source('ref', 'variables') }}
    where exported
),

decoded as (
    select
        answers.id_prefix || answers.source_respondent_id as respondent_id,
        answers.source_respondent_id::varchar as source_respondent_id,
        exports.route,
        exports.poll,
        variables.variable_id,
        answers.raw_value,
        case
            when variables.kind <> 'open_text' and not variables.yg_numeric
                then try_cast(answers.raw_value as integer)
        end as code,
        case
            when variables.yg_numeric then try_cast(answers.raw_value as integer)
        end as numeric_value,
        answers.export_date
    from answers
    inner join variables on variables.raw_column = answers.raw_column
    inner join {{ source('ref', 'sources') }} as exports on exports.source_id = answers.source_id
)

select * from decoded
