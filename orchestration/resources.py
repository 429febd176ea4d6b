"""Paths every asset shares, from environment variables resolved at run time, and the build
folder's single-writer lock that each run holds."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from ingest.warehouse import FolderBusy, exclusive_lock, make_private

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LANDING_DIR = REPO_ROOT / "data" / "sample_landing"
DEFAULT_BUILD_DIR = REPO_ROOT / "build"
# Held by every run for its whole length (see `SurveyPaths.yield_for_execution`).
RUN_LOCK = ".run.lock"
# How long a run waits for another run on the same build folder before it is refused.
RUN_LOCK_WAIT_ENV = "SURVEY_RUN_LOCK_WAIT_S"


class SurveyPaths(dg.ConfigurableResource):
    """Landing folder (vendor exports in) and build folder (warehouse and artefacts out).

    Unset fields fall back to `SURVEY_LANDING_DIR` / `SURVEY_BUILD_DIR`, then to the bundled
    sample folder and `build/`. Relative paths are taken from the repository root.

    One run writes a build folder at a time. In a run, the resource holds the build folder's
    lock (`$SURVEY_BUILD_DIR/.run.lock`) from before the first step until after the last (the
    in-process executor initialises resources once per run). A second run on the same folder
    (two `make run`s, a run started outside the daemon's queue) waits up to
    `SURVEY_RUN_LOCK_WAIT_S` seconds (default 0), then fails before any step with `FolderBusy`
    naming the run that holds the folder: it has done nothing. The daemon's queue
    (`dagster.yaml`, one run at a time) never lets it come to that. Outside a run (sensors,
    schedules) the lock is not taken.
    """

    landing_dir: str | None = None
    build_dir: str | None = None

    @property
    def landing_path(self) -> Path:
        return _resolve(self.landing_dir, "SURVEY_LANDING_DIR", DEFAULT_LANDING_DIR)

    @property
    def build_path(self) -> Path:
        return _resolve(self.build_dir, "SURVEY_BUILD_DIR", DEFAULT_BUILD_DIR)

    @property
    def warehouse_path(self) -> Path:
        """The warehouse file; made owner-only (0600, and its WAL) whenever an asset asks."""
        path = self.build_path / "warehouse.duckdb"
        make_private(path)
        return path

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[SurveyPaths]:
        if context.run is None:  # a sensor or schedule evaluation: nothing is written
            yield self
            return
        wait_s = float(os.environ.get(RUN_LOCK_WAIT_ENV) or 0)
        holder = f"run {context.run.run_id} of {context.run.job_name}"
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(exclusive_lock(self.build_path / RUN_LOCK, holder, wait_s))
            except FolderBusy as e:
                raise FolderBusy(
                    f"another run is writing the build folder {self.build_path}: {e}. This run"
                    " stopped before its first step; start it again when that run has ended."
                ) from None
            yield self


def _resolve(value: str | None, env_var: str, default: Path) -> Path:
    path = Path(value or os.environ.get(env_var) or default)
    return path if path.is_absolute() else REPO_ROOT / path
