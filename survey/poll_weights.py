"""Weights for the combined polls: rim weighting to `weighting_targets.yaml`.

Both the pipeline's weighting asset and the sample generator call `derive_poll_weights`, so the
weights that calibrate the sample are the weights the pipeline derives.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
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
        tolerance=s["tolerance"],
        max_iterations=s["max_iterations"],
        cap=tuple(s["cap"]),
    )
