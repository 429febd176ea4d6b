"""One measured run of the pipeline as `make run` does it after set-up (the dbt manifest already
parsed for this build folder, as `make parse` leaves it): `dagster job execute -j full_pipeline`
into a fresh build folder, in a child process."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from benchmarks import measure
from benchmarks.stages import REQUIRED, run_steps

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DBT_ARGS = ["--project-dir", "dbt_project", "--profiles-dir", "dbt_project"]


@dataclass(frozen=True)
class Figure:
    stage: str
    metric: str  # wall_s | peak_mb | rows_per_s | ms_per_table | ...
    value: float | None
    note: str = ""


def environment(landing: Path, build: Path, dbt_target: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SURVEY_LANDING_DIR": str(landing),
        "SURVEY_BUILD_DIR": str(build),
        "DAGSTER_HOME": str(build / "dagster"),
        "DBT_TARGET_PATH": str(dbt_target),
        "DBT_LOG_PATH": str(dbt_target / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def parse(env: dict[str, str], log: Path) -> measure.Measurement:
    return measure.run([str(BIN / "dbt"), "--quiet", "parse", *DBT_ARGS], env, log)


def run_once(
    landing: Path, build: Path, dbt_target: Path, log: Path, tables: int, gates_apart: bool
) -> list[Figure]:
    """Measure one full run; figures per stage (and 'total', 'start-up'). With `gates_apart`,
    the validation gates run after the rest, as a second job (see benchmarks/job.py)."""
    shutil.rmtree(build, ignore_errors=True)
    (build / "dagster").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "dagster.yaml", build / "dagster" / "dagster.yaml")
    env = environment(landing, build, dbt_target)
    if gates_apart:
        part = [sys.executable, "-m", "benchmarks.job"]
        runs = [_job([*part, p], env, log) for p in ("without-gates", "gates")]
    else:
        dagster = [str(BIN / "dagster"), "job", "execute", "-j", "full_pipeline"]
        runs = [_job([*dagster, "-m", "orchestration.definitions"], env, log)]
    job, (run_id, status, steps) = runs[0]
    for extra, (_, _, more) in runs[1:]:
        job.samples += extra.samples
        steps += more
    status += " (gates run apart)" if gates_apart else ""
    figures = [
        Figure("total", "wall_s", sum(m.wall_s for m, _ in runs), status),
        Figure("total", "peak_mb", max(m.peak_mb for m, _ in runs), measure.METHOD),
        Figure("start-up", "wall_s", steps[0].start - job.started_at),
    ]
    by_stage: dict[str, list] = {}
    for step in steps:
        by_stage.setdefault(step.stage, []).append(step)
    for stage, members in by_stage.items():
        peaks = [job.peak_between(s.start, s.end) for s in members]
        failed = sorted({s.status for s in members} - {"STEP_SUCCESS"})
        figures += [
            Figure(stage, "wall_s", sum(s.end - s.start for s in members), ", ".join(failed)),
            Figure(stage, "peak_mb", max((p for p in peaks if p is not None), default=None)),
        ]
    for step in steps:
        if step.stage == "dbt":
            figures += [
                Figure(f"dbt: {step.key}", "wall_s", step.end - step.start),
                Figure(f"dbt: {step.key}", "peak_mb", job.peak_between(step.start, step.end)),
            ]
    missing = [s for s in REQUIRED if not any(s in stage.split(" + ") for stage in by_stage)]
    figures += [Figure(stage, "wall_s", None, "n/a: no such step yet") for stage in missing]
    ingest = by_stage.get("ingest")
    if ingest and status.startswith("SUCCESS"):
        seconds = sum(s.end - s.start for s in ingest)
        figures.append(Figure("ingest", "rows_per_s", respondents(build) / seconds))
    figures += dbt_parts(build / "dbt" / run_id, tables)
    figures += model_times(build / "dbt" / run_id)
    return figures


def _job(args: list[str], env: dict[str, str], log: Path):
    m = measure.run(args, env, log)
    return m, run_steps(Path(env["DAGSTER_HOME"]))


def respondents(build: Path) -> int:
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        return sum(
            con.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' "
                "and table_name like '%_responses'"
            ).fetchall()
        )


# The dbt project's layers around the weighting (one `dbt build`), by model path.
WEIGHTING_PATH = "models/weights/"
AFTER_WEIGHTING_PATHS = ("models/intermediate/weighted/", "models/marts/")


def _part(node: dict, nodes: dict) -> str:
    """Where a model or test runs: before, in or after the weighting (a test goes with the last
    of the models it reads)."""
    if node["resource_type"] != "model":
        parts = [_part(nodes[p], nodes) for p in node["depends_on"]["nodes"] if p in nodes]
        order = ("before", "weighting", "after")
        return max(parts, key=order.index, default="before")
    path = node["original_file_path"]
    if path.startswith(WEIGHTING_PATH):
        return "weighting"
    return "after" if path.startswith(AFTER_WEIGHTING_PATHS) else "before"


def dbt_parts(dbt_dir: Path, tables: int) -> list[Figure]:
    """dbt's own execution time of the models and tests before, in and after the weighting
    (run_results.json and the manifest of each dbt step), and of those after per table (the
    tabulation the plain-DuckDB floor does too)."""
    seconds = {"before": 0.0, "weighting": 0.0, "after": 0.0}
    found = False
    for path in sorted(dbt_dir.glob("*/run_results.json")):
        nodes = json.loads((path.parent / "manifest.json").read_text())["nodes"]
        for result in json.loads(path.read_text())["results"]:
            if result["unique_id"] in nodes:
                found = True
                seconds[_part(nodes[result["unique_id"]], nodes)] += result["execution_time"]
    if not found:
        return []
    stage = "dbt: {} (models and tests)"
    figures = [
        Figure(stage.format(f"{part} the weighting" if part != "weighting" else part), "wall_s", s)
        for part, s in seconds.items()
    ]
    after = stage.format("after the weighting")
    return [*figures, Figure(after, "ms_per_table", 1000 * seconds["after"] / tables)]


def model_times(dbt_dir: Path) -> list[Figure]:
    """dbt's own execution time of every model and test (run_results.json of each dbt step)."""
    figures = []
    for path in sorted(dbt_dir.glob("*/run_results.json")):
        for result in json.loads(path.read_text())["results"]:
            node = result["unique_id"].split(".")
            figures.append(Figure(f"{node[0]}: {node[2]}", "exec_s", result["execution_time"]))
    return figures
