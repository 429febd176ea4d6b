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

{#-
  The rows of a query on reference data, as a list of dicts keyed by column name (empty while
  dbt parses, as ref_values).
-#}
{% macro ref_records(sql) %}
    {%- if not execute %}{{ return([]) }}{% endif -%}
    {%- set result = run_query(sql) -%}
    {%- set records = [] -%}
    {%- for row in result.rows -%}
        {%- do records.append(dict(zip(result.column_names, row))) -%}
    {%- endfor -%}
    {{ return(records) }}
{% endmacro %}

{#-
  The pack's export sources of one vendor format (ref.sources.values: 'labels' - Talk London
  platform, 'codes' - YouGov SPSS), in questionnaire order: source_id and raw_table (a table of
  the `raw` schema, written by the source's ingest asset). A pack may have none of a format.
  The raw tables are not dbt sources (their names come from the pack): Dagster's lineage from
  each `raw/<source>_responses` asset to the staging models is declared in
  orchestration/defs/dbt.py (the model's `meta.raw_values`).
-#}
{% macro raw_sources(values) %}
    {{ return(ref_records(
        "select source_id, raw_table from " ~ source('ref', 'sources')
        ~ " where values = '" ~ values ~ "' order by position"
    )) }}
{% endmacro %}
