-- Answers of every Talk London platform export of the pack (ref.sources with values 'labels'),
-- long: one row per respondent x exported variable. Labels are decoded to codes through
-- ref.variable_codes (the Talk London label of each code). No such source: no rows.
{{ config(meta={'raw_values': 'labels'}) }}
{%- set label_sources = raw_sources('labels') %}

with answers as (
    {%- for raw in label_sources %}
    select '{{ raw.source_id }}' as source_id, *
    from ({{ unpivot_answers('raw.' ~ raw.raw_table, 'response_id') }})
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        null::varchar as source_id,
        null::varchar as source_respondent_id,
        null::date as export_date,
        null::varchar as raw_column,
        null::varchar as raw_value
    where false
    {%- endfor %}
),

variables as (
    select variable_id, raw_column from {{ source('ref', 'variables') }} where exported
),

decoded as (
    select
        exports.id_prefix || '-' || answers.source_respondent_id as respondent_id,
        answers.source_respondent_id::varchar as source_respondent_id,
        exports.route,
        exports.poll,
        variables.variable_id,
        answers.raw_value,
        variable_codes.code,
        null::integer as numeric_value,
        answers.export_date
    from answers
    inner join variables on variables.raw_column = answers.raw_column
    inner join {{ source('ref', 'sources') }} as exports on exports.source_id = answers.source_id
    left join {{ source('ref', 'variable_codes') }} as variable_codes
        on variable_codes.variable_id = variables.variable_id
        and variable_codes.tl_label = trim(answers.raw_value)
)

select * from decoded
