{#-
  No two rows share the same values of all the given columns (a compound key).
  Grouped on one 64-bit hash of the key (at 1M respondents the long facts have 150M rows, and a
  group-by on the string columns themselves takes twice as long and far more memory); only rows
  whose hash repeats are then grouped on the columns, so a reported duplicate is exact.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set key = combination_of_columns | join(', ') %}
with repeated_hashes as (
    select hash({{ key }}) as key_hash
    from {{ model }}
    group by 1
    having count(*) > 1
)

select {{ key }}, count(*) as rows_with_key
from {{ model }}
where hash({{ key }}) in (select key_hash from repeated_hashes)
group by {{ key }}
having count(*) > 1
{% endtest %}
