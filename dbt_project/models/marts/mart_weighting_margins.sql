-- The weighting margins for BI, one row per margin x category: population target, unweighted
-- and weighted sample shares (in percent), and the weighted share's distance from the target.
select
    margin,
    category,
    100.0 * target_share as target_pct,
    100.0 * unweighted_share as unweighted_pct,
    100.0 * weighted_share as weighted_pct,
    100.0 * (unweighted_share - target_share) as unweighted_diff_pts,
    100.0 * (weighted_share - target_share) as weighted_diff_pts
from {{ ref('weighting_margins') }}
