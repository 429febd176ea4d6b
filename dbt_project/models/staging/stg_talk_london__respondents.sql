-- Talk London respondent-level fields that are not answers, one row per respondent. Ids follow
-- stg_talk_london__responses (`tl-`).
select
    'tl-' || responses.response_id as respondent_id,
    responses.response_id::varchar as source_respondent_id,
    exports.route,
    exports.poll,
    responses.time_started as start_time,
    responses.date_submitted as end_time,
    responses._export_date as export_date
from {{ source('raw', 'talk_london_responses') }} as responses
inner join {{ source('ref', 'sources') }} as exports on exports.source_id = 'talk_london'
