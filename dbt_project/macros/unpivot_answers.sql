{#-
  Long answers from a raw export table: one row per respondent x column, nulls kept.
  Every column except the id and the lineage columns (_source_file, _source_sha256, _export_date)
  is unpivoted as VARCHAR; models keep only columns named in ref.variables, so the export's
  meta columns fall away there and no question list is written in SQL.
-#}
{% macro unpivot_answers(relation, id_column) %}
    select *
    from (
        select
            {{ id_column }} as source_respondent_id,
            _export_date as export_date,
            columns(* exclude ({{ id_column }}, _source_file, _source_sha256, _export_date))::varchar
        from {{ relation }}
    )
    unpivot include nulls (
        raw_value for raw_column in (columns(* exclude (source_respondent_id, export_date)))
    )
{% endmacro %}
