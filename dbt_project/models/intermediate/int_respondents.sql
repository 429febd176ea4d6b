-- One row per respondent of every route: identity, profile codes, the vendor's supplier weight
-- and interview times (YouGov SPSS exports), the breakdown group of every breakdown, and the
-- pack's respondent flags (e.g. victim / court / trust in the reference pack).
-- Columns follow the questionnaire, read from ref tables: one per profile question (kind
-- 'demographic', named by the question id lower-cased), one per breakdown (`grp_<breakdown>`)
-- and one per respondent flag (named by the flag, ref.respondent_flags).
{%- set profile_variables = ref_values(
    "select variable_id from " ~ source('ref', 'variables')
    ~ " where kind = 'demographic' order by position"
) %}
{%- set breakdowns = ref_values(
    "select breakdown from " ~ source('ref', 'breakdowns') ~ " order by position"
) %}
{%- set flags = ref_records(
    "select flag, value, breakdown from " ~ source('ref', 'respondent_flags')
    ~ " order by position"
) %}

-- Only the answers this model reads (profile questions, breakdown and flag sources), taken once
-- from the long fact: a few of its rows per respondent.
with answers as materialized (
    select respondent_id, variable_id, code
    from {{ ref('int_answers') }}
    where variable_id in (
        select variable_id from {{ source('ref', 'variables') }} where kind = 'demographic'
        union all
        select source_variable from {{ source('ref', 'breakdown_groups') }}
        union all
        select source_variable from {{ source('ref', 'respondent_flags') }}
    )
),

-- every vendor format's respondents (a format the pack does not use has none)
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

-- Respondent flags that read an answer (ref.respondent_flags, value 'flag' or 'code'). A flag is
-- true when the answer is one of its true codes, false for any other answer; a code flag is the
-- answer's code. Either is null when there is no answer, or (null_when 'missing') when the answer
-- is a missing code (e.g. prefer not to say).
flag_values as (
    select
        answers.respondent_id,
        flags.flag,
        case
            when answers.code is null then null
            when missing.code is not null and flags.null_when = 'missing' then null
            when flags.value = 'flag' then list_contains(flags.true_codes, answers.code)
        end as flag_value,
        case
            when missing.code is not null and flags.null_when = 'missing' then null
            when flags.value = 'code' then answers.code
        end as code_value
    from answers
    inner join {{ source('ref', 'respondent_flags') }} as flags
        on flags.source_variable = answers.variable_id and flags.value in ('flag', 'code')
    left join {{ source('ref', 'missing_codes') }} as missing on missing.code = answers.code
),

flags as (
    select
        respondent_id
        {%- for flag in flags if flag.value == 'flag' %},
        bool_or(flag_value) filter (where flag = '{{ flag.flag }}') as {{ flag.flag }}
        {%- endfor %}
        {%- for flag in flags if flag.value == 'code' %},
        max(code_value) filter (where flag = '{{ flag.flag }}') as {{ flag.flag }}
        {%- endfor %}
    from flag_values
    group by respondent_id
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
    breakdown_groups.* exclude (respondent_id)
    {%- for flag in flags %},
    {%- if flag.value == 'group' %}
    breakdown_groups.grp_{{ flag.breakdown }} as {{ flag.flag }}
    {%- else %}
    flags.{{ flag.flag }}
    {%- endif %}
    {%- endfor %}
from respondents
left join profile using (respondent_id)
left join breakdown_groups using (respondent_id)
left join flags using (respondent_id)
left join {{ ref('stg_yougov__respondents') }} as yougov using (respondent_id)
