"""Per-stage wall time and peak memory of one Dagster run, from its event log.

A step's stage follows what it materialises (its assets' first key part) or, for a step that
only evaluates asset checks, the checked asset: fidelity's check is fidelity, any other
separately run check (the Great Expectations gates) is validation. dbt tests run inside the dbt
step, and so does the weighting (dbt Python models, schema `weights`): one `dbt build`, one
step, reported as dbt (benchmarks/pipeline.py splits it by dbt's own node times). A step that
materialises assets of several stages (publish: workbook, charts and marts file in one step) is
reported under the joined name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

# first asset-key part (or full key) -> stage
STAGE_OF_KEY = {
    "ref": "ingest",
    "raw": "ingest",
    "staging": "dbt",
    "intermediate": "dbt",
    "marts": "dbt",
    "weights": "dbt",  # the weighting's dbt Python models
    "published/supplementary_tables": "workbook",
    "published/figures": "workbook",
    "published/consultation_marts": "marts file",
    "published/fidelity": "fidelity",
    "comments": "comments",
}
REQUIRED = ("ingest", "dbt", "validation", "workbook", "marts file")


@dataclass(frozen=True)
class Step:
    key: str
    stage: str
    start: float  # epoch seconds
    end: float
    status: str  # STEP_SUCCESS | STEP_FAILURE | ...


def _stage(key_path: list[str]) -> str:
    path = "/".join(key_path)
    return STAGE_OF_KEY.get(path) or STAGE_OF_KEY.get(key_path[0], "other")


def run_steps(dagster_home: Path) -> tuple[str, str, list[Step]]:
    """(run id, run status, steps) of the latest run in `dagster_home`."""
    import dagster as dg

    # The event log's place follows DAGSTER_HOME (orchestration/event_log.py)
    with (
        mock.patch.dict(os.environ, {"DAGSTER_HOME": str(dagster_home)}),
        dg.DagsterInstance.from_config(str(dagster_home)) as instance,
    ):
        run = instance.get_runs(limit=1)[0]
        logs = instance.all_logs(run.run_id)
    starts, ends, produced, checked = {}, {}, {}, {}
    for entry in logs:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        kind, key = event.event_type_value, event.step_key
        if kind == "STEP_START":
            starts[key] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            ends[key] = (entry.timestamp, kind)
        elif kind == "ASSET_MATERIALIZATION":
            produced.setdefault(key, []).append(_stage(event.asset_key.path))
        elif kind == "ASSET_CHECK_EVALUATION":
            asset = event.event_specific_data.asset_key.path
            checked.setdefault(key, "fidelity" if _stage(asset) == "fidelity" else "validation")
    steps = []
    for key, start in starts.items():
        end, status = ends.get(key, (start, "UNFINISHED"))
        stages = list(dict.fromkeys(produced.get(key, []))) or [checked.get(key, "other")]
        steps.append(Step(key, " + ".join(stages), start, end, status))
    return run.run_id, run.status.value, sorted(steps, key=lambda s: s.start)
