-- Respondent-level fields of every YouGov SPSS export of the pack (ref.sources with values
-- 'codes') that are not answers: supplier weight and interview times, one row per respondent.
-- Ids are `<id_prefix>-<record>` (ref.sources.id_prefix, e.g. `rep-`), as in
-- stg_yougov__responses. No such source: no rows.
{{ config(meta={'raw_values': 'codes'}) }}
{%- set code_sources = raw_sources('codes') %}

with respondents as (
    {%- for raw in code_sources %}
    select
        '{{ raw.source_id }}' as source_id,
        record::varchar as source_respondent_id,
        supplier_weight,
        start_time,
        end_time,
        _export_date as export_date
    from raw.{{ raw.raw_table }}
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        null::varchar as source_id,
        null::varchar as source_respondent_id,
        null::double as supplier_weight,
        null::timestamp as start_time,
        null::timestamp as end_time,
        null::date as export_date
    where false
    {%- endfor %}
)

select
    exports.id_prefix || '-' || respondents.source_respondent_id as respondent_id,
    respondents.source_respondent_id,
    exports.route,
    exports.poll,
    respondents.supplier_weight,
    respondents.start_time,
    respondents.end_time,
    respondents.export_date
from respondents
inner join {{ source('ref', 'sources') }} as exports using (source_id)
