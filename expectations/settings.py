"""The rules the gates check against, read from the questionnaire and the weighting targets.

No expected sample size: every count a gate compares is derived from the delivery itself (rows
delivered less rows quarantined), so any valid delivery of any size passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.poll_weights import load_weighting_scheme
from survey.questionnaire import Questionnaire, load_questionnaire


@dataclass(frozen=True)
class GateSettings:
    questionnaire: Questionnaire
    polls: dict[str, str]  # poll -> route (each route's polls, as the questionnaire lists them)
    sources: dict[str, str]  # export source -> poll
    weighted_routes: tuple[str, ...]  # the routes the pack declares `weighted: true`
    small_base_threshold: int
    weighting_tolerance: float  # largest |achieved - target| share on any margin
    min_efficiency: float  # Kish efficiency floor of the weighted routes' respondents combined

    @classmethod
    def from_project(cls) -> GateSettings:
        q = load_questionnaire()
        scheme = load_weighting_scheme()
        return cls(
            questionnaire=q,
            polls={poll: route for route, r in q.routes.items() for poll in r["polls"]},
            sources={source_id: e["poll"] for source_id, e in q.exports.items()},
            weighted_routes=tuple(r for r, spec in q.routes.items() if spec["weighted"]),
            small_base_threshold=int(q.analysis["small_base_threshold"]),
            weighting_tolerance=float(scheme.settings["tolerance"]),
            min_efficiency=float(scheme.settings["min_efficiency"]),
        )

    @property
    def weighted_polls(self) -> list[str]:
        return [p for p, route in self.polls.items() if route in self.weighted_routes]
