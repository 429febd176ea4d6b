-- Significance is never claimed on a small base: `significant` is null whenever either
-- unweighted base is below ref.analysis.small_base_threshold, and set whenever a test is valid.
{{ config(meta={'dagster': {'ref': {'name': 'fct_significance'}}}) }}
select significance.*
from {{ ref('fct_significance') }} as significance
cross join {{ source('ref', 'analysis') }} as analysis
where (
        significance.significant is not null
        and least(significance.unweighted_base1, significance.unweighted_base2)
            < analysis.small_base_threshold
    )
    or (significance.significant is null and significance.reason is null)
