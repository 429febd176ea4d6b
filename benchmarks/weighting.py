"""Raking at scale: our `rake` against weightipy and balance, same respondents and margins.

All three rake the combined polls of a built warehouse to the targets of the pack's
`weighting_targets.yaml`, uncapped (the peers cap differently), to a margin error of at
most `TOLERANCE`; weights are compared after scaling each set to mean 1 and must agree within
`AGREEMENT`. weightipy has no margin tolerance: its criterion (stop when an iteration improves
sum |w - w_prev| by less than the fraction `convcrit`) is set so that it runs to convergence.
balance runs in its own venv (a subprocess); only its `rake` call is timed.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from survey.poll_weights import build_margins, load_weighting_scheme
from survey.questionnaire import load_questionnaire
from survey.weighting import Margin, rake

TOLERANCE = 1e-10
AGREEMENT = 1e-6
WEIGHTIPY_CONVCRIT = 1e-9
BALANCE_SCRIPT = Path(__file__).with_name("peers") / "balance_rake.py"


class DisagreementError(AssertionError):
    """A peer's weights differ from ours by more than AGREEMENT."""


@dataclass(frozen=True)
class Timing:
    method: str
    seconds: list[float]
    max_abs_diff: float | None  # against ours, weights scaled to mean 1
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def poll_margins(warehouse: Path) -> list[Margin]:
    """The weighting margins of the warehouse's poll respondents (as the weighting asset)."""
    q, scheme = load_questionnaire(), load_weighting_scheme()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        respondents = con.sql(
            "select * from intermediate.int_respondents where route = 'polls' "
            "order by respondent_id"
        ).pl()
    sources = [q.breakdowns[m["breakdown"]].source for m in scheme.margins.values()]
    profile = {s: respondents[s.lower()].fill_null(-1).to_numpy() for s in sources}
    return build_margins(profile, q, scheme)


def compare(margins: list[Margin], repeats: int, balance_python: Path | None) -> list[Timing]:
    """Time each method `repeats` times; raise DisagreementError if weights disagree."""
    ours, seconds = _timed(lambda: rake(margins, tolerance=TOLERANCE).weights, repeats)
    reference = ours / ours.mean()
    s = load_weighting_scheme().settings
    _, production = _timed(
        lambda: rake(margins, tolerance=s["convergence"], cap=tuple(s["cap"])), repeats
    )
    timings = [
        Timing("ours (survey.weighting.rake)", seconds, 0.0),
        Timing("ours, production settings (to 1e-10, capped)", production, None),
    ]
    weights, seconds = _timed(lambda: _weightipy(margins), repeats)
    timings.append(_checked("weightipy", seconds, weights, reference))
    if balance_python is None or not Path(balance_python).exists():
        timings.append(Timing("balance", [], None, "not installed (see docs/scaling.md)"))
    else:
        weights, seconds = _balance(margins, repeats, Path(balance_python))
        timings.append(_checked("balance", seconds, weights, reference))
    return timings


def _timed(fn, repeats: int):
    seconds, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        seconds.append(time.perf_counter() - start)
    return value, seconds


def _checked(method: str, seconds: list[float], weights, reference: np.ndarray) -> Timing:
    w = np.asarray(weights, dtype=float)
    diff = float(np.abs(w / w.mean() - reference).max())
    if diff > AGREEMENT:
        raise DisagreementError(f"{method}: weights differ from ours by {diff:.2e} > {AGREEMENT}")
    return Timing(method, seconds, diff)


def _weightipy(margins: list[Margin]) -> np.ndarray:
    import weightipy

    frame = pd.DataFrame({m.name: m.category for m in margins})
    scheme = weightipy.Rim("polls", max_iterations=1000, convcrit=WEIGHTIPY_CONVCRIT)
    scheme.set_targets(
        [{m.name: {i: 100 * float(t) for i, t in enumerate(m.targets)}} for m in margins]
    )
    return weightipy.weight(frame, scheme).to_numpy()


def _balance(margins: list[Margin], repeats: int, python: Path):
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(
            src,
            categories=np.column_stack([m.category for m in margins]),
            names=np.array([m.name for m in margins]),
            tolerance=TOLERANCE,
            repeats=repeats,
            **{f"targets_{m.name}": m.targets for m in margins},
        )
        subprocess.run([str(python), str(BALANCE_SCRIPT), str(src), str(dst)], check=True)
        out = np.load(dst)
        return out["weights"], out["seconds"].tolist()
