"""The gates in the Dagster definitions: blocking where they guard publication, and cheap to
import (Great Expectations loads only when a gate runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from expectations.catalog import catalogue
from expectations.catalog import gates as catalogue_gates
from orchestration.defs import comments, fidelity
from orchestration.defs.quality import build_checks
from orchestration.defs.weighting import POLL_WEIGHTS
from survey.pack import current


def test_every_check_guarding_a_publishing_asset_is_blocking(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    published = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "published"]
    assert published
    upstream = {parent for key in published for parent in graph.get(key).parent_keys}
    guarding = [c for c in graph.asset_check_keys if c.asset_key in upstream]
    # the fidelity check compares with the reference report: it warns, never holds a delivery
    fidelity = dg.AssetCheckKey(dg.AssetKey(["published", "fidelity"]), "all_figures_reproduced")
    assert [c for c in guarding if not graph.get(c).blocking] == [fidelity]
    # every table a gate checks is read directly by a publishing asset, but the poll weights:
    # they guard the marts they weight, so a run with bad weights builds no mart
    gates = {key for check in build_checks(current()) for key in check.check_keys}
    assert len(gates) == len(catalogue_gates())
    assert {c.asset_key for c in gates} - upstream == {POLL_WEIGHTS}
    assert all(graph.get(key).blocking for key in gates)


def test_importing_the_definitions_does_not_import_great_expectations(
    dbt_manifest: Path,
) -> None:
    modules = "orchestration.definitions, orchestration.defs.quality, expectations.catalog"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {modules}"],
        capture_output=True,
        text=True,
        env=os.environ | {"DBT_TARGET_PATH": str(dbt_manifest.parent)},
        check=True,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "orchestration.defs.quality" in imported
    assert [m for m in imported if m.startswith("great_expectations")] == []


def test_every_check_of_the_definitions_is_in_the_catalogue(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    python_checks = [*build_checks(current()), *comments.asset_checks, *fidelity.asset_checks]
    keys = {key for check in python_checks for key in check.check_keys}
    assert keys <= set(graph.asset_check_keys)
    listed = {(e.guards, e.name) for e in catalogue()}
    assert {(".".join(k.asset_key.path), k.name) for k in keys} <= listed
    # and the catalogue lists no check the definitions lack, but the release-wide scan (run by
    # the publication itself on the staged folder, not an asset check)
    missing = listed - {(".".join(k.asset_key.path), k.name) for k in keys}
    assert {name for _, name in missing} == {"release_holds_no_personal_data"}
