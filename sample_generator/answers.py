"""Answers to every question, calibrated to the report's printed figures.

For each variable and route: choose who is outside the base (skipped, Don't know, Prefer not to
say, Not applicable), then place the in-base respondents on the ordinal scale. A latent
propensity (demographic effects from the answer model plus logistic noise) orders respondents;
the cut for the primary net is chosen with `select_calibrated` so the route total and every
printed subgroup figure round to the printed value (weighted for the polls, whose printed
figures are weighted); the other cuts nest inside it by the same propensity.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sample_generator.allocate import AllocationError, select_calibrated, share_range
from sample_generator.respondents import BLANK, Frame
from survey.figures import ReportFigure as Figure
from survey.figures import reachable
from survey.questionnaire import Questionnaire, Variable


class Calibration:
    """Report figures indexed by (variable, route) for the generator."""

    def __init__(self, figures: Iterable[Figure]):
        self.figures = list(figures)

    def for_variable(self, variable: str, route: str) -> list[Figure]:
        return [f for f in self.figures if f.variable == variable and f.route == route]


def _route_index(route: str) -> int:
    return 0 if route == "talk_london" else 1


def _pick(value, route: str):
    """A model value given as [talk_london, polls] or as one value for both."""
    if isinstance(value, list):
        return value[_route_index(route)]
    return value


def latent(frame: Frame, q: Questionnaire, effects: dict, rng: np.random.Generator) -> np.ndarray:
    score = rng.logistic(size=frame.n)
    for group, shift in effects.items():
        score += shift * frame.group_mask(q, group)
    return score


def _resolve_effects(spec, model: dict) -> dict:
    if spec is None:
        return {}
    if isinstance(spec, str):
        return model["effect_sets"][spec]
    return spec


def _bounded_rate(figs: list[Figure], stat: str, rate: float) -> float:
    """Apply the printed route-total figure for `stat`: exact wins; gt/lt/approx bound `rate`."""
    for f in figs:
        if f.stat != stat or f.group != "total":
            continue
        if f.compare == "exact":
            rate = f.value
        elif f.compare == "gt" and rate <= f.value:
            rate = f.value + 3
        elif f.compare == "lt" and rate >= f.value:
            rate = f.value - 3
        elif f.compare == "approx" and abs(rate - f.value) > 4:
            rate = f.value
    return rate


def _select(what: str, keys, weights, targets: list[tuple]) -> np.ndarray:
    """select_calibrated for (mask, percent[, ratio]) targets: each share rounds half-up to the
    printed percent. With equal weights (an unweighted route) a target that no integer count of
    its group can give (`survey.figures.reachable`) is met within a point instead, the others
    stay exact; weighted shares keep 0.01 points clear of the rounding boundaries, so the
    pipeline's sums in another order cannot tip them."""
    w = np.asarray(weights, dtype=float)
    unweighted = bool(np.all(w == w[0]))
    constraints = []
    for mask, percent, *ratio in targets:
        r = ratio[0] if ratio else 1.0
        if unweighted and not reachable(percent, round(mask.sum() * r), int(mask.sum())):
            lo, hi = share_range(percent, 1.0)
        elif unweighted:
            # k / n exactly at the lower boundary rounds up to the printed value
            lo, hi = (percent - 0.5) / 100 - 1e-12, (percent + 0.5) / 100 - 1e-9
        else:
            lo, hi = share_range(percent, 0.49)
        constraints.append((mask, min(lo * r, 1.0), min(hi * r, 1.0)))
    try:
        return select_calibrated(keys, w, constraints)
    except AllocationError as error:
        raise AllocationError(f"{what}: {error}") from error


def _count_for_share(cumw: np.ndarray, target: float) -> int:
    """How many of the ranked respondents bring the cumulative weighted share nearest `target`."""
    shares = np.concatenate([[0.0], cumw])
    return int(np.argmin(np.abs(shares - target)))


def _distribution(order_len: int, default: list[float], net_len: int, rate: float) -> np.ndarray:
    """Rescale the default distribution so the first `net_len` positions sum to `rate`."""
    d = np.array(default, dtype=float)
    head, tail = d[:net_len], d[net_len:]
    out = np.concatenate([head / head.sum() * rate, tail / tail.sum() * (100 - rate)])
    return out / 100


