"""Fixtures shared by every test folder.

- `dbt_manifest`: `dbt parse` once per session into a temporary target folder (`DBT_TARGET_PATH`
  stays set for the session), so tests never race `make` over `dbt_project/target`. Request it
  before importing `orchestration.definitions`, which reads the manifest at import.
- `sample_landing`: the bundled sample exports, generated once per session.
- `build_dir`: a fresh `SURVEY_BUILD_DIR` per test; nothing is written to the repository's build/.
- `defs`: the project's `Definitions`, imported once the session's dbt manifest exists.
- `full_run`: the full job on the bundled sample, once per session, in a temporary build folder:
  every end-to-end test reads this one run (copy its build folder before changing anything).

`make test` runs on two pytest-xdist workers, file by file (`--dist loadfile`): a session fixture
is built once per worker that needs it, so `full_run` at most twice; a module's fixtures once.
(`--dist loadgroup` with `xdist_group` marks did not group here: pytest-xdist 3.8 under pytest 9
left the node ids without their group suffix, even for explicitly marked tests.)
"""

from __future__ import annotations

import pickle
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
def shared_tmp(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder every pytest-xdist worker of this session shares (without xdist, the session's
    own temporary folder)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


def built_once(shared: Path, name: str, build: Callable[[Path], T]) -> T:
    """`build(shared / name)` by the first worker that asks, its result (pickled) read back by
    the others: for what tests only read, such as a publication of the synthetic warehouse."""
    folder, result = shared / name, shared / f"{name}.pickle"
    with FileLock(shared / f"{name}.lock"):
        if result.exists():
            return pickle.loads(result.read_bytes())
        folder.mkdir()
        value = build(folder)
        result.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sample_generator import write_sample

    landing = tmp_path_factory.mktemp("sample_landing")
    write_sample(landing)
    return landing


@pytest.fixture
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "build"
    monkeypatch.setenv("SURVEY_BUILD_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def defs(dbt_manifest: Path):
    from orchestration.definitions import build_definitions

    return build_definitions()


@pytest.fixture(scope="session")
def full_run(defs, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory):
    """(result, build folder) of `full_pipeline` on the bundled sample."""
    import dagster as dg

    build = tmp_path_factory.mktemp("full_run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SURVEY_LANDING_DIR", str(sample_landing))
        mp.setenv("SURVEY_BUILD_DIR", str(build))
        result = defs.resolve_job_def("full_pipeline").execute_in_process(
            instance=dg.DagsterInstance.ephemeral()
        )
    return result, build


# Fixtures that run dbt (a parse or a build) or the Dagster job: a test requesting one, directly
# or through another fixture, is `slow`. `make test-fast` deselects them.
PIPELINE_FIXTURES = {"dbt_manifest", "defs", "full_run", "good_build", "built", "series"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
