"""Helpers for the reliability tests: copies of the session's good build, child processes,
file hashes, and the export builders of tests/ingest (loaded by path: tests never import
another folder's conftest as a module name)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from publication.release_folder import PUBLISHED

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_builders():
    path = REPO_ROOT / "tests" / "ingest" / "conftest.py"
    spec = importlib.util.spec_from_file_location("reliability_export_builders", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def builders():
    return load_builders()


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (links followed), by relative path."""
    folder = folder.resolve()
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def copy_build(build: Path, to: Path) -> Path:
    """A copy of a build folder (the `published` link stays relative, so it points into it)."""
    shutil.copytree(build, to, symlinks=True, ignore=shutil.ignore_patterns("dagster"))
    return to


@pytest.fixture
def good_build(full_run, tmp_path: Path) -> Path:
    """A private copy of the session's complete build folder, to break."""
    result, build = full_run
    assert result.success
    return copy_build(build, tmp_path / "build")


def revise_a_figure(build: Path) -> None:
    """Change one published figure in the warehouse, so that the next publication has something
    new to release (with nothing new, no release is made)."""
    with duckdb.connect(str(build / "warehouse.duckdb")) as con:
        con.execute(
            "update marts.fct_estimates set pct = pct / 2 where variable_id = "
            "(select min(variable_id) from marts.fct_estimates where category_kind = 'code')"
        )


def published_hashes(build: Path) -> dict[str, str]:
    return tree_hashes(build / PUBLISHED)


def child(code: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    """A Python child process running `code` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def kill_when(
    proc: subprocess.Popen, ready: Callable[[], bool], timeout: float = 240.0, after: float = 0.0
) -> bool:
    """SIGKILL `proc` once `ready()` holds (then `after` seconds later); False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            time.sleep(after)
            if proc.poll() is not None:
                return False
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return True
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("the child never reached the point to kill it at")
