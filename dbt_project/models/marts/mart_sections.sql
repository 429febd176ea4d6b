-- Every report section for BI in one view: the rows of fct_estimates with the question text,
-- item label, table and base footnote (dim_variables), the section's name and title
-- (ref.sections) and the primary significance columns. External benchmarks (ref.benchmarks)
-- sit beside the route-total rows of their variable and net; benchmark columns are null
-- elsewhere. The post-hook writes one table per section, marts.mart_section_<name> (macro
-- create_section_marts): a pack with three sections gets three.
{{ config(materialized='view', post_hook="{{ create_section_marts() }}") }}
select
    estimates.variable_id,
    estimates.question_id,
    estimates.section,
    sections.name as section_name,
    sections.title as section_title,
    variables.question_type,
    variables.question_text,
    variables.item_label,
    estimates.table_id,
    variables.table_title,
    variables.base_rule,
    variables.base_footnote,
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
inner join {{ ref('dim_variables') }} as variables using (variable_id)
inner join {{ source('ref', 'sections') }} as sections on sections.section = estimates.section
left join {{ source('ref', 'benchmarks') }} as benchmarks
    on benchmarks.variable_id = estimates.variable_id
    and estimates.category_kind = 'net'
    and benchmarks.net = estimates.category
    and estimates.breakdown = 'total'
