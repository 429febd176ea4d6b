-- The long fact of answers: one row per respondent x variable (derived variables included), with
-- the answer's status and whether it is in the variable's base. Kept narrow (one row per answer:
-- at 1M respondents 150M rows): labels, questions and base rules are in ref.* / dim_variables.
--
-- status: 'answered' (substantive), 'dont_know', 'prefer_not_to_say', 'not_applicable' (the
-- missing codes), 'skipped' (blank although asked), 'not_asked' (the asked_if condition is false,
-- e.g. C_REPORTED_* when the victim answer is not Yes) or 'no_suggestion' (open text that is
-- only 'No', 'I don't know' ...: ref.no_suggestion).
-- in_base: the status is not one the variable's base rule excludes (ref.base_rules.exclude);
-- 'not_asked' is never in a base.
-- Multi-select questions are judged per respondent and question: a respondent who selected no
-- option skipped the question (every option row is 'skipped'); one who selected the question's
-- "Don't know" option is 'dont_know' on every option row (kept in the base under include_dk);
-- otherwise each option row is 'answered', with code 1 (selected) or 0 (not selected).
--
-- Kept as narrow as int_answers: the respondent's route and poll are in int_respondents, and
-- the status is one column (no flag per status): every column costs a write of every answer.
-- int_answers is read once in full and twice for a few of its variables (conditions,
-- multi_answers), each straight from the table: a CTE read three times would be materialised by
-- DuckDB (a copy of every answer, spilled to disk at scale).
with variables as (
    select
        variables.variable_id, variables.question_id, variables.kind, variables.scale,
        variables.base_rule, variables.option_code, variables.asked_if_question,
        variables.asked_if_codes, base_rules.exclude as base_excludes
    from {{ source('ref', 'variables') }} as variables
    inner join {{ source('ref', 'base_rules') }} as base_rules using (base_rule)
),

missing_codes as (
    select missing_kind, code from {{ source('ref', 'missing_codes') }}
),

-- The answers that asked_if conditions refer to (a few questions, not every answer).
conditions as (
    select respondent_id, variable_id, code
    from {{ ref('int_answers') }}
    where variable_id in (select asked_if_question from variables)
),

-- Per respondent and multi-select question: did they select anything, and was it Don't know?
multi_answers as (
    select
        answers.respondent_id,
        variables.question_id,
        coalesce(bool_or(answers.code = 1), false) as selected_any,
        coalesce(bool_or(answers.code = 1 and dont_know.code is not null), false)
            as selected_dont_know
    from {{ ref('int_answers') }} as answers
    inner join variables using (variable_id)
    left join missing_codes as dont_know
        on dont_know.missing_kind = 'dont_know' and dont_know.code = variables.option_code
    where variables.kind = 'multi_option'
    group by answers.respondent_id, variables.question_id
),

classified as (
    select
        answers.respondent_id,
        answers.variable_id,
        variables.question_id,
        variables.kind,
        variables.scale,
        variables.base_excludes,
        answers.code as answer_code,
        case when variables.kind = 'open_text' then answers.raw_value end as text,
        case
            when variables.asked_if_question is not null
                and not coalesce(list_contains(variables.asked_if_codes, condition.code), false)
                then 'not_asked'
            when variables.kind = 'multi_option' then
                case
                    when not multi_answers.selected_any then 'skipped'
                    when multi_answers.selected_dont_know then 'dont_know'
                    else 'answered'
                end
            when variables.kind = 'open_text' then
                case
                    when nullif(trim(answers.raw_value), '') is null then 'skipped'
                    when no_suggestion.phrase is not null then 'no_suggestion'
                    -- no letter or digit at all ('?', '--') is no suggestion either
                    when not regexp_matches(answers.raw_value, '[\p{L}\p{N}]') then 'no_suggestion'
                    else 'answered'
                end
            when answers.code is null then 'skipped'
            else coalesce(missing.missing_kind, 'answered')
        end as status
    from {{ ref('int_answers') }} as answers
    inner join variables using (variable_id)
    -- the respondent's answer to the question an asked_if condition refers to
    left join conditions as condition
        on condition.respondent_id = answers.respondent_id
        and condition.variable_id = variables.asked_if_question
    -- keyed only on multi-select rows: the other rows skip the lookup
    left join multi_answers
        on multi_answers.respondent_id = answers.respondent_id
        and multi_answers.question_id = case
            when variables.kind = 'multi_option' then variables.question_id
        end
    left join {{ source('ref', 'no_suggestion') }} as no_suggestion
        on no_suggestion.base_rule = variables.base_rule
        -- normalised only where it can matter: open text
        and no_suggestion.phrase = case
            when variables.kind = 'open_text' then {{ normalise_comment('answers.raw_value') }}
        end
    left join missing_codes as missing on missing.code = answers.code
),

coded as (
    select
        classified.* exclude (answer_code),
        case
            when classified.status in ('skipped', 'not_asked') then null
            -- multi-select options: 1 selected, 0 not selected (Talk London leaves these blank)
            when classified.kind = 'multi_option' then coalesce(classified.answer_code, 0)
            else classified.answer_code
        end as code
    from classified
)

select
    coded.respondent_id,
    coded.variable_id,
    coded.code,
    coded.text,
    coded.status,
    coded.status <> 'not_asked' and not list_contains(coded.base_excludes, coded.status) as in_base
from coded
