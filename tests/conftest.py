"""Fixtures shared by every test folder.

- `dbt_manifest`: `dbt parse` once per session into a temporary target folder (`DBT_TARGET_PATH`
  stays set for the session), so tests never race `make` over `dbt_project/target`. Request it
  before importing `orchestration.definitions`, which reads the manifest at import.
- `shared_tmp`, `built_once`: a folder every pytest-xdist worker of the session shares, and what
  is built there once (by the first worker that asks; the others wait for it and read it back).
- `sample_landing`: the bundled sample exports, generated once per session.
- `build_dir`: a fresh `SURVEY_BUILD_DIR` per test; nothing is written to the repository's build/.
- `defs`: the project's `Definitions`, imported once the session's dbt manifest exists.
- `full_run`: the full job on the bundled sample, once per session (across workers), in a
  temporary build folder with its own Dagster instance: every end-to-end test reads this one run
  (copy its build folder before changing anything).

`make test` runs on two pytest-xdist workers, file by file (`--dist loadfile`): a session fixture
is built once per worker that needs it (once in all when it uses `built_once`); a module's
fixtures once.
(`--dist loadgroup` with `xdist_group` marks did not group here: pytest-xdist 3.8 under pytest 9
left the node ids without their group suffix, even for explicitly marked tests.)
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@pytest.fixture(scope="session")
def dbt_manifest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    target = tmp_path_factory.mktemp("dbt_target")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBT_TARGET_PATH", str(target))
        mp.setenv("DBT_LOG_PATH", str(target / "logs"))
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                "--quiet",
                "parse",
                *("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)),
            ],
            check=True,
        )
        yield target / "manifest.json"


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every pytest-xdist worker of this session shares (without xdist, the session's
    own temporary folder)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(shared: Path, name: str, build: Callable[[Path], T]) -> T:
    """`build(shared / name)` by the first worker that asks, its result (pickled) read back by
    the others: for what tests only read, such as a publication of the synthetic warehouse."""
    folder, result = shared / name, shared / f"{name}.pickle"
    with FileLock(shared / f"{name}.lock"):
        if result.exists():
            return pickle.loads(result.read_bytes())
        shutil.rmtree(folder, ignore_errors=True)  # what a failed build by another worker left
        folder.mkdir()
        value = build(folder)
        result.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def sample_landing(shared_tmp: Path) -> Path:
    """The bundled sample's exports, generated once per session (tests only read them)."""
    from sample_generator import write_sample

    def generate(landing: Path) -> Path:
        write_sample(landing)
        return landing

    return built_once(shared_tmp, "sample_landing", generate)


@pytest.fixture
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "build"
    monkeypatch.setenv("SURVEY_BUILD_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def defs(dbt_manifest: Path):
    from orchestration.definitions import build_definitions

    return build_definitions()


class StoredRun:
    """A finished run, read back from the Dagster instance it ran on (in its DAGSTER_HOME), so
    that every xdist worker can read the one run: whether it succeeded, and its events as
    `ExecuteInProcessResult` gives them."""

    def __init__(self, dagster_home: Path, run_id: str, success: bool) -> None:
        self.dagster_home, self.run_id, self.success = dagster_home, run_id, success
        self._events: list | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_events": None}

    def events(self) -> list:
        import dagster as dg

        if self._events is None:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("DAGSTER_HOME", str(self.dagster_home))  # the event log's place
                with dg.DagsterInstance.from_config(str(self.dagster_home)) as instance:
                    self._events = [
                        e.dagster_event for e in instance.all_logs(self.run_id) if e.dagster_event
                    ]
        return self._events

    def get_asset_materialization_events(self) -> list:
        return [e for e in self.events() if e.event_type_value == "ASSET_MATERIALIZATION"]

    def get_asset_check_evaluations(self) -> list:
        return [
            e.event_specific_data
            for e in self.events()
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
        ]


@pytest.fixture(scope="session")
def full_run(defs, sample_landing: Path, shared_tmp: Path) -> tuple[StoredRun, Path]:
    """(run, build folder) of `full_pipeline` on the bundled sample, once per session, on an
    instance of the project's dagster.yaml in the build folder (as `make run` has it)."""
    import dagster as dg

    def run(folder: Path) -> tuple[StoredRun, Path]:
        build = folder / "build"
        home = build / "dagster"
        home.mkdir(parents=True)
        shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SURVEY_LANDING_DIR", str(sample_landing))
            mp.setenv("SURVEY_BUILD_DIR", str(build))
            mp.setenv("DAGSTER_HOME", str(home))
            with dg.DagsterInstance.get() as instance:
                result = defs.resolve_job_def("full_pipeline").execute_in_process(instance=instance)
        return StoredRun(home, result.run_id, result.success), build

    return built_once(shared_tmp, "full_run", run)


# Fixtures that run dbt (a parse or a build) or the Dagster job: a test requesting one, directly
# or through another fixture, is `slow`. `make test-fast` deselects them.
PIPELINE_FIXTURES = {"dbt_manifest", "defs", "full_run", "good_build", "built", "series"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
