-- One row per respondent of both routes: int_respondents plus the analysis weight.
-- Talk London is analysed unweighted (weight 1); poll respondents carry the weight of the
-- combined polls (mean 1) from the weighting asset (weights.poll_weights).
select
    respondents.*,
    case
        when respondents.route = 'polls' then poll_weights.weight
        else 1.0
    end as weight
from {{ ref('int_respondents') }} as respondents
left join {{ source('weights', 'poll_weights') }} as poll_weights using (respondent_id)
