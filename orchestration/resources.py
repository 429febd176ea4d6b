"""Paths every asset shares, from environment variables resolved at run time."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ingest.warehouse import make_private

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LANDING_DIR = REPO_ROOT / "data" / "sample_landing"
DEFAULT_BUILD_DIR = REPO_ROOT / "build"


class SurveyPaths(dg.ConfigurableResource):
    """Landing folder (vendor exports in) and build folder (warehouse and artefacts out).

    Unset fields fall back to `SURVEY_LANDING_DIR` / `SURVEY_BUILD_DIR`, then to the bundled
    sample folder and `build/`. Relative paths are taken from the repository root.
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


def _resolve(value: str | None, env_var: str, default: Path) -> Path:
    path = Path(value or os.environ.get(env_var) or default)
    return path if path.is_absolute() else REPO_ROOT / path