class AnswerGenerator:
    """Answers for one route at a time; `weights[route]` are the weights its figures use."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        model: dict,
        calibration: Calibration,
        weights: dict[str, np.ndarray],
    ):
        self.q = questionnaire
        self.model = model
        self.cal = calibration
        self.weights = weights

    # ------------------------------------------------------------------ missing
    def _missing(self, var: Variable, route: str, frame: Frame, asked: np.ndarray, rng) -> None:
        """Mark Don't know / Prefer not to say / Not applicable in place (codes 97-99)."""
        codes = frame.codes[var.id]
        spec = self.model["variables"].get(var.id, {})
        scale_model = self.model["scales"][var.scale.id]
        idx = np.flatnonzero(asked)
        n = len(idx)
        mc = self.q.missing_codes
        kinds = []
        total_missing = self._missing_count(var, route, spec, n)
        if total_missing is not None:
            if "na" in scale_model:
                na = round(total_missing * 0.8)
                kinds = [("not_applicable", na), ("dont_know", total_missing - na)]
            else:
                kinds = [("dont_know", total_missing)]
        else:
            dk = _pick(spec.get("dk", scale_model.get("dk", 0)), route)
            for kind, rate in (
                ("dont_know", dk),
                ("prefer_not_to_say", scale_model.get("pnts", 0)),
                ("not_applicable", scale_model.get("na", 0)),
            ):
                kinds.append((kind, round(rate / 100 * n)))
        order = rng.permutation(idx)
        start = 0
        for kind, count in kinds:
            if count and mc[kind] not in var.scale.codes:
                raise ValueError(f"{var.id}: scale {var.scale.id} has no {kind} code")
            codes[order[start : start + count]] = mc[kind]
            start += count

    def _missing_count(self, var: Variable, route: str, spec: dict, n: int) -> int | None:
        """Exact count outside the base where the report prints bases for the question."""
        if "missing" not in spec:
            return None
        count = _pick(spec["missing"], route)
        siblings = [
            v
            for v in self.q.variables.values()
            if v.question_id == var.question_id and v.id != var.id
        ]
        sibling_counts = [
            _pick(self.model["variables"].get(v.id, {}).get("missing", [0, 0]), route)
            for v in siblings
        ]
        for f in self.cal.for_variable(var.question_id, route):
            if f.stat == "min_base" and count >= max(sibling_counts, default=0):
                return self._route_n(route) - int(f.value)
            if f.stat == "max_base" and count <= min(sibling_counts, default=10**9):
                return self._route_n(route) - int(f.value)
        return count

    def _route_n(self, route: str) -> int:
        return sum(p["respondents"] for p in self.q.routes[route]["polls"].values())

    # ------------------------------------------------------------------ ordinal answers
    def ordinal(self, var: Variable, route: str, frame: Frame, asked: np.ndarray, rng) -> None:
        codes = frame.codes.setdefault(var.id, np.full(frame.n, BLANK))
        codes[asked] = 0  # placeholder until placed
        self._missing(var, route, frame, asked, rng)
        in_base = asked & (codes == 0)
        scale_model = self.model["scales"][var.scale.id]
        spec = self.model["variables"].get(var.id, {})
        order = scale_model["order"]
        nets = var.scale.nets
        primary = next(iter(nets))
        figs = self.cal.for_variable(var.id, route)
        net_len = len(nets[primary])
        if sorted(order[:net_len]) != sorted(nets[primary]):
            raise ValueError(f"{var.scale.id}: primary net {primary} must lead the model's order")

        rate = _pick(spec.get("rate"), route)
        rate = self._rate_from_groups(figs, primary, frame, in_base, rate, scale_model, net_len)
        rate = _bounded_rate(figs, f"net:{primary}", rate)
        dist = _distribution(len(order), spec.get("dist", scale_model["dist"]), net_len, rate)
        cum_share = np.cumsum(dist)
        # other nets with printed route totals fix their cut too (e.g. oppose, 'a problem')
        for f in figs:
            if f.group != "total" or not f.stat.startswith("net:") or f.compare != "exact":
                continue
            pos = sorted(order.index(c) for c in nets[f.stat[4:]])
            if pos[0] == 0:
                cum_share[len(pos) - 1] = f.value / 100
            elif pos[-1] == len(order) - 1:
                cum_share[len(order) - len(pos) - 1] = 1 - f.value / 100

        keys = latent(frame, self.q, _resolve_effects(spec.get("effects"), self.model), rng)
        base_idx = np.flatnonzero(in_base)
        w = self.weights[route][base_idx]
        groups = [
            (frame.group_mask(self.q, f.group)[base_idx], f.value)
            for f in figs
            if f.stat == f"net:{primary}" and f.group != "total" and f.compare == "exact"
        ]
        chosen = _select(
            f"{var.id} ({route})",
            keys[base_idx],
            w,
            [(np.ones(len(base_idx), bool), rate), *groups],
        )
        # place everyone: the chosen (primary net) first, each side by key; cut by weighted share
        k = keys[base_idx]
        inside, outside = np.flatnonzero(chosen), np.flatnonzero(~chosen)
        ranked = np.concatenate(
            [
                inside[np.argsort(-k[inside], kind="stable")],
                outside[np.argsort(-k[outside], kind="stable")],
            ]
        )
        cumw = np.cumsum(w[ranked]) / w.sum()
        n_in = len(inside)
        bounds = [0]
        for p in range(len(order) - 1):
            if p == net_len - 1:
                b = n_in
            elif p < net_len - 1:
                b = min(_count_for_share(cumw, cum_share[p]), n_in)
            else:
                b = max(_count_for_share(cumw, cum_share[p]), n_in)
            bounds.append(max(b, bounds[-1]))
        bounds.append(len(ranked))
        position = np.empty(len(base_idx), dtype=int)
        for p in range(len(order)):
            position[ranked[bounds[p] : bounds[p + 1]]] = p
        codes[base_idx] = np.array(order)[position]

    def _rate_from_groups(self, figs, primary, frame, in_base, rate, scale_model, net_len) -> float:
        """Route total implied by printed subgroup figures, `rate` (or the default) for the rest."""
        default = sum(scale_model["dist"][:net_len]) if rate is None else rate
        groups = [f for f in figs if f.stat == f"net:{primary}" and f.group != "total"]
        if not groups:
            return default
        by_breakdown: dict[str, list[Figure]] = {}
        for f in groups:
            by_breakdown.setdefault(f.group.split(":")[0], []).append(f)
        estimates = []
        n = in_base.sum()
        for fs in by_breakdown.values():
            covered = np.zeros(frame.n, dtype=bool)
            total = 0.0
            for f in fs:
                m = frame.group_mask(self.q, f.group) & in_base
                covered |= m
                total += f.value * m.sum()
            rest_rate = np.mean([f.value for f in fs]) if rate is None else rate
            total += rest_rate * (n - covered.sum())
            estimates.append(total / n)
        return float(np.mean(estimates))

    # ------------------------------------------------------------------ multi-select
    def multi(self, question_id: str, route: str, frame: Frame, rng) -> None:
        """Options selected, each at its (weighted) share; exclusive options alone."""
        q = self.q.questions[question_id]
        variables = [v for v in self.q.variables.values() if v.question_id == question_id]
        shares = self.model["multi"].get(question_id, {})
        w = self.weights[route]
        n = frame.n
        for v in variables:
            frame.codes[v.id] = np.zeros(n, dtype=int)
        free = np.ones(n, dtype=bool)
        for v in (v for v in variables if v.exclusive):
            idx = rng.permutation(np.flatnonzero(free))
            target = self._option_share(v, route, shares) / 100 * w.sum()
            take = idx[: _count_for_share(np.cumsum(w[idx]), target)]
            frame.codes[v.id][take] = 1
            free[take] = False
        capacity = np.where(free, q.raw.get("max_selected", len(variables)), 0)
        picks = np.zeros(n, dtype=int)
        options = sorted(
            (v for v in variables if not v.exclusive),
            key=lambda v: -self._option_share(v, route, shares),
        )
        for i, v in enumerate(options):
            pool_idx = np.flatnonzero(capacity > picks)
            effects = self.model["variables"].get(v.id, {}).get("effects")
            keys = latent(frame, self.q, _resolve_effects(effects, self.model), rng)
            # make sure everyone who answers selects something: favour those with no pick yet
            bonus = 100.0 if i == len(options) - 1 else (4.0 if i >= len(options) // 2 else 0.0)
            keys = keys + np.where(picks == 0, bonus, 0.0)
            groups = [("total", self._option_share(v, route, shares))] + [
                (f.group, f.value)
                for f in self.cal.for_variable(v.id, route)
                if f.stat == "option" and f.group != "total" and f.compare == "exact"
            ]
            targets = []
            for group, value in groups:
                full = frame.group_mask(self.q, group)
                in_pool = full[pool_idx]
                # shares of the whole group, expressed as shares of its members still in the pool
                ratio = w[full].sum() / max(w[pool_idx][in_pool].sum(), 1e-12)
                targets.append((in_pool, value, ratio))
            chosen = _select(f"{v.id} ({route})", keys[pool_idx], w[pool_idx], targets)
            frame.codes[v.id][pool_idx[chosen]] = 1
            picks[pool_idx[chosen]] += 1
        unanswered = int((free & (picks == 0)).sum())
        if unanswered:
            raise ValueError(f"{question_id}/{route}: {unanswered} respondents selected nothing")

    def _option_share(self, v: Variable, route: str, shares: dict) -> float:
        for f in self.cal.for_variable(v.id, route):
            if f.stat == "option" and f.group == "total":
                return f.value
        return float(_pick(shares.get(v.option_code, [0, 0]), route))

    # ------------------------------------------------------------------ ranking
    def ranking(self, question_id: str, route: str, frame: Frame, rng) -> None:
        items = [v for v in self.q.variables.values() if v.question_id == question_id]
        spec = self.model["ranking"][question_id]
        min_base = next(
            int(f.value) for f in self.cal.for_variable(question_id, route) if f.stat == "min_base"
        )
        skipped = rng.permutation(frame.n)[: frame.n - min_base]
        log_w = np.tile(np.log([spec["worth"][v.id] for v in items]), (frame.n, 1))
        for group in ("age_16_24", "age_65_plus"):
            mask = frame.group_mask(self.q, f"age_band:{group}")
            for j, v in enumerate(items):
                log_w[mask, j] += np.log(spec.get(group, {}).get(v.id, 1.0))
        gumbel = rng.gumbel(size=log_w.shape)
        order = np.argsort(-(log_w + gumbel), axis=1)
        ranks = np.empty_like(order)
        rows = np.arange(frame.n)[:, None]
        ranks[rows, order] = np.arange(1, len(items) + 1)
        ranks[skipped] = BLANK
        for j, v in enumerate(items):
            frame.codes[v.id] = ranks[:, j].copy()
