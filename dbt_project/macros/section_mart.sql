{#-
  One report section for BI: the rows of fct_estimates of the section with the question text,
  item label, table and base footnote (dim_questions) and the primary significance columns.
  External benchmarks (ref.benchmarks, e.g. the PAS in section F) sit beside the route-total
  rows of their variable and net; benchmark columns are null elsewhere.
-#}
{% macro section_mart(section) %}
select
    estimates.variable_id,
    estimates.question_id,
    estimates.section,
    questions.question_type,
    questions.question_text,
    questions.item_label,
    estimates.table_id,
    questions.table_title,
    questions.base_rule,
    questions.base_footnote,
    estimates.route,
    estimates.breakdown,
    estimates.breakdown_label,
    estimates.group_id,
    estimates.group_label,
    estimates.category_kind,
    estimates.category,
    estimates.category_label,
    estimates.sort_order,
    estimates.unweighted_count,
    estimates.weighted_count,
    estimates.unweighted_base,
    estimates.weighted_base,
    estimates.effective_base,
    estimates.pct,
    estimates.small_base,
    estimates.compared_with,
    estimates.compared_pct,
    estimates.diff_pts,
    estimates.z,
    estimates.p_value,
    estimates.significant,
    estimates.significance_reason,
    benchmarks.value as benchmark_value,
    benchmarks.period as benchmark_period,
    benchmarks.source as benchmark_source,
    benchmarks.measure as benchmark_measure,
    estimates.pct - benchmarks.value as benchmark_diff_pts,
    estimates.variable_order,
    estimates.breakdown_order,
    estimates.group_order
from {{ ref('fct_estimates') }} as estimates
inner join {{ ref('dim_questions') }} as questions using (variable_id)
left join {{ source('ref', 'benchmarks') }} as benchmarks
    on benchmarks.variable_id = estimates.variable_id
    and estimates.category_kind = 'net'
    and benchmarks.net = estimates.category
    and estimates.breakdown = 'total'
where estimates.section = '{{ section }}'
{% endmacro %}
