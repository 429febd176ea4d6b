-- The unweighted base of every route-total estimate (code / net / rank / option rows) equals the
-- number of in-base rows of its variable and route in int_responses; status rows count everyone.
{{ config(meta={'dagster': {'ref': {'name': 'fct_estimates'}}}) }}
with expected as (
    select
        responses.variable_id, respondents.route,
        count(*) filter (where responses.in_base) as in_base_rows,
        count(*) as all_rows
    from {{ ref('int_responses') }} as responses
    inner join {{ ref('int_respondents') }} as respondents using (respondent_id)
    group by all
)

select
    estimates.variable_id, estimates.route, estimates.category_kind, estimates.category,
    estimates.unweighted_base, expected.in_base_rows, expected.all_rows
from {{ ref('fct_estimates') }} as estimates
left join expected using (variable_id, route)
where estimates.breakdown = 'total'
    and estimates.unweighted_base <> case
        when estimates.category_kind = 'status' then coalesce(expected.all_rows, 0)
        else coalesce(expected.in_base_rows, 0)
    end
