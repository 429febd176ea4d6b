"""Fixtures shared by every test folder.

- `dbt_manifest`: `dbt parse` once per session into a temporary target folder (`DBT_TARGET_PATH`
  stays set for the session), so tests never race `make` over `dbt_project/target`. Request it
  before importing `orchestration.definitions`, which reads the manifest at import.
- `sample_landing`: the bundled sample exports, generated once per session.
- `build_dir`: a fresh `SURVEY_BUILD_DIR` per test; nothing is written to the repository's build/.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
