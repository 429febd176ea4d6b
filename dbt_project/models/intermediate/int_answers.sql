-- Every answer of both routes, long: one row per respondent x variable, derived variables
-- included. Codes are resolved here, so downstream models only see codes:
-- - a numerically exported answer (YouGov age in years) becomes the code of the band it falls in
--   (ref.numeric_bands, parsed from the scale's labels);
-- - a derived variable is computed from its source variables (ref.derived_variables).
-- Kept narrow (one of the two largest tables of the warehouse; what it does not write costs
-- nothing): respondent-level fields (route, poll, source id, export date) are in int_respondents,
-- the exported text only where no code carries it (open text, or a label that did not decode),
-- and a numeric answer only as the code of its band.
-- The answers are streamed, not held: `exported` and `banded` are read twice (the answers, and
-- the few source variables of derived variables), and DuckDB would otherwise materialise them
-- (every answer, spilled to disk at 1M respondents). The derived variables' sources are listed
-- as constants, so that their second read skips the other variables' answers before any
-- respondent id is built.
{%- set derived_sources = ref_values(
    "select distinct source_variable from " ~ source('ref', 'derived_variables')
    ~ " where method = 'any_of' order by source_variable"
) %}
with exported as not materialized (
    select respondent_id, variable_id, raw_value, code, numeric_value
    from {{ ref('stg_talk_london__responses') }}
    union all
    select respondent_id, variable_id, raw_value, code, numeric_value
    from {{ ref('stg_yougov__responses') }}
),

banded as not materialized (
    select
        exported.respondent_id,
        exported.variable_id,
        case when exported.code is null and exported.numeric_value is null
            then exported.raw_value end as raw_value,
        coalesce(exported.code, bands.code) as code,
        exported.numeric_value
    from exported
    left join {{ source('ref', 'numeric_bands') }} as bands
        on bands.variable_id = exported.variable_id
        and exported.numeric_value >= bands.min_value
        and (bands.max_value is null or exported.numeric_value <= bands.max_value)
),

missing_codes as (
    select code from {{ source('ref', 'missing_codes') }}
),

-- any_of: the true code when any source answer is the match code; the false code when every
-- source was answered with a substantive code and none matched; otherwise missing (null).
derived as (
    select
        banded.respondent_id,
        derivations.variable_id,
        null::varchar as raw_value,
        case
            when bool_or(banded.code = derivations.match_code)
                then any_value(derivations.true_code)
            when bool_and(
                banded.code is not null
                and banded.code not in (select code from missing_codes)
            )
                then any_value(derivations.false_code)
        end as code
    from banded
    inner join {{ source('ref', 'derived_variables') }} as derivations
        on derivations.source_variable = banded.variable_id
    where derivations.method = 'any_of'
        and banded.variable_id in (
            {%- for variable_id in derived_sources %}'{{ variable_id }}'{{ ", " if not loop.last }}{% endfor -%}
            {{- "null" if not derived_sources }})
    group by banded.respondent_id, derivations.variable_id
)

select respondent_id, variable_id, raw_value, code from banded
union all by name
select * from derived
