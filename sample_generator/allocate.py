"""Calibrated selection of respondents.

The generator must reproduce printed figures such as "females 86% vs males 80%" to the rounded
percent, weighted where the report's figures are weighted (the polls). `select_calibrated` picks
a set of respondents so that the (weighted) share selected in the base and in each constrained
group lies in a target range, preferring respondents with a higher key (latent propensity plus
noise) so that answers still follow the demographic effects of the answer model.

It starts from the highest keys and then repairs: one respondent added or removed at a time (or
a pair swapped when no single move helps), always the move that most reduces the total distance
from the ranges, ties going to the move that best respects the keys.
"""

from __future__ import annotations

import numpy as np


class AllocationError(RuntimeError):
    """Targets that no selection can meet (e.g. more selected than members)."""


def share_range(percent: float, slack: float) -> tuple[float, float]:
    """Share bounds (0-1) whose percentage lies within `slack` points of `percent`."""
    return max(percent - slack, 0.0) / 100, min(percent + slack, 100.0) / 100


def select_calibrated(
    keys: np.ndarray,
    weights: np.ndarray,
    constraints: list[tuple[np.ndarray, float, float]],
    max_moves: int = 5000,
) -> np.ndarray:
    """Boolean selection whose weighted share of each constraint's mask lies in [low, high].

    The first constraint is usually the whole base (the route total). Shares are of the mask's
    total weight.
    """
    n = len(keys)
    masks = np.array([c[0] for c in constraints], dtype=bool)
    if masks.size == 0:
        raise AllocationError("no constraints")
    w = np.asarray(weights, dtype=float)
    member_w = masks * w  # (k, n) weight each respondent adds to each constraint
    denom = member_w.sum(axis=1)
    low = np.array([c[1] for c in constraints]) * denom
    high = np.array([c[2] for c in constraints]) * denom
    scale = 1.0 / np.maximum(denom, 1e-12)  # compare violations as shares, not weights

    # start: the highest keys, as many as the first constraint's midpoint asks
    order = np.argsort(-keys, kind="stable")
    first = masks[0]
    goal = (low[0] + high[0]) / 2
    x = np.zeros(n, dtype=bool)
    cum = np.cumsum(w[order] * first[order])
    x[order[: int(np.searchsorted(cum, goal)) + 1]] = True

    rank = np.empty(n)
    rank[order] = np.arange(n) / n  # 0 = highest key
    for _ in range(max_moves):
        s = member_w @ x
        viol = _violation(s, low, high, scale)
        if viol <= 0:
            return x
        sign = np.where(x, -1.0, 1.0)  # toggling i removes it if selected, adds it otherwise
        new_s = s[:, None] + member_w * sign
        v_single = _violation(new_s, low[:, None], high[:, None], scale[:, None])
        # prefer adding high keys and removing low keys when violations tie
        tie = np.where(x, -rank, rank) * 1e-9
        i = int(np.argmin(v_single + tie))
        if v_single[i] < viol - 1e-15:
            x[i] = ~x[i]
            continue
        pair = _best_swap(x, s, member_w, low, high, scale, rank)
        if pair is None or pair[2] >= viol - 1e-15:
            got = ", ".join(
                f"{a:.4f} not in [{lo:.4f}, {hi:.4f}]"
                for a, lo, hi in zip(s * scale, low * scale, high * scale, strict=True)
                if not lo <= a <= hi
            )
            raise AllocationError(f"targets cannot all be met: {got}")
        x[pair[0]], x[pair[1]] = True, False
    raise AllocationError("no convergence within the move budget")


def _violation(s, low, high, scale):
    return ((np.maximum(low - s, 0) + np.maximum(s - high, 0)) * scale).sum(axis=0)


def _best_swap(x, s, member_w, low, high, scale, rank, candidates=60):
    """Best (add i, remove j) among the most promising candidates of each side."""
    outside, inside = np.flatnonzero(~x), np.flatnonzero(x)
    if not len(outside) or not len(inside):
        return None
    add = outside[np.argsort(rank[outside])[:candidates]]
    rem = inside[np.argsort(-rank[inside])[:candidates]]
    # widen the search to respondents of every membership pattern
    add = np.unique(np.concatenate([add, _one_per_pattern(outside, member_w)]))
    rem = np.unique(np.concatenate([rem, _one_per_pattern(inside, member_w)]))
    new_s = s[:, None, None] + member_w[:, add][:, :, None] - member_w[:, rem][:, None, :]
    v = _violation(new_s, low[:, None, None], high[:, None, None], scale[:, None, None])
    a, r = np.unravel_index(np.argmin(v), v.shape)
    return int(add[a]), int(rem[r]), float(v[a, r])


def _one_per_pattern(idx, member_w):
    patterns = (member_w[:, idx] > 0).T
    _, first = np.unique(patterns, axis=0, return_index=True)
    return idx[first]
