"""Answers to every question, calibrated to the report's printed figures.

For each variable and route: choose who is outside the base (skipped, Don't know, Prefer not to
say, Not applicable), then place the in-base respondents on the ordinal scale. A latent
propensity (demographic effects from the answer model plus logistic noise) orders respondents;
the cut for the primary net is chosen with `select_exact` so the route total and every printed
subgroup figure hold exactly; the other cuts nest inside it by the same propensity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_generator.allocate import AllocationError, count_range, select_exact
from sample_generator.respondents import BLANK, Frame
from survey.questionnaire import Questionnaire, Variable


@dataclass(frozen=True)
class Figure:
    variable: str
    stat: str
    route: str
    group: str
    value: float
    compare: str


class Calibration:
    """Report figures indexed by (variable, route) for the generator."""

    def __init__(self, figures: list[dict]):
        self.figures = [
            Figure(
                f["variable"], f["stat"], f["route"], f["group"], float(f["value"]), f["compare"]
            )
            for f in figures
        ]

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


def _distribution(order_len: int, default: list[float], net_len: int, rate: float) -> np.ndarray:
    """Rescale the default distribution so the first `net_len` positions sum to `rate`."""
    d = np.array(default, dtype=float)
    head, tail = d[:net_len], d[net_len:]
    out = np.concatenate([head / head.sum() * rate, tail / tail.sum() * (100 - rate)])
    return out / 100


class AnswerGenerator:
    def __init__(self, questionnaire: Questionnaire, model: dict, calibration: Calibration):
        self.q = questionnaire
        self.model = model
        self.cal = calibration

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

    @staticmethod
    def _slack(route: str) -> float:
        """Points around a printed figure the unweighted sample may take.

        Talk London is unweighted: its figures must round to the printed value. The polls' printed
        figures are weighted; unweighted, their subgroup figures cannot all hold at once, so the
        sample lands near them (exact weighted calibration follows the weighting).
        """
        return 0.5 if route == "talk_london" else 2.0

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
        n = int(in_base.sum())
        cum = np.round(np.cumsum(dist) * n).astype(int)
        cum[-1] = n
        # other nets with printed route totals fix their cut too (e.g. oppose, 'a problem')
        for f in figs:
            if f.group != "total" or not f.stat.startswith("net:") or f.compare != "exact":
                continue
            members = nets[f.stat[4:]]
            pos = sorted(order.index(c) for c in members)
            count = round(f.value / 100 * n)
            if pos[0] == 0:
                cum[len(pos) - 1] = count
            elif pos[-1] == len(order) - 1:
                cum[len(order) - len(pos) - 1] = n - count
        cum = np.maximum.accumulate(cum)

        keys = latent(frame, self.q, _resolve_effects(spec.get("effects"), self.model), rng)
        base_idx = np.flatnonzero(in_base)
        constraints = []
        for f in figs:
            if f.stat == f"net:{primary}" and f.group != "total" and f.compare == "exact":
                mask = frame.group_mask(self.q, f.group)[base_idx]
                constraints.append(
                    (mask, *count_range(f.value, int(mask.sum()), self._slack(route)))
                )
        cut = net_len - 1
        total: int | tuple[int, int] = int(cum[cut])
        if any(
            f.stat == f"net:{primary}" and f.group == "total" and f.compare == "exact" for f in figs
        ):
            total = count_range(rate, n, self._slack(route))
        try:
            chosen = select_exact(keys[base_idx], total, constraints)
        except AllocationError as exc:
            raise AllocationError(f"{var.id} ({route}): {exc}") from exc
        cum[cut] = chosen.sum()
        cum[:cut] = np.minimum(cum[:cut], cum[cut])
        cum[cut:] = np.maximum(cum[cut:], cum[cut])
        position = np.full(len(base_idx), len(order) - 1)
        k = keys[base_idx]
        inside = np.flatnonzero(chosen)
        ranked_in = inside[np.argsort(-k[inside], kind="stable")]
        outside = np.flatnonzero(~chosen)
        ranked_out = outside[np.argsort(-k[outside], kind="stable")]
        ranked = np.concatenate([ranked_in, ranked_out])
        bounds = np.concatenate([[0], cum])
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
        q = self.q.questions[question_id]
        variables = [v for v in self.q.variables.values() if v.question_id == question_id]
        shares = self.model["multi"].get(question_id, {})
        n = frame.n
        for v in variables:
            frame.codes[v.id] = np.zeros(n, dtype=int)
        free = np.ones(n, dtype=bool)
        # exclusive options first: chosen alone
        for v in variables:
            if not v.exclusive:
                continue
            pct = self._option_share(v, route, shares)
            idx = rng.permutation(np.flatnonzero(free))[: round(pct / 100 * n)]
            frame.codes[v.id][idx] = 1
            free[idx] = False
        capacity = np.where(free, q.raw.get("max_selected", len(variables)), 0)
        picks = np.zeros(n, dtype=int)
        options = [v for v in variables if not v.exclusive]
        options.sort(key=lambda v: -self._option_share(v, route, shares))
        for i, v in enumerate(options):
            pool = capacity > picks
            pool_idx = np.flatnonzero(pool)
            effects = _resolve_effects(
                self.model["variables"].get(v.id, {}).get("effects"), self.model
            )
            keys = latent(frame, self.q, effects, rng)
            last = i == len(options) - 1
            keys = keys + np.where(picks == 0, 4.0 if i >= len(options) // 2 else 0.0, 0.0)
            if last:
                keys = keys + np.where(picks == 0, 100.0, 0.0)
            constraints = []
            for f in self.cal.for_variable(v.id, route):
                if f.stat == "option" and f.group != "total" and f.compare == "exact":
                    full = frame.group_mask(self.q, f.group)
                    constraints.append(
                        (full[pool_idx], *count_range(f.value, int(full.sum()), self._slack(route)))
                    )
            count = round(self._option_share(v, route, shares) / 100 * n)
            chosen = select_exact(keys[pool_idx], count, constraints)
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
