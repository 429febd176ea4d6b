"""The project's `Definitions`, imported once the session's dbt manifest exists."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture(scope="session")
def defs(dbt_manifest: Path) -> dg.Definitions:
    from orchestration.definitions import defs

    return defs
