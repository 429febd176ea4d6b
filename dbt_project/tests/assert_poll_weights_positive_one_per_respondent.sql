-- Poll weights are positive, one per respondent of the weighted routes and sum to their number
-- (mean 1), as the poll_weights publication gate checks: here bad weights stop every model that
-- reads them within the same `dbt build`.
{{ config(meta={'dagster': {'ref': {'name': 'poll_weights'}}}) }}
with expected as (
    select count(*) as respondents
    from {{ ref('int_respondents') }}
    where route in (select route from {{ source('ref', 'sources') }} where weighted)
),

found as (
    select
        count(*) as weights,
        count(*) filter (where weight is null or weight <= 0) as not_positive,
        coalesce(sum(weight), 0) as weight_sum
    from {{ ref('poll_weights') }}
)

select *
from found, expected
where
    not_positive > 0
    or weights <> respondents
    or abs(weight_sum - respondents) > 1e-6 * respondents
