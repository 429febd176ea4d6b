"""The orchestration floor: the least Dagster and dbt take on this machine for any pipeline of
this shape, measured beside the project's own run.

A Dagster job of one Python asset that loads the Talk London export into DuckDB (polars reads
it), run as `dagster job execute` with the project's executor (in-process) and instance settings
(its dagster.yaml in a fresh DAGSTER_HOME), then a plain `dbt build` of two models on that table
(a view and a table), after a `dbt parse` as set-up (as `make parse` is for the project). The
floor is the sum of the two wall times.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from benchmarks import measure

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

DEFS = """
import os

import dagster as dg
import duckdb
import polars as pl


@dg.asset
def answers() -> None:
    frame = pl.read_csv(os.environ["FLOOR_CSV"], infer_schema=False)
    with duckdb.connect(os.environ["FLOOR_DB"]) as con:
        con.register("frame", frame)
        con.execute("create or replace table answers as select * from frame")


defs = dg.Definitions(
    assets=[answers],
    jobs=[dg.define_asset_job("floor", selection=dg.AssetSelection.all())],
    executor=dg.in_process_executor,
)
"""
DBT_PROJECT = """
name: floor
version: "1.0.0"
profile: floor
models:
  floor:
    first: {+materialized: view}
    second: {+materialized: table}
"""
PROFILES = """
floor:
  target: dev
  outputs:
    dev: {type: duckdb, path: "{{ env_var('FLOOR_DB') }}", threads: 1}
"""
MODELS = {
    "first.sql": "select * from main.answers",
    "second.sql": "select count(*) as respondents from {{ ref('first') }}",
}


@dataclass(frozen=True)
class Floor:
    dagster_s: float
    dbt_s: float
    peak_mb: float
    ok: bool

    @property
    def total_s(self) -> float:
        return self.dagster_s + self.dbt_s


def _project(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "dbt" / "models").mkdir(parents=True)
    (folder / "floor_defs.py").write_text(textwrap.dedent(DEFS))
    (folder / "dbt" / "dbt_project.yml").write_text(DBT_PROJECT)
    (folder / "dbt" / "profiles.yml").write_text(PROFILES)
    for name, sql in MODELS.items():
        (folder / "dbt" / "models" / name).write_text(sql)
    (folder / "dagster").mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", folder / "dagster" / "dagster.yaml")


def measure_floor(csv: Path, folder: Path, env: dict[str, str], log: Path) -> Floor:
    """One measurement of the floor in `folder` (made anew), loading `csv`."""
    _project(folder)
    env = {
        **env,
        "DAGSTER_HOME": str(folder / "dagster"),
        "FLOOR_CSV": str(csv),
        "FLOOR_DB": str(folder / "floor.duckdb"),
        "PYTHONPATH": str(folder),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = [str(BIN / "dbt"), "--quiet"]
    dbt_dirs = ["--project-dir", str(folder / "dbt"), "--profiles-dir", str(folder / "dbt")]
    job = measure.run(
        [str(BIN / "dagster"), "job", "execute", "-m", "floor_defs", "-j", "floor"], env, log
    )
    measure.run([*dbt, "parse", *dbt_dirs], env, log)  # set-up, not timed
    build = measure.run([*dbt, "build", *dbt_dirs], env, log)
    return Floor(
        job.wall_s,
        build.wall_s,
        max(job.peak_mb, build.peak_mb),
        job.returncode == 0 and build.returncode == 0,
    )
