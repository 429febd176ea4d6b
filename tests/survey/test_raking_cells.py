"""Raking on cells (large samples) gives the weights raking per respondent gives."""

import numpy as np
import pytest

from survey.weighting import CELLS_ABOVE, Margin, rake


def _margins(n: int, seed: int = 5) -> list[Margin]:
    rng = np.random.default_rng(seed)
    return [
        Margin("a", rng.choice(3, n, p=[0.5, 0.3, 0.2]), np.array([0.3, 0.3, 0.4])),
        Margin("b", rng.choice(6, n), np.array([0.1, 0.2, 0.2, 0.2, 0.2, 0.1])),
        Margin("c", (rng.random(n) < 0.3).astype(int), np.array([0.6, 0.4])),
    ]


@pytest.mark.parametrize("cap", [None, (0.4, 2.5)])  # uncapped, the weights span 0.31-3.2
def test_cells_match_respondents(cap):
    margins = _margins(CELLS_ABOVE + 5000)
    cells = rake(margins, tolerance=1e-10, cap=cap)
    # base weights (all 1 here) keep raking per respondent
    per_respondent = rake(margins, np.ones(len(cells.weights)), tolerance=1e-10, cap=cap)
    np.testing.assert_allclose(cells.weights, per_respondent.weights, rtol=1e-9)
    assert cells.iterations == per_respondent.iterations
    assert cells.weights.mean() == pytest.approx(1.0)
    assert cells.max_margin_error <= 1e-10


def test_many_margins_use_the_occupied_cells_only():
    rng = np.random.default_rng(2)
    n = CELLS_ABOVE + 1
    margins = [Margin(f"m{i}", rng.integers(0, 40, n), np.full(40, 1 / 40)) for i in range(4)]
    result = rake(margins, tolerance=1e-8, max_iterations=5000)
    for m in margins:
        shares = np.bincount(m.category, weights=result.weights, minlength=40) / n
        np.testing.assert_allclose(shares, m.targets, atol=1e-8)
