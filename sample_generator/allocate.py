"""Exact, constrained selection of respondents.

The generator must reproduce printed figures such as "females 86% vs males 80%" exactly (to the
rounded percent). `select_exact` picks exactly `total` respondents from a pool so that given
subgroups get exactly their target counts, preferring respondents with a higher key (propensity
plus noise), so that answers still follow the demographic effects of the answer model.

It works on *cells* (respondents sharing the same membership of every constrained group): cell
counts are fitted by iterative proportional fitting to the targets, rounded, and repaired by
unit moves until every target holds; then each cell takes its highest-keyed members.
"""

from __future__ import annotations

from itertools import product

import numpy as np


class AllocationError(RuntimeError):
    """Targets that no selection can meet (e.g. more selected than members)."""


def count_range(percent: float, n: int, slack: float = 0.5) -> tuple[int, int]:
    """Counts out of `n` whose percentage is within `slack` points of `percent`.

    With the default slack the count's percentage rounds to the printed whole percent.
    """
    lo = int(np.ceil((percent - slack) * n / 100 - 1e-9))
    hi = int(np.ceil((percent + slack) * n / 100 - 1e-9)) - 1
    return max(lo, 0), min(max(hi, lo), n)


def select_exact(
    keys: np.ndarray,
    total: int | tuple[int, int],
    constraints: list[tuple[np.ndarray, int, int]] = (),
) -> np.ndarray:
    """Boolean mask of `total` selected (a count or a (low, high) range), each (mask, low, high)
    count constraint met. `keys` ranks members within a cell (higher = selected first).
    """
    n = len(keys)
    t_lo, t_hi = (total, total) if isinstance(total, int | np.integer) else total
    if not 0 <= t_lo <= t_hi <= n:
        raise AllocationError(f"cannot select {t_lo}..{t_hi} of {n}")
    constraints = [(np.ones(n, dtype=bool), t_lo, t_hi), *constraints]
    if len(constraints) == 1 and t_lo == t_hi:
        return _top_k(keys, np.ones(n, dtype=bool), t_lo)
    total = (t_lo + t_hi) / 2

    masks = np.array([c[0] for c in constraints], dtype=bool)  # (k, n)
    low = np.array([c[1] for c in constraints])
    high = np.array([c[2] for c in constraints])
    for i, (m, lo, hi) in enumerate(constraints):
        if not 0 <= lo <= hi <= m.sum():
            raise AllocationError(f"constraint {i}: target {lo}..{hi} outside 0..{m.sum()}")
    targets = (low + high) / 2

    # cell id of each respondent = its membership pattern
    pattern = np.zeros(n, dtype=np.int64)
    for i, m in enumerate(masks):
        pattern |= m.astype(np.int64) << i
    cells, cell_of = np.unique(pattern, return_inverse=True)
    size = np.bincount(cell_of, minlength=len(cells)).astype(float)
    member = np.array([[(c >> i) & 1 for c in cells] for i in range(len(masks))], dtype=bool)

    # seed: expected selection from the keys' ranks (higher keys -> more likely)
    rank = np.argsort(np.argsort(-keys))
    seed = np.bincount(cell_of, weights=(rank < total).astype(float) + 0.5, minlength=len(cells))
    x = _ipf(seed, size, member, targets, total)
    x = _integerise(x, size, member, low, high)

    selected = np.zeros(n, dtype=bool)
    for c, count in enumerate(x):
        selected |= _top_k(keys, cell_of == c, int(count))
    return selected


def _top_k(keys: np.ndarray, within: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros(len(keys), dtype=bool)
    if k <= 0:
        return out
    idx = np.flatnonzero(within)
    chosen = idx[np.argsort(-keys[idx], kind="stable")[:k]]
    out[chosen] = True
    return out


def _ipf(seed, size, member, targets, total, iterations=200):
    x = np.minimum(seed * total / seed.sum(), size)
    for _ in range(iterations):
        for i, t in enumerate(targets):
            inside, outside = member[i], ~member[i]
            for part, goal in ((inside, t), (outside, total - t)):
                s = x[part].sum()
                if s > 0:
                    x[part] *= goal / s
            x = np.minimum(x, size)
        s = x.sum()
        if s > 0:
            x *= total / s
        x = np.minimum(x, size)
    return x


def _violation(x, member, low, high):
    got = member.astype(int) @ x
    return (np.maximum(low - got, 0) + np.maximum(got - high, 0)).sum()


def _integerise(x, size, member, low, high):
    """Round cell counts, then fix every target with the best single or paired unit moves."""
    xi = np.clip(np.round(x).astype(int), 0, size.astype(int))
    cap = size.astype(int)
    moves = [(a, +1) for a in range(len(xi))] + [(a, -1) for a in range(len(xi))]
    pairs = [(a, b) for a, b in product(range(len(xi)), repeat=2) if a != b]
    best = _violation(xi, member, low, high)
    while best > 0:
        candidate = None
        for a, d in moves:
            if 0 <= xi[a] + d <= cap[a]:
                xi[a] += d
                v = _violation(xi, member, low, high)
                xi[a] -= d
                if v < best:
                    best, candidate = v, [(a, d)]
        if candidate is None:
            for a, b in pairs:
                if xi[a] < cap[a] and xi[b] > 0:
                    xi[a] += 1
                    xi[b] -= 1
                    v = _violation(xi, member, low, high)
                    xi[a] -= 1
                    xi[b] += 1
                    if v < best:
                        best, candidate = v, [(a, 1), (b, -1)]
        if candidate is None:
            raise AllocationError(f"targets cannot all be met (residual {best})")
        for a, d in candidate:
            xi[a] += d
    return xi
