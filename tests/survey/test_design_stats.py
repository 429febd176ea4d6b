"""Intervals and tests of survey/design_stats.py, by hand (the arithmetic is written out)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from survey.design_stats import (
    logit_interval,
    pearson_2x2,
    pearson_test,
    rao_scott_delta,
    rao_scott_f_test,
    wilson_interval,
)

Z = 1.959963984540054  # qnorm(0.975)


def test_wilson_interval_of_8_in_20():
    # p = 0.4; z^2 / 2n = 0.0960365; half = z sqrt(0.012 + z^2 / 1600) = 0.2352032;
    # divided by 1 + z^2 / n = 1.1920730
    lo, hi = wilson_interval([8], [20])
    assert lo[0] == pytest.approx((0.4 + 0.0960365 - 0.2352032) / 1.1920730, abs=1e-6)
    assert hi[0] == pytest.approx((0.4 + 0.0960365 + 0.2352032) / 1.1920730, abs=1e-6)
    assert (round(lo[0], 4), round(hi[0], 4)) == (0.2188, 0.6134)


def test_wilson_interval_at_0_and_n():
    # 0 of 10: [0, (z^2 / 10) / (1 + z^2 / 10)] = [0, 0.2775]; 10 of 10 mirrors it
    lo, hi = wilson_interval([0, 10, 0], [10, 10, 0])
    assert lo[0] == 0.0 and hi[0] == pytest.approx((Z**2 / 10) / (1 + Z**2 / 10), abs=1e-12)
    assert hi[1] == 1.0 and lo[1] == pytest.approx(1 - hi[0], abs=1e-12)
    assert np.isnan(lo[2]) and np.isnan(hi[2])  # empty base


def test_logit_interval_unweighted_2_of_4():
    # p = 0.5, v = 4/3 * (0.25 * 2 + 0.25 * 2) / 4^2 = 1/12, se(logit) = sqrt(1/12) / 0.25,
    # t(0.975, 3) = 3.1824463: expit(+/- 3.6747725) = 0.0247282, 0.9752718
    lo, hi = logit_interval([2], [4], [2.0], [4.0], [2.0], [4.0])
    se = math.sqrt(1 / 12) / 0.25
    assert se * 3.1824463 == pytest.approx(3.6747725, abs=1e-6)
    assert lo[0] == pytest.approx(1 / (1 + math.exp(3.6747725)), abs=1e-7)
    assert lo[0] == pytest.approx(0.0247282, abs=1e-7)
    assert hi[0] == pytest.approx(1 - lo[0], abs=1e-12)


def test_logit_interval_weighted():
    # y = (1, 0, 1), w = (1, 2, 3): W = 6, p = 4/6; sum w^2 (y - p)^2 = 1/9 + 16/9 + 9/9 = 26/9,
    # v = 3/2 * 26/9 / 36 = 0.1203704, se = sqrt(v) / (2/9) = 1.5612494, t(0.975, 2) = 4.3026527
    lo, hi = logit_interval([2], [3], [4.0], [6.0], [10.0], [14.0])
    half = 1.5612494 * 4.3026527
    assert lo[0] == pytest.approx(1 / (1 + math.exp(-(math.log(2) - half))), abs=1e-7)
    assert hi[0] == pytest.approx(1 / (1 + math.exp(-(math.log(2) + half))), abs=1e-7)


def test_logit_interval_edges():
    lo, hi = logit_interval([0, 5, 1], [5, 5, 1], [0, 5, 1], [5, 5, 1], [0, 5, 1], [5, 5, 1])
    assert (lo[0], hi[0], lo[1], hi[1]) == (0.0, 0.0, 1.0, 1.0)  # no logit: the point itself
    assert np.isnan(lo[2]) and np.isnan(hi[2])  # one respondent: no variance, no df


def test_pearson_is_the_square_of_the_pooled_z():
    # 8/20 vs 4/20: X^2 = 40 (8 * 20 - 4 * 20)^2 / (12 * 28 * 20 * 20) = 1.9047619;
    # pooled p = 0.3, z = 0.2 / sqrt(0.3 * 0.7 * 0.1) = 1.3801311
    x2, p = pearson_test([8], [20], [4], [20])
    assert x2[0] == pytest.approx(40 * 80**2 / (12 * 28 * 400), rel=1e-12)
    assert math.sqrt(x2[0]) == pytest.approx(0.2 / math.sqrt(0.021), rel=1e-12)
    assert p[0] == pytest.approx(math.erfc(math.sqrt(x2[0] / 2)), rel=1e-12)


def test_rao_scott_unweighted_delta_is_n_over_n_minus_1():
    # weight 1, no empty cell: delta = n^2/(n-1) sum 1/n_c / (n sum 1/n_c) = n / (n - 1)
    ones = ([8], [20], [8.0], [20.0], [8.0], [20.0], [4], [20], [4.0], [20.0], [4.0], [20.0])
    f, delta, ddf, p = rao_scott_f_test(*ones)
    assert delta[0] == pytest.approx(40 / 39, rel=1e-12) and ddf[0] == 39
    assert f[0] == pytest.approx(1.9047619047619 * 39 / 40, rel=1e-12)
    assert p[0] == pytest.approx(stats.f.sf(f[0], 1, 39), rel=1e-12)


def test_rao_scott_weighted_by_hand():
    # group 1 (y, w): (1, 2), (0, 1), (0, 1); group 2: (1, 1), (1, 2), (0, 1). n = 6, W = 8.
    # cells S1: 2, 2 | 3, 1; S2: 4, 2 | 5, 1. X^2 = 6 (2*4 - 3*4)^2 / (5 * 3 * 4 * 4) = 0.4;
    # delta = 36/5 * (4/4 + 2/4 + 5/9 + 1/1) / (8 * (1/2 + 1/2 + 1/3 + 1)) = 1.1785714
    sums = ([1], [3], [2.0], [4.0], [4.0], [6.0], [2], [3], [3.0], [4.0], [5.0], [6.0])
    assert pearson_2x2(*(sums[i] for i in (0, 1, 2, 3, 6, 7, 8, 9)))[0] == pytest.approx(0.4)
    f, delta, ddf, p = rao_scott_f_test(*sums)
    assert delta[0] == pytest.approx(7.2 * (1 + 0.5 + 5 / 9 + 1) / (8 * (7 / 3)), rel=1e-12)
    assert f[0] == pytest.approx(0.4 / delta[0], rel=1e-12) and ddf[0] == 5
    assert p[0] == pytest.approx(stats.f.sf(0.4 / delta[0], 1, 5), rel=1e-12)


def _delta_by_matrices(y, side, w):
    """R svychisq's Delta written as its matrices: C'D^-1 V D^-1 C / (C'D^-1 C / n)."""
    n = len(y)
    x = np.stack([(y == a) & (side == b) for b in (1, 2) for a in (0, 1)], axis=1).astype(float)
    p = (w[:, None] * x).sum(0) / w.sum()
    d_inv = np.diag(np.where(p > 0, 1 / np.where(p > 0, p, 1), 0))
    z = w[:, None] * (x - p) / w.sum()
    v = n / (n - 1) * z.T @ z
    c = np.array([1.0, -1.0, -1.0, 1.0])
    return (c @ d_inv @ v @ d_inv @ c) / (c @ (d_inv / n) @ c)


@pytest.mark.parametrize("empty", [None, (1, 1), (0, 2)])
def test_rao_scott_delta_equals_the_matrix_form(empty):
    rng = np.random.default_rng(3)
    n = 60
    side = np.where(rng.random(n) < 0.5, 1, 2)
    y = (rng.random(n) < 0.4).astype(int)
    if empty is not None:  # no respondent in that cell (y, side)
        y[side == empty[1]] = 1 - empty[0]
    w = np.exp(rng.normal(0, 0.5, n))

    def sums(s):
        m, hit = side == s, (side == s) & (y == 1)
        return (
            [hit.sum()],
            [m.sum()],
            [w[hit].sum()],
            [w[m].sum()],
            [(w[hit] ** 2).sum()],
            [(w[m] ** 2).sum()],
        )

    ours = rao_scott_delta(*sums(1), *sums(2))[0]
    assert ours == pytest.approx(_delta_by_matrices(y, side, w), rel=1e-10)


def test_no_test_without_variance():
    # nobody in the category on either side: Pearson's X^2 is 0/0; R's svychisq has no table
    sums = ([0], [10], [0.0], [10.0], [0.0], [10.0], [0], [12], [0.0], [12.0], [0.0], [12.0])
    f, _, _, p = rao_scott_f_test(*sums)
    assert np.isnan(f[0]) and np.isnan(p[0])
