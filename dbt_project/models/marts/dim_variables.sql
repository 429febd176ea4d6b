-- One row per variable (export column or derived), in questionnaire order: the question and
-- item text, type, scale, base rule with its report footnote, and the supplementary table.
with tables_of_variable as (
    -- every table a variable appears in (e.g. a ranking item feeds its own table and the ranking's rank_first / rank_modal tables)
    select variable_id, list(table_id order by table_id) as all_table_ids
    from (
        select unnest(variables) as variable_id, table_id
        from {{ source('ref', 'tables') }}
    )
    group by variable_id
)

select
    variables.variable_id,
    variables.position,
    variables.question_id,
    variables.section,
    questions.type as question_type,
    variables.kind as variable_kind,
    variables.text as question_text,
    variables.item_label,
    variables.option_code,
    variables.scale,
    variables.base_rule,
    base_rules.exclude as base_excludes,
    base_rules.footnote as base_footnote,
    variables.table_id,
    tables.title as table_title,
    tables.kind as table_kind,
    tables_of_variable.all_table_ids,
    variables.asked_if_question,
    variables.asked_if_codes,
    variables.skippable,
    variables.exported
from {{ source('ref', 'variables') }} as variables
inner join {{ source('ref', 'questions') }} as questions
    on questions.question_id = variables.question_id
inner join {{ source('ref', 'base_rules') }} as base_rules
    on base_rules.base_rule = variables.base_rule
left join {{ source('ref', 'tables') }} as tables on tables.table_id = variables.table_id
left join tables_of_variable on tables_of_variable.variable_id = variables.variable_id
