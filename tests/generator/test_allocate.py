"""The calibrated selection behind the sample: hand-checkable cases."""

import numpy as np
import pytest

from sample_generator.allocate import AllocationError, select_calibrated, share_range


def test_share_range_is_the_printed_rounding_window():
    assert share_range(86, 0.5) == (0.855, 0.865)
    assert share_range(0, 0.5) == (0.0, 0.005)


def test_total_and_group_targets_hold_and_keys_decide_within_groups():
    # 10 respondents, 4 women (0-3) and 6 men (4-9); keys rank 9 highest ... 0 lowest.
    keys = np.arange(10, dtype=float)
    women = np.arange(10) < 4
    everyone = np.ones(10, dtype=bool)
    # 50% overall, 75% of women (3 of 4) -> 2 of 6 men
    chosen = select_calibrated(keys, np.ones(10), [(everyone, 0.5, 0.5), (women, 0.75, 0.75)])
    assert chosen.sum() == 5
    assert chosen[women].sum() == 3
    # within each group the highest keys are taken: women 1,2,3 and men 8,9
    assert set(np.flatnonzero(chosen)) == {1, 2, 3, 8, 9}


def test_weighted_shares():
    # two respondents of weight 3 and six of weight 1: 50% of weight = 6
    weights = np.array([3, 3, 1, 1, 1, 1, 1, 1], dtype=float)
    keys = np.array([0, 0, 8, 7, 6, 5, 4, 3], dtype=float)
    heavy = weights == 3
    chosen = select_calibrated(keys, weights, [(np.ones(8, bool), 0.5, 0.5), (heavy, 0.5, 0.5)])
    assert weights[chosen].sum() == 6
    assert chosen[heavy].sum() == 1
    assert set(np.flatnonzero(chosen & ~heavy)) == {2, 3, 4}


def test_impossible_targets_raise():
    keys = np.arange(4, dtype=float)
    one = np.array([True, False, False, False])
    with pytest.raises(AllocationError, match="cannot all be met"):
        # a single respondent cannot be 50% selected
        select_calibrated(keys, np.ones(4), [(np.ones(4, bool), 0.5, 0.5), (one, 0.5, 0.5)])


def test_unreachable_target_is_met_within_a_point_and_the_others_exactly():
    """Equal weights: 18% of 58 is no count (10/58 = 17.2%, 11/58 = 19.0%), so that target is
    met within a point; the total's 41% of 200 (82/200) is met at its rounding, half-up."""
    from sample_generator.answers import _select
    from survey.figures import round_half_up

    rng = np.random.default_rng(5)
    n = 200
    group = np.arange(n) < 58
    chosen = _select(
        "demo", rng.normal(size=n), np.ones(n), [(np.ones(n, bool), 41.0), (group, 18.0)]
    )
    assert round_half_up(100 * chosen.mean()) == 41
    assert abs(100 * chosen[group].mean() - 18) <= 1
    # 38% of 8 is only 3/8 = 37.5%, which rounds half-up to 38: the boundary is included
    eight = _select("demo", rng.normal(size=8), np.ones(8), [(np.ones(8, bool), 38.0)])
    assert eight.sum() == 3
