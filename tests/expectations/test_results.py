"""Validation results and Data Docs keep counts only: no respondent id, no answer text."""

from __future__ import annotations

import json
from pathlib import Path

from expectations.catalog import gates as catalogue_gates
from expectations.docs import release_writer, write_data_docs
from expectations.runner import load_results, results_dir, run_gate, save_result

# Breaks that fail the gates whose frames sit closest to respondents: the recomputed bases, the
# per-respondent weights and the statuses of the answers.
BREAKS = [
    "update marts.fct_estimates set unweighted_base = unweighted_base + 1 "
    "where variable_id = 'B_SUPPORT'",
    "update weights.poll_weights set weight = -weight where poll = 'boost'",
    "update intermediate.int_responses set in_base = true where status = 'dont_know'",
]


def test_failed_results_and_data_docs_hold_no_raw_values(
    warehouse, settings, raw_values, tmp_path
) -> None:
    for sql in BREAKS:
        warehouse.execute(sql)
    outcomes = [run_gate(gate, warehouse, settings, "run-1") for gate in catalogue_gates()]
    failed = [o for o in outcomes if not o.success]
    assert {o.suite.rsplit(".", 1)[1] for o in failed} == {
        "route_totals",
        "bases",
        "dont_know_rule",
        "poll_weights",
    }
    assert sum(f.failing_rows or 0 for o in failed for f in o.failures) > 0

    results = tmp_path / "results"
    for outcome in outcomes:
        save_result(outcome, results)
    saved = load_results(results)
    assert [r["suite_name"] for r in saved] == sorted(o.suite for o in outcomes)
    serialized = json.dumps(saved)
    assert [v for v in raw_values if v in serialized] == []

    index = write_data_docs(saved, tmp_path / "docs")
    pages = [p for p in (tmp_path / "docs").rglob("*.html") if p != index]
    assert index.is_file()
    assert len(pages) == len(outcomes)
    for page in [index, *pages]:
        html = page.read_text(encoding="utf-8")
        assert [v for v in raw_values if v in html] == []


def test_saved_result_replaces_the_last(warehouse, settings, tmp_path: Path) -> None:
    gate = next(g for g in catalogue_gates() if g.name == "route_totals")
    save_result(run_gate(gate, warehouse, settings, "run-1"), tmp_path)
    warehouse.execute("delete from intermediate.int_respondents where poll = 'boost'")
    path = save_result(run_gate(gate, warehouse, settings, "run-2"), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    (result,) = load_results(tmp_path)
    assert (result["meta"]["run_id"]["run_name"], result["success"]) == ("run-2", False)


def test_release_writer_renders_the_last_results_into_the_staging_folder(
    warehouse, settings, tmp_path: Path
) -> None:
    for gate in catalogue_gates()[:2]:
        save_result(run_gate(gate, warehouse, settings, "run-1"), results_dir(tmp_path))
    index = release_writer(tmp_path)(warehouse, tmp_path / "staging")
    assert index == tmp_path / "staging" / "validation" / "index.html"
    assert len(list(index.parent.glob("validations/**/*.html"))) == 2
