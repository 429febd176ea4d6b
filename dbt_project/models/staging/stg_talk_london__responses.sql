-- Talk London answers, long: one row per respondent x exported variable.
-- Labels are decoded to codes through ref.variable_codes (the Talk London label of each code).
with answers as (
    {{ unpivot_answers(source('raw', 'talk_london_responses'), 'response_id') }}
),

variables as (
    select variable_id, raw_column from {{ source('ref', 'variables') }} where exported
),

export as (
    select route, poll from {{ source('ref', 'sources') }} where source_id = 'talk_london'
),

decoded as (
    select
        'tl-' || answers.source_respondent_id as respondent_id,
        answers.source_respondent_id::varchar as source_respondent_id,
        export.route,
        export.poll,
        variables.variable_id,
        answers.raw_value,
        variable_codes.code,
        null::integer as numeric_value,
        answers.export_date
    from answers
    inner join variables on variables.raw_column = answers.raw_column
    cross join export
    left join {{ source('ref', 'variable_codes') }} as variable_codes
        on variable_codes.variable_id = variables.variable_id
        and variable_codes.tl_label = trim(answers.raw_value)
)

select * from decoded
