"""End to end: a failed gate holds back publication.

On a copy of the session's full run on the sample (`full_run`, which published), the gates run
and pass; then one base in marts.fct_estimates is tampered with and only the gates and the
publishing assets run again. The bases gate fails, no publishing asset materialises in that run
(read from the event log) and the published files are byte for byte those of the full run.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from expectations.docs import write_data_docs
from expectations.runner import load_results, results_dir
from orchestration.defs.quality import build_checks
from survey.pack import current

pytestmark = pytest.mark.slow

TAMPER = """
    update marts.fct_estimates set unweighted_base = unweighted_base + 1
    where variable_id = 'B_SUPPORT' and route = 'polls' and breakdown = 'total'
        and category_kind = 'code' and category = '1'
"""
asset_checks = build_checks(current())
GATE_KEYS = {key for check in asset_checks for key in check.check_keys}


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def materialized(instance: dg.DagsterInstance, run_id: str) -> set[dg.AssetKey]:
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    return {r.event_log_entry.dagster_event.asset_key for r in records}


def evaluations(result: dg.ExecuteInProcessResult) -> dict:
    return {e.asset_check_key: e for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def runs(
    full_run, defs: dg.Definitions, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    _, source = full_run
    build = tmp_path_factory.mktemp("gated") / "build"
    shutil.copytree(source, build)
    gates = dg.define_asset_job("gates", selection=dg.AssetSelection.checks(*asset_checks))
    republish = dg.define_asset_job(
        "gates_and_publication",
        selection=dg.AssetSelection.checks(*asset_checks) | dg.AssetSelection.groups("published"),
    )
    defs = dg.Definitions.merge(defs, dg.Definitions(jobs=[gates, republish]))
    instance = dg.DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SURVEY_BUILD_DIR", str(build))
        passed = defs.resolve_job_def("gates").execute_in_process(instance=instance)
        before = snapshot(build / "published")
        with duckdb.connect(str(build / "warehouse.duckdb")) as con:
            con.execute(TAMPER)
        blocked = defs.resolve_job_def("gates_and_publication").execute_in_process(
            instance=instance, raise_on_error=False
        )
    yield {
        "build": build,
        "instance": instance,
        "published": defs.resolve_asset_graph().asset_keys_for_group("published"),
        "full_run": full_run[0],
        "passed": passed,
        "blocked": blocked,
        "before": before,
    }


def test_every_gate_passes_on_the_sample(runs) -> None:
    passed = runs["passed"]
    assert passed.success
    gates = evaluations(passed)
    assert set(gates) == GATE_KEYS
    assert [k.name for k, e in gates.items() if not e.passed] == []
    # the full run published from the same warehouse
    assert runs["published"] <= {
        e.asset_key for e in runs["full_run"].get_asset_materialization_events()
    }
    assert runs["before"]


def test_saved_results_and_data_docs_hold_no_respondent_ids(runs, tmp_path: Path) -> None:
    build = runs["build"]
    results = load_results(results_dir(build))
    assert len(results) == len(GATE_KEYS)
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("select respondent_id from intermediate.int_respondents").fetchall()
    ids = {i for (i,) in rows}
    index = write_data_docs(results, tmp_path / "docs")
    pages = list(index.parent.rglob("*.html"))
    assert len(pages) == len(results) + 1
    for text in [json.dumps(results), *(p.read_text(encoding="utf-8") for p in pages)]:
        assert set(re.findall(r"[\w-]+", text)) & ids == set()


def test_failed_gate_blocks_publication(runs) -> None:
    blocked = runs["blocked"]
    assert not blocked.success
    gates = evaluations(blocked)
    assert set(gates) >= GATE_KEYS
    failed = [k for k in GATE_KEYS if not gates[k].passed]
    assert failed == [dg.AssetCheckKey(dg.AssetKey(["marts", "fct_estimates"]), "bases")]
    metadata = {k: v.value for k, v in gates[failed[0]].metadata.items()}
    assert metadata["suite"] == "marts.fct_estimates.bases"
    assert metadata["failed_expectations"] == 1
    assert metadata["failing_rows"] == 1
    assert (
        "expect_column_pair_values_to_be_equal | published_base, recomputed_base | 1"
        in (metadata["failures"])
    )
    assert materialized(runs["instance"], blocked.run_id) & runs["published"] == set()
    assert snapshot(runs["build"] / "published") == runs["before"]
