-- Significance tests of the report's pre-specified comparisons (ref.comparisons), for every
-- code / net / rank / option row: one row per test x route x variable x category.
--
-- int_significance_pairs pairs the two sides of each test; int_significance_tests (Python,
-- survey/design_stats.py) computes the statistic and p-value: for the polls (weighted) the
-- Rao-Scott second-order corrected F test of R svychisq(~y + group, svydesign(ids = ~1,
-- weights = ~weight), statistic = "F"), for Talk London (unweighted) Pearson's chi-square
-- without continuity correction. Significant when p_value < alpha (1 - confidence level) and
-- the test is valid; otherwise `significant` is null and `reason` says why. Multiple
-- comparisons: none applied (ref.analysis.multiple_comparisons states the policy).
select
    pairs.comparison_id,
    pairs.variable_id,
    pairs.question_id,
    pairs.section,
    pairs.route,
    pairs.breakdown,
    pairs.group_id,
    pairs.compared_with,
    pairs.is_primary,
    pairs.mirror,
    pairs.category_kind,
    pairs.category,
    pairs.category_label,
    pairs.sort_order,
    case when results.weighted then 'rao_scott_f' else 'pearson_chi_square' end as test,
    pairs.p1,
    pairs.p2,
    pairs.diff_pts,
    pairs.unweighted_base1,
    pairs.unweighted_base2,
    pairs.n_eff1,
    pairs.n_eff2,
    results.statistic,
    results.design_effect,
    results.df_denominator,
    results.z,
    results.p_value,
    pairs.z_critical,
    pairs.alpha,
    case
        when pairs.reason is null and results.p_value is not null
            then results.p_value < pairs.alpha
    end as significant,
    -- a test with no statistic (nobody or everybody of both sides in the category) is not claimed
    coalesce(pairs.reason, case when results.p_value is null then 'no_variance' end) as reason
from {{ ref('int_significance_pairs') }} as pairs
inner join {{ ref('int_significance_tests') }} as results
    on results.comparison_id = pairs.comparison_id
    and results.route = pairs.route
    and results.variable_id = pairs.variable_id
    and results.category_kind = pairs.category_kind
    and results.category = pairs.category
