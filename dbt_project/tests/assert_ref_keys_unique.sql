-- The keys int_responses joins its answers on are unique in the reference tables, so that each
-- answer gives exactly one row (with equal_row_count, the key test of int_answers carries over).
{{ config(meta={'dagster': {'ref': {'name': 'int_responses'}}}) }}
-- depends_on: {{ ref('int_responses') }}
{%- set keys = [
    ('variables', ['variable_id']),
    ('base_rules', ['base_rule']),
    ('missing_codes', ['code']),
    ('no_suggestion', ['base_rule', 'phrase']),
    ('nets', ['scale', 'net', 'code']),
] %}
{%- for table, columns in keys %}
select '{{ table }}' as ref_table, count(*) as rows_with_key
from {{ source('ref', table) }}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
