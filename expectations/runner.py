"""Validate a gate with Great Expectations (imported here, on first use) and keep its result.

Results keep counts only: `RESULT_FORMAT` lists no unexpected values, indexes or rows, so no
respondent id or answer text leaves the warehouse in a result, its JSON file or Data Docs.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from expectations.gate import Expect, Gate
from expectations.settings import GateSettings

if TYPE_CHECKING:  # pandas and Great Expectations load when a gate runs, not at start-up
    import pandas as pd

RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class Failure:
    """Where a suite failed: the expectation, its columns and how many rows broke it."""

    expectation: str
    columns: str
    failing_rows: int | None  # None for a table- or column-level expectation
    observed: str  # the aggregate a table- or column-level expectation saw ('' otherwise)


@dataclass(frozen=True)
class GateOutcome:
    suite: str
    result: dict  # the suite's validation result, JSON-serialisable
    explanation: tuple[str, ...] = ()  # on failure: expected and found (`explain`)

    @property
    def success(self) -> bool:
        return bool(self.result["success"])

    @property
    def evaluated(self) -> int:
        return len(self.result["results"])

    @property
    def failures(self) -> list[Failure]:
        out = []
        for r in self.result["results"]:
            if r["success"]:
                continue
            config, details = r["expectation_config"], r.get("result") or {}
            observed = details.get("observed_value")
            out.append(
                Failure(
                    expectation=config["type"],
                    columns=Expect(config["type"], config["kwargs"]).columns,
                    failing_rows=details.get("unexpected_count"),
                    observed=""
                    if observed is None or "unexpected_count" in details
                    else str(observed),
                )
            )
        return out


def ephemeral_context():
    """An in-memory Great Expectations context, without progress bars or analytics."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@cache
def _frames():
    """One pandas data asset for every frame: each validation passes its frame as the batch."""
    return (
        ephemeral_context()
        .data_sources.add_pandas("warehouse")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("frame")
    )


def validate(suite: str, frame: pd.DataFrame, expectations: list[Expect]) -> dict:
    """Run the expectations on the frame; the suite's validation result as JSON."""
    import great_expectations as gx
    from great_expectations.expectations.registry import get_expectation_impl

    gx_suite = gx.ExpectationSuite(
        name=suite, expectations=[get_expectation_impl(e.type)(**e.kwargs) for e in expectations]
    )
    batch = _frames().get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(gx_suite, result_format=RESULT_FORMAT).to_json_dict()


def run_gate(
    gate: Gate, con: duckdb.DuckDBPyConnection, settings: GateSettings, run_name: str = "adhoc"
) -> GateOutcome:
    from expectations.explain import explain

    frame, expectations = gate.prepare(con, settings)
    result = validate(gate.suite, frame, expectations)
    explanation = () if result["success"] else tuple(explain(frame, expectations, result))
    # what Data Docs show as the run and the data asset
    result["meta"] |= {
        "run_id": {"run_name": run_name, "run_time": datetime.now(UTC).isoformat()},
        "batch_kwargs": {"data_asset_name": gate.table},
        "description": gate.description,
    }
    return GateOutcome(gate.suite, result, explanation)


def results_dir(build_path: Path) -> Path:
    """Where the checks keep each suite's last validation result (`<suite>.json`)."""
    return build_path / "validation" / "results"


def save_result(outcome: GateOutcome, folder: Path) -> Path:
    """Write the result beside its predecessor, then rename over it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome.suite}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(outcome.result, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_results(folder: Path) -> list[dict]:
    """Every suite's last validation result, by suite name."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
