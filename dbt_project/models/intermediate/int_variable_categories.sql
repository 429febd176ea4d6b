-- The categories each variable is reported in (the rows of its table), from reference data only:
--   code    each code of a single-choice scale that the base rule keeps (Don't know under
--           include_dk; never a code the rule excludes)
--   rank    ranking items: each rank
--   option  multi-select options: '1', the share selecting the option
--   net     each net of the variable's scale
--   status  counts among all respondents: skipped, and the missing kinds, not_asked and
--           no_suggestion where the variable can have them; 'substantive' for open text
-- category_kind 'code' / 'rank' / 'option' rows match int_responses.code; 'net' rows match
-- ref.nets' net ids; 'status' rows match int_responses.status ('answered' is 'substantive').
with variables as (
    select
        variables.variable_id, variables.question_id, variables.kind, variables.scale,
        variables.item_label, variables.asked_if_question, base_rules.exclude
    from {{ source('ref', 'variables') }} as variables
    inner join {{ source('ref', 'base_rules') }} as base_rules using (base_rule)
),

code_categories as (
    select
        variables.variable_id,
        case variables.kind
            when 'ranking_item' then 'rank'
            when 'multi_option' then 'option'
            else 'code'
        end as category_kind,
        codes.code::varchar as category,
        case when variables.kind = 'multi_option' then variables.item_label else codes.label end
            as category_label,
        codes.code as sort_order
    from variables
    inner join {{ source('ref', 'codes') }} as codes on codes.scale = variables.scale
    where codes.missing_kind is null or not list_contains(variables.exclude, codes.missing_kind)
),

net_categories as (
    select distinct
        variables.variable_id,
        'net' as category_kind,
        nets.net as category,
        'Net: ' || replace(nets.net, '_', ' ') as category_label,
        1000 + nets.net_order as sort_order
    from variables
    inner join {{ source('ref', 'nets') }} as nets on nets.scale = variables.scale
),

-- The missing kinds a variable can carry: its scale's missing codes, or for a multi-select
-- option a sibling option whose code is a missing code (the question's "Don't know").
variable_missing_kinds as (
    select variables.variable_id, codes.missing_kind
    from variables
    inner join {{ source('ref', 'codes') }} as codes on codes.scale = variables.scale
    where codes.missing_kind is not null
    union
    select variables.variable_id, missing.missing_kind
    from variables
    inner join {{ source('ref', 'variables') }} as siblings
        on siblings.question_id = variables.question_id and siblings.kind = 'multi_option'
    inner join {{ source('ref', 'missing_codes') }} as missing
        on missing.code = siblings.option_code
    where variables.kind = 'multi_option'
),

statuses (status, status_label, status_order) as (
    values
        ('skipped', 'Skipped', 1),
        ('dont_know', 'Don''t know', 2),
        ('prefer_not_to_say', 'Prefer not to say', 3),
        ('not_applicable', 'Not applicable', 4),
        ('not_asked', 'Not asked', 5),
        ('no_suggestion', 'No suggestion', 6),
        ('substantive', 'Substantive answer', 7)
),

status_categories as (
    select
        variables.variable_id,
        'status' as category_kind,
        statuses.status as category,
        statuses.status_label as category_label,
        2000 + statuses.status_order as sort_order
    from variables
    inner join statuses
        on statuses.status = 'skipped'
        or (statuses.status = 'not_asked' and variables.asked_if_question is not null)
        or (statuses.status = 'no_suggestion' and list_contains(variables.exclude, 'no_suggestion'))
        or (statuses.status = 'substantive' and variables.kind = 'open_text')
        or exists (
            select 1 from variable_missing_kinds as kinds
            where kinds.variable_id = variables.variable_id
                and kinds.missing_kind = statuses.status
        )
)

select * from code_categories
union all
select * from net_categories
union all
select * from status_categories
