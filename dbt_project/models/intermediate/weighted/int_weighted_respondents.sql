-- One row per respondent of every route: int_respondents plus the analysis weight. A respondent
-- of a weighted route (ref.sources.weighted, e.g. the polls) carries the weight the weighting
-- model derived (weights.poll_weights, mean 1); an unweighted route is analysed with weight 1.
{{ config(materialized='view') }}
select
    respondents.*,
    case
        when exports.weighted then weights.weight
        else 1.0
    end as weight
from {{ ref('int_respondents') }} as respondents
inner join (
    select distinct route, weighted from {{ source('ref', 'sources') }}
) as exports using (route)
left join {{ ref('poll_weights') }} as weights using (respondent_id)
