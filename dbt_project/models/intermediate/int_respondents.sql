-- One row per respondent of both routes: identity, profile codes, supplier weight (polls), the
-- breakdown group of every breakdown, and victim / court / trust flags.
-- Columns follow the questionnaire: one per profile question (kind 'demographic', named by the
-- question id lower-cased) and one per breakdown (`grp_<breakdown>`), read from ref tables.
{%- set profile_variables = ref_values(
    "select variable_id from " ~ source('ref', 'variables')
    ~ " where kind = 'demographic' order by position"
) %}
{%- set breakdowns = ref_values(
    "select breakdown from " ~ source('ref', 'breakdowns') ~ " order by position"
) %}

-- Only the answers this model reads (profile questions, breakdown sources, the victimisation
-- block), taken once from the long fact: a few of its 150 rows per respondent.
with answers as materialized (
    select respondent_id, variable_id, code
    from {{ ref('int_answers') }}
    where variable_id in (
        select variable_id from {{ source('ref', 'variables') }} where kind = 'demographic'
        union all
        select source_variable from {{ source('ref', 'breakdown_groups') }}
        union all
        select unnest(['C_VICTIM_CRIME', 'C_VICTIM_ASB', 'C_COURT', 'C_VICTIM_ANY'])
    )
),

respondents as (
    select respondent_id, source_respondent_id, route, poll, export_date
    from {{ ref('stg_talk_london__respondents') }}
    union all
    select respondent_id, source_respondent_id, route, poll, export_date
    from {{ ref('stg_yougov__respondents') }}
),

profile as (
    select
        respondent_id
        {%- for variable_id in profile_variables %},
        max(code) filter (where variable_id = '{{ variable_id }}') as {{ variable_id | lower }}
        {%- endfor %}
    from answers
    where variable_id in (
        select variable_id from {{ source('ref', 'variables') }} where kind = 'demographic'
    )
    group by respondent_id
),

-- Group membership: the respondent's answer to a breakdown's source variable, mapped to a group.
memberships as (
    select answers.respondent_id, groups.breakdown, groups.group_id
    from answers
    inner join {{ source('ref', 'breakdown_groups') }} as groups
        on groups.source_variable = answers.variable_id
        and groups.code = answers.code
),

breakdown_groups as (
    select
        respondent_id
        {%- for breakdown in breakdowns %},
        max(group_id) filter (where breakdown = '{{ breakdown }}') as grp_{{ breakdown }}
        {%- endfor %}
    from memberships
    group by respondent_id
),

-- Convenience flags for BI on the victimisation block: true when the answer is in the scale's
-- 'yes' net, false for any other substantive answer, null when skipped, not asked or a missing
-- code (prefer not to say).
yes_no as (
    select
        answers.respondent_id,
        answers.variable_id,
        case
            when yes.code is not null then true
            when answers.code is not null and missing.code is null then false
        end as flag
    from answers
    inner join {{ source('ref', 'variables') }} as variables using (variable_id)
    left join {{ source('ref', 'nets') }} as yes
        on yes.scale = variables.scale and yes.net = 'yes' and yes.code = answers.code
    left join {{ source('ref', 'missing_codes') }} as missing on missing.code = answers.code
    where answers.variable_id in ('C_VICTIM_CRIME', 'C_VICTIM_ASB', 'C_COURT')
),

flags as (
    select
        respondent_id,
        bool_or(flag) filter (where variable_id = 'C_VICTIM_CRIME') as victim_crime,
        bool_or(flag) filter (where variable_id = 'C_VICTIM_ASB') as victim_asb,
        bool_or(flag) filter (where variable_id = 'C_COURT') as attended_court
    from yes_no
    group by respondent_id
),

victim_any as (
    select respondent_id, code as victim_any
    from answers
    where variable_id = 'C_VICTIM_ANY'
)

select
    respondents.respondent_id,
    respondents.source_respondent_id,
    respondents.route,
    respondents.poll,
    respondents.export_date,
    profile.* exclude (respondent_id),
    yougov.supplier_weight,
    yougov.start_time,
    yougov.end_time,
    breakdown_groups.* exclude (respondent_id),
    flags.victim_crime,
    flags.victim_asb,
    victim_any.victim_any,
    flags.attended_court,
    breakdown_groups.grp_trust_mps as trust_mps
from respondents
left join profile using (respondent_id)
left join breakdown_groups using (respondent_id)
left join flags using (respondent_id)
left join victim_any using (respondent_id)
left join {{ ref('stg_yougov__respondents') }} as yougov using (respondent_id)
