-- The ranking question summarised: one row per ranking item x route x breakdown x group, with
-- the most common rank (modal rank) and the share ranking the item first (e.g. the reference pack's tables B7, B8). The
-- share at every rank is in fct_estimates (category_kind 'rank').
-- Ties: when two ranks hold the same (weighted) share, the lowest rank wins; `modal_tie` says so.
with ranks as (
    select
        *,
        -- rounded against float noise in weighted sums before shares are compared
        round(weighted_count, 9) as share_key
    from {{ ref('fct_estimates') }}
    where category_kind = 'rank' and unweighted_base > 0
),

ordered as (
    select
        *,
        row_number() over (cell order by share_key desc, sort_order) as share_position,
        sum(case when share_key = max_share then 1 else 0 end) over cell as ranks_at_max,
        first_value(pct) over (cell order by sort_order) as pct_ranked_first
    from (
        select *, max(share_key) over (partition by variable_id, route, breakdown, group_id)
            as max_share
        from ranks
    )
    window cell as (partition by variable_id, route, breakdown, group_id)
)

select
    variable_id,
    question_id,
    section,
    table_id,
    route,
    breakdown,
    breakdown_label,
    group_id,
    group_label,
    unweighted_base,
    weighted_base,
    effective_base,
    category::integer as modal_rank,
    category_label as modal_rank_label,
    pct as modal_pct,
    ranks_at_max > 1 as modal_tie,
    pct_ranked_first,
    small_base
from ordered
where share_position = 1
