-- Bridge from answers to the nets of their scale: one row per respondent x variable x net the
-- answer's code belongs to (e.g. 'Tend to support' -> support), with the answer's in_base so
-- net counts need no join back to int_responses. Nets only hold substantive codes.
-- A view: the marts count nets from the codes they hold, so nothing in the pipeline reads it,
-- and writing one row per answer and net would cost as much as int_responses itself.
{{ config(materialized='view') }}
select
    responses.respondent_id,
    responses.variable_id,
    nets.net,
    nets.net_order,
    responses.route,
    responses.poll,
    responses.in_base
from {{ ref('int_responses') }} as responses
inner join {{ source('ref', 'variables') }} as variables using (variable_id)
inner join {{ source('ref', 'nets') }} as nets
    on nets.scale = variables.scale and nets.code = responses.code
