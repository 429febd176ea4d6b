-- YouGov respondent-level fields that are not answers: supplier weight and interview times,
-- one row per respondent of both polls. Ids follow stg_yougov__responses (`rep-` / `boost-`).
{%- set polls = {'yougov_representative': 'rep', 'yougov_bame_boost': 'boost'} %}

with respondents as (
    {%- for source_id, prefix in polls.items() %}
    select
        '{{ source_id }}' as source_id,
        '{{ prefix }}-' || record as respondent_id,
        record::varchar as source_respondent_id,
        supplier_weight,
        start_time,
        end_time,
        _export_date as export_date
    from {{ source('raw', source_id ~ '_responses') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    respondents.respondent_id,
    respondents.source_respondent_id,
    exports.route,
    exports.poll,
    respondents.supplier_weight,
    respondents.start_time,
    respondents.end_time,
    respondents.export_date
from respondents
inner join {{ source('ref', 'sources') }} as exports on exports.source_id = respondents.source_id
