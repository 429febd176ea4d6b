-- Respondent-level fields of every Talk London platform export of the pack (ref.sources with
-- values 'labels'), one row per respondent: the platform's id, the export the row was loaded
-- from and the survey times. Ids are `<id_prefix>-<Response ID>` (ref.sources.id_prefix, e.g.
-- `tl-`), as in stg_talk_london__responses. No such source: no rows.
{{ config(meta={'raw_values': 'labels'}) }}
{%- set label_sources = raw_sources('labels') %}

with respondents as (
    {%- for raw in label_sources %}
    select
        '{{ raw.source_id }}' as source_id,
        response_id::varchar as source_respondent_id,
        time_started as start_time,
        date_submitted as end_time,
        _export_date as export_date
    from raw.{{ raw.raw_table }}
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        null::varchar as source_id,
        null::varchar as source_respondent_id,
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
    respondents.start_time,
    respondents.end_time,
    respondents.export_date
from respondents
inner join {{ source('ref', 'sources') }} as exports using (source_id)
