"""Design-based intervals and tests for a share, from sums over respondents.

Weighted routes (e.g. the polls) are analysed as R `survey` analyses `svydesign(ids = ~1,
weights = ~weight)`: one stage, no strata, no finite-population correction, so every variance
needs only per-cell counts n, sums of weights w and sums of squared weights w^2. Unweighted
routes (e.g. Talk London) use the unweighted statistics below.

- `logit_interval`: R `svyciprop(~y, design, method = "logit")`, i.e. expit(logit(p) +/-
  t(0.975, n - 1) se), where se = sqrt(v) / (p (1 - p)) and v is the linearisation variance of
  the weighted share: v = n / (n - 1) * sum w_i^2 (y_i - p)^2 / (sum w)^2.
- `wilson_interval`: R `prop.test(x, n, correct = FALSE)$conf.int` (Wilson score interval).
- `rao_scott_f_test` (`rao_scott_delta`): R `svychisq(~y + group, design, statistic = "F")`
  for a binary y and two groups: Pearson's X^2 of the weighted table scaled to n, divided by
  the Rao-Scott design effect delta (second-order correction; for a 2x2 table d0 = 1),
  referred to F(1, n - 1).
- `pearson_test` (`pearson_2x2`): Pearson's X^2 without continuity correction, referred to
  chi-square(1).

All functions are vectorised over numpy arrays; a result that does not exist (empty cell
margins, fewer than two respondents) is NaN.
"""

from __future__ import annotations

import numpy as np
from scipy import special  # not scipy.stats: its import alone takes seconds

CONFIDENCE_LEVEL = 0.95


def _a(x) -> np.ndarray:
    """Floats, with NaN for the masked (null) entries of a masked array (duckdb fetchnumpy)."""
    return np.ma.filled(np.ma.asarray(x, dtype=float), np.nan)


