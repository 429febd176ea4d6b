-- One row per respondent of every route with the analysis weight (int_weighted_respondents:
-- weighted routes carry the weighting model's weight, unweighted routes weight 1).
select * from {{ ref('int_weighted_respondents') }}
