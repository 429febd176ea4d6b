-- Answers of every YouGov SPSS export of the pack (ref.sources with values 'codes'), long: one
-- row per respondent x exported variable. Answers are already codes: coded columns are
-- unpivoted as integers (no round trip through text), open-text columns separately as text. A
-- numeric variable (e.g. age in years) goes to `numeric_value` instead of `code`. Column lists
-- come from ref.variables (the questionnaire). No such source: no rows.
{{ config(meta={'raw_values': 'codes'}) }}
{%- set code_sources = raw_sources('codes') %}
{%- set coded_columns = ref_values(
    "select raw_column from " ~ source('ref', 'variables')
    ~ " where exported and kind <> 'open_text' order by position"
) %}
{%- set text_columns = ref_values(
    "select raw_column from " ~ source('ref', 'variables')
    ~ " where exported and kind = 'open_text' order by position"
) %}

with answers as (
    {%- for raw in code_sources %}
    {%- set relation = 'raw.' ~ raw.raw_table %}
    select '{{ raw.source_id }}' as source_id, *
    from (
        {%- if coded_columns %}
        select
            record as source_respondent_id, _export_date as export_date, raw_column,
            value::integer as raw_code, null::varchar as raw_text
        from {{ relation }}
        unpivot include nulls (value for raw_column in ({{ coded_columns | join(', ') }}))
        {%- endif %}
        {%- if coded_columns and text_columns %}
        union all
        {%- endif %}
        {%- if text_columns %}
        select
            record as source_respondent_id, _export_date as export_date, raw_column,
            null::integer as raw_code, value as raw_text
        from {{ relation }}
        unpivot include nulls (value for raw_column in ({{ text_columns | join(', ') }}))
        {%- endif %}
    )
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        null::varchar as source_id,
        null::bigint as source_respondent_id,
        null::date as export_date,
        null::varchar as raw_column,
        null::integer as raw_code,
        null::varchar as raw_text
    where false
    {%- endfor %}
),

variables as (
    select variable_id, raw_column, kind, yg_numeric
    from {{ source('ref', 'variables') }}
    where exported
),

decoded as (
    select
        exports.id_prefix || '-' || answers.source_respondent_id as respondent_id,
        answers.source_respondent_id::varchar as source_respondent_id,
        exports.route,
        exports.poll,
        variables.variable_id,
        coalesce(answers.raw_text, answers.raw_code::varchar) as raw_value,
        case when not variables.yg_numeric then answers.raw_code end as code,
        case when variables.yg_numeric then answers.raw_code end as numeric_value,
        answers.export_date
    from answers
    inner join variables on variables.raw_column = answers.raw_column
    inner join {{ source('ref', 'sources') }} as exports on exports.source_id = answers.source_id
)

select * from decoded
