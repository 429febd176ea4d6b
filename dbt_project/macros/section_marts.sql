{#-
  create_section_marts: the post-hook of mart_sections. One table per report section of the pack
  (ref.sections, in report order), `<schema>.<ref.sections.mart>` - e.g.
  marts.mart_section_overall_support - holding mart_sections' rows of that section; a
  `mart_section_*` table of a section the pack no longer declares is dropped. A section id is
  questionnaire data, so the tables follow the pack with no model file per section.
-#}
{% macro create_section_marts() %}
    {%- set sections = ref_records(
        "select section, mart from " ~ source('ref', 'sections') ~ " order by position"
    ) -%}
    {%- set wanted = sections | map(attribute='mart') | list -%}
    {%- set existing = ref_values(
        "select table_name from duckdb_tables() where database_name = current_database()"
        ~ " and schema_name = '" ~ this.schema ~ "' and starts_with(table_name, 'mart_section_')"
    ) -%}
    {%- for name in existing if name not in wanted %}
    drop table {{ this.schema }}.{{ name }};
    {%- endfor %}
    {%- for section in sections %}
    create or replace table {{ this.schema }}.{{ section.mart }} as
        select * from {{ this }} where section = '{{ section.section }}';
    {%- endfor %}
{% endmacro %}
