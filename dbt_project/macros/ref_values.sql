{#-
  The first column of a query on reference data, as a list: for the few models whose columns
  follow the questionnaire (one column per profile question or breakdown). Empty while dbt
  parses (nothing is executed then), so a model must not depend on the list for its parse.
-#}
{% macro ref_values(sql) %}
    {%- if not execute %}{{ return([]) }}{% endif -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values() | list) }}
{% endmacro %}
