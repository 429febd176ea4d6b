"""Weights for the combined polls: rim weighting to `weighting_targets.yaml`.

Both the pipeline's weighting asset and the sample generator call `derive_poll_weights`, so the
weights that calibrate the sample are the weights the pipeline derives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from survey.questionnaire import Questionnaire
from survey.weighting import Margin, RakeResult, WeightingError, rake

TARGETS_PATH = Path(__file__).with_name("weighting_targets.yaml")


@dataclass(frozen=True)
class WeightingScheme:
    version: str
    margins: dict
    settings: dict


@cache
def load_weighting_scheme(path: Path = TARGETS_PATH) -> WeightingScheme:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    for name, m in raw["margins"].items():
        total = sum(m["targets"].values())
        if m.get("unmatched") != "keep_sample_share" and abs(total - 100) > 0.05:
            raise WeightingError(f"margin {name}: targets sum to {total}, not 100")
    return WeightingScheme(str(raw["version"]), raw["margins"], raw["settings"])


def build_margins(
    profile: dict[str, np.ndarray], q: Questionnaire, scheme: WeightingScheme
) -> list[Margin]:
    """Margins from profile codes (question id -> code per respondent)."""
    margins = []
    for name, spec in scheme.margins.items():
        breakdown = q.breakdowns[spec["breakdown"]]
        codes = profile[breakdown.source]
        groups = list(spec["targets"])
        category = np.full(len(codes), -1)
        for i, gid in enumerate(groups):
            category[np.isin(codes, breakdown.groups[gid][1])] = i
        targets = np.array([spec["targets"][g] for g in groups], dtype=float) / 100
        unmatched = category < 0
        if unmatched.any():
            if spec.get("unmatched") != "keep_sample_share":
                raise WeightingError(
                    f"margin {name}: {int(unmatched.sum())} respondents fall in no target category"
                )
            share = unmatched.mean()
            category[unmatched] = len(groups)
            targets = np.append(targets * (1 - share) / targets.sum(), share)
        margins.append(Margin(name, category, targets))
    return margins


def derive_poll_weights(
    profile: dict[str, np.ndarray], q: Questionnaire, scheme: WeightingScheme | None = None
) -> RakeResult:
    scheme = scheme or load_weighting_scheme()
    s = scheme.settings
    return rake(
        build_margins(profile, q, scheme),
        tolerance=s["convergence"],
        max_iterations=s["max_iterations"],
        cap=tuple(s["cap"]),
    )


@dataclass(frozen=True)
class PollWeighting:
    """Weights for the combined polls, with the diagnostics the marts and metadata report."""

    weights: pl.DataFrame  # respondent_id, poll, weight, supplier_weight
    summary: pl.DataFrame  # one row per scope: combined, representative, boost
    margins: pl.DataFrame  # margin, category, target_share, unweighted_share, weighted_share
    result: RakeResult


def weight_polls(respondents: pl.DataFrame, q: Questionnaire) -> PollWeighting:
    """Rake the combined polls. `respondents` has respondent_id, poll, supplier_weight and the
    profile codes (gender, age_band, ethnicity, borough: question ids lower-cased)."""
    scheme = load_weighting_scheme()
    profile = {
        q.breakdowns[m["breakdown"]].source: respondents[
            q.breakdowns[m["breakdown"]].source.lower()
        ]
        .fill_null(-1)
        .to_numpy()
        for m in scheme.margins.values()
    }
    result = derive_poll_weights(profile, q, scheme)
    weights = respondents.select("respondent_id", "poll", "supplier_weight").with_columns(
        pl.Series("weight", result.weights)
    )
    scopes = [("combined", pl.lit(True))] + [
        (poll, pl.col("poll") == poll) for poll in q.routes["polls"]["polls"]
    ]
    summary = pl.DataFrame(
        [_scope_summary(weights.filter(cond), scope, result) for scope, cond in scopes]
    )
    margins = _margin_table(build_margins(profile, q, scheme), scheme, result.weights)
    return PollWeighting(
        weights.select("respondent_id", "poll", "weight", "supplier_weight"),
        summary,
        margins,
        result,
    )


def _scope_summary(w: pl.DataFrame, scope: str, result: RakeResult) -> dict:
    """Diagnostics of one scope. The supplier weights are per poll: both weight sets are scaled
    to mean 1 within the scope before they are compared."""
    ours = w["weight"].to_numpy()
    supplier = w["supplier_weight"].to_numpy()
    kish = ours.sum() ** 2 / (ours**2).sum()
    ours_m, sup_m = ours / ours.mean(), supplier / supplier.mean()
    diff = np.abs(ours_m - sup_m)
    return {
        "scope": scope,
        "respondents": len(ours),
        "iterations": result.iterations,
        "max_margin_error": result.max_margin_error,
        "min_weight": float(ours.min()),
        "max_weight": float(ours.max()),
        "weight_sum": float(ours.sum()),
        "efficiency": float(kish / len(ours)),
        "effective_n": float(kish),
        "supplier_mean_abs_diff": float(diff.mean()),
        "supplier_max_abs_diff": float(diff.max()),
        "supplier_correlation": (
            float(np.corrcoef(ours_m, sup_m)[0, 1]) if ours_m.std() and sup_m.std() else None
        ),
    }


def _margin_table(margins: list[Margin], scheme: WeightingScheme, w: np.ndarray) -> pl.DataFrame:
    rows = []
    for m in margins:
        labels = list(scheme.margins[m.name]["targets"]) + ["not_targeted"]
        unweighted = np.bincount(m.category, minlength=len(m.targets)) / len(w)
        weighted = np.bincount(m.category, weights=w, minlength=len(m.targets)) / w.sum()
        for i, target in enumerate(m.targets):
            rows.append(
                {
                    "margin": m.name,
                    "category": labels[i],
                    "target_share": float(target),
                    "unweighted_share": float(unweighted[i]),
                    "weighted_share": float(weighted[i]),
                }
            )
    return pl.DataFrame(rows)