def wilson_interval(count, base, level: float = CONFIDENCE_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (proportions 0-1) for `count` of `base`, as R prop.test without
    continuity correction: 0 exactly as the lower bound of a count of 0, 1 as the upper of n."""
    x, n = _a(count), _a(base)
    z = special.ndtri((1 + level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z22n = z * z / (2 * n)
        half = z * np.sqrt(p * (1 - p) / n + z22n / (2 * n))
        lower = np.where(p <= 0, 0.0, (p + z22n - half) / (1 + 2 * z22n))
        upper = np.where(p >= 1, 1.0, (p + z22n + half) / (1 + 2 * z22n))
    empty = ~(n > 0)
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def logit_interval(
    count,
    base,
    weight_count,
    weight_base,
    weight_sq_count,
    weight_sq_base,
    level: float = CONFIDENCE_LEVEL,
) -> tuple[np.ndarray, np.ndarray]:
    """R svyciprop(method = "logit") on svydesign(ids = ~1, weights = ~w) (proportions 0-1).

    count / base: respondents in the category / in the base; weight_*: sums of w over them;
    weight_sq_*: sums of w^2. A share of 0 or 1 has no logit: its interval is the point itself
    (R returns the same to within 1e-8 after a non-converged fit). NaN below 2 respondents."""
    k, n = _a(count), _a(base)
    a, w_total = _a(weight_count), _a(weight_base)
    b, q_total = _a(weight_sq_count), _a(weight_sq_base)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / w_total
        # sum w^2 (y - p)^2 = (1 - p)^2 sum_{y=1} w^2 + p^2 sum_{y=0} w^2
        v = n / (n - 1) * ((1 - p) ** 2 * b + p**2 * (q_total - b)) / w_total**2
        se = np.sqrt(v) / (p * (1 - p))
        t = special.stdtrit(n - 1, (1 + level) / 2)
        eta = special.logit(p)
        lower, upper = special.expit(eta - t * se), special.expit(eta + t * se)
    lower = np.where(k <= 0, 0.0, np.where(k >= n, 1.0, lower))
    upper = np.where(k <= 0, 0.0, np.where(k >= n, 1.0, upper))
    few = ~(n >= 2)
    return np.where(few, np.nan, lower), np.where(few, np.nan, upper)


def pearson_2x2(
    count1, base1, weight_count1, weight_base1, count2, base2, weight_count2, weight_base2
) -> np.ndarray:
    """Pearson's X^2 (no continuity correction) of y by group on the table of weighted counts
    scaled to n = base1 + base2 (R: chisq.test(svytable(~y + group, design, Ntotal = n))).
    With weight 1 it is the ordinary Pearson X^2 = z^2 of the pooled two-proportion z-test."""
    k = _a(count1) + _a(count2)
    n = _a(base1) + _a(base2)
    a1, w1, a2, w2 = _a(weight_count1), _a(weight_base1), _a(weight_count2), _a(weight_base2)
    w, a = w1 + w2, a1 + a2
    with np.errstate(divide="ignore", invalid="ignore"):
        x2 = n * (a1 * w2 - a2 * w1) ** 2 / (a * (w - a) * w1 * w2)
    degenerate = (k <= 0) | (k >= n) | ~(_a(base1) > 0) | ~(_a(base2) > 0)
    return np.where(degenerate, np.nan, x2)


def rao_scott_delta(
    count1,
    base1,
    weight_count1,
    weight_base1,
    weight_sq_count1,
    weight_sq_base1,
    count2,
    base2,
    weight_count2,
    weight_base2,
    weight_sq_count2,
    weight_sq_base2,
) -> np.ndarray:
    """The Rao-Scott design effect of a 2x2 table (R svychisq's Delta, 1x1 here).

    R: Delta = (C' D^-1 V D^-1 C) / (C' D^-1 C / n) for the interaction contrast C = +/-1 over
    the cells c (y in {0, 1} x the two groups), D = diag(cell shares p_c) with 1/0 taken as 0,
    and V = n / (n - 1) sum_i w_i^2 (x_i - p)(x_i - p)' / W^2 the design variance of the shares.
    With S1_c = sum w, S2_c = sum w^2 over cell c, W = sum S1_c and a = D^-1 C, a'x_i = C_c W /
    S1_c and a'p = m = the sum of C over the occupied cells (0 unless a cell is empty), so
    delta = n^2 / (n - 1) * sum_c S2_c (C_c / S1_c - m / W)^2 / (W sum_c 1 / S1_c), over occupied
    cells."""
    n = _a(base1) + _a(base2)
    cells = []
    for sign, (k, m, a, w, b, q) in (
        (1.0, (count1, base1, weight_count1, weight_base1, weight_sq_count1, weight_sq_base1)),
        (-1.0, (count2, base2, weight_count2, weight_base2, weight_sq_count2, weight_sq_base2)),
    ):
        k, m, a, w, b, q = map(_a, (k, m, a, w, b, q))
        # y = 1 and y = 0 of the group: the contrast's signs alternate across the 2x2 cells
        cells += [(-sign, k, a, b), (sign, m - k, w - a, q - b)]
    total_w = _a(weight_base1) + _a(weight_base2)
    m_sum = sum(np.where(count > 0, c, 0.0) for c, count, _, _ in cells)
    num = np.zeros_like(n)
    inv = np.zeros_like(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for c, count, s1, s2 in cells:
            occupied = count > 0
            num += np.where(occupied, s2 * (c / s1 - m_sum / total_w) ** 2, 0.0)
            inv += np.where(occupied, 1.0 / s1, 0.0)
        return n * n / (n - 1) * num / (total_w * inv)


def rao_scott_f_test(*sums) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """F = X^2 / delta on (1, n - 1) degrees of freedom and its p-value, as R svychisq(...,
    statistic = "F") on svydesign(ids = ~1, weights = ~w). `sums` as `rao_scott_delta`.
    Returns (F, delta, denominator df, p-value)."""
    (k1, n1, a1, w1, _, _, k2, n2, a2, w2, _, _) = sums
    x2 = pearson_2x2(k1, n1, a1, w1, k2, n2, a2, w2)
    delta = rao_scott_delta(*sums)
    ddf = _a(n1) + _a(n2) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        f = x2 / delta
        p = special.fdtrc(1, ddf, f)
    return f, delta, ddf, p


def pearson_test(k1, n1, k2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Pearson's chi-square of an unweighted 2x2 table, no continuity correction: (X^2, p)."""
    x2 = pearson_2x2(k1, n1, k1, n1, k2, n2, k2, n2)
    return x2, special.chdtrc(1, x2)
