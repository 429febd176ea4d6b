"""Paths every asset shares, from environment variables resolved at run time, and the build
folder's single-writer lock that each run holds."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from infra.warehouse import FolderBusy, exclusive_lock, make_private
from survey.pack import SETTING, Consultation, current

REPO_ROOT = Path(__file__).resolve().parents[1]
# Defaults, per consultation pack: its generated sample, and a build folder of its own.
SAMPLE_LANDING_ROOT = REPO_ROOT / "data" / "sample_landing"
BUILD_ROOT = REPO_ROOT / "build"
# Held by every run for its whole length (see `SurveyPaths.yield_for_execution`).
RUN_LOCK = ".run.lock"
# How long a run waits for another run on the same build folder before it is refused.
RUN_LOCK_WAIT_ENV = "SURVEY_RUN_LOCK_WAIT_S"


class SurveyPaths(dg.ConfigurableResource):
    """Landing folder (vendor exports in) and build folder (warehouse and artefacts out).

    Unset fields fall back to `SURVEY_LANDING_DIR` / `SURVEY_BUILD_DIR`, then to the pack's
    generated sample (`data/sample_landing/<pack id>/`) and `build/<pack id>/`. Relative paths
    are taken from the repository root.

    A build folder belongs to the pack it was first built from (`consultation.json` in it): a
    run of another pack on it stops before its first step, with `BuildFolderMismatch`.

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
        return _resolve(self.landing_dir, "SURVEY_LANDING_DIR", SAMPLE_LANDING_ROOT / current().id)

    @property
    def build_path(self) -> Path:
        return _resolve(self.build_dir, "SURVEY_BUILD_DIR", BUILD_ROOT / current().id)

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
            claim_build_folder(self.build_path, current())
            yield self


class ConsultationResource(dg.ConfigurableResource):
    """The consultation pack the definitions were built for (`survey/pack.py`): a pack id under
    `consultations/` or a pack folder. Assets read the pack through it, never from a path."""

    pack: str | None = None

    @property
    def consultation(self) -> Consultation:
        return current(self.pack)


class BuildFolderMismatch(RuntimeError):
    """The build folder was built from another consultation pack."""


BUILD_STAMP = "consultation.json"


def claim_build_folder(build: Path, consultation: Consultation) -> None:
    """Record which pack `build` is built from, or refuse a build folder of another pack."""
    stamp = build / BUILD_STAMP
    if stamp.is_file():
        built_from = json.loads(stamp.read_text(encoding="utf-8")).get("id")
        if built_from != consultation.id:
            raise BuildFolderMismatch(
                f"the build folder {build} was built from the consultation pack '{built_from}',"
                f" not '{consultation.id}' ({SETTING}). Use another build folder"
                f" (SURVEY_BUILD_DIR), or remove this one to rebuild it from '{consultation.id}'."
            )
        return
    build.mkdir(parents=True, exist_ok=True)
    stamp.write_text(
        json.dumps({"id": consultation.id, "folder": str(consultation.folder)}, indent=2) + "\n",
        encoding="utf-8",
    )


def _resolve(value: str | None, env_var: str, default: Path) -> Path:
    path = Path(value or os.environ.get(env_var) or default)
    return path if path.is_absolute() else REPO_ROOT / path
