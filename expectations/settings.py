"""The numbers the gates check against, read from the questionnaire and the weighting targets."""

from __future__ import annotations

from dataclasses import dataclass

from survey.poll_weights import load_weighting_scheme
from survey.questionnaire import Questionnaire, load_questionnaire


@dataclass(frozen=True)
class GateSettings:
    questionnaire: Questionnaire
    polls: dict[str, tuple[str, int]]  # poll -> (route, respondents)
    weighted_routes: tuple[str, ...]
    small_base_threshold: int
    weighting_tolerance: float  # largest |achieved - target| share on any margin
    min_efficiency: float  # Kish efficiency floor of the combined polls

    @classmethod
    def from_project(cls) -> GateSettings:
        q = load_questionnaire()
        scheme = load_weighting_scheme()
        return cls(
            questionnaire=q,
            polls={
                poll: (route, int(spec["respondents"]))
                for route, r in q.routes.items()
                for poll, spec in r["polls"].items()
            },
            weighted_routes=tuple(r for r, spec in q.routes.items() if spec["weighted"]),
            small_base_threshold=int(q.analysis["small_base_threshold"]),
            weighting_tolerance=float(scheme.settings["tolerance"]),
            min_efficiency=float(scheme.settings["min_efficiency"]),
        )

    def route_size(self, route: str) -> int:
        return sum(n for r, n in self.polls.values() if r == route)

    @property
    def weighted_sample_size(self) -> int:
        return sum(self.route_size(r) for r in self.weighted_routes)
