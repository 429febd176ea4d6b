"""Each gate passes on good data and fails on data that breaks its rule, and only its rule."""

from __future__ import annotations

import duckdb
import pytest

from expectations.catalog import gates as catalogue_gates
from expectations.runner import GateOutcome, run_gate
from expectations.settings import GateSettings

TL_TOTAL = "route = 'talk_london' and breakdown = 'total'"

# suite that must fail -> the SQL that breaks its rule (and no other gate's)
BREAKS = {
    "route_totals": [  # the file held one row more than the warehouse analysed
        "update raw.ingest_log set rows = rows + 1 where source_id = 'yougov_bame_boost'"
    ],
    "route_totals/quarantine": [
        "delete from raw.quarantine where file_sha256 = 'sha-yougov_bame_boost'"
    ],
    "nets": [
        "update marts.fct_estimates set unweighted_count = unweighted_count + 1 "
        f"where variable_id = 'B_SUPPORT' and {TL_TOTAL} and category_kind = 'net' "
        "and category = 'support'"
    ],
    "bases": [
        "update marts.fct_estimates set unweighted_base = unweighted_base + 1 "
        f"where variable_id = 'B_SUPPORT' and {TL_TOTAL} and category = '1'"
    ],
    "dont_know_rule": [
        "update intermediate.int_responses set in_base = true "
        "where variable_id = 'B_SUPPORT' and status = 'dont_know'"
    ],
    "dont_know_rule/kept": [
        "update marts.fct_estimates set unweighted_count = 0 "
        f"where variable_id = 'F_REP_WOMEN' and {TL_TOTAL} and category = '98'"
    ],
    "not_applicable_rule": [
        "update intermediate.int_responses set in_base = true "
        "where variable_id = 'C_SAFE_DAY' and status = 'not_applicable'"
    ],
    "distributions": [
        "update marts.fct_estimates set pct = pct + 5 "
        f"where variable_id = 'B_SUPPORT' and {TL_TOTAL} and category = '1'"
    ],
    "figures/pct": [
        "update marts.fct_estimates set pct = 120 "
        f"where variable_id = 'D_VIOLENCE_BASIS_1' and {TL_TOTAL} and category_kind = 'option'"
    ],
    "figures/small_base": [
        "update marts.fct_estimates set small_base = false "
        f"where variable_id = 'B_SUPPORT' and {TL_TOTAL} and category = '2'"
    ],
    "poll_weights": [
        "update weights.poll_weights set weight = weight - 1 where respondent_id = 'rep-900001'",
        "update weights.poll_weights set weight = weight + 1 where respondent_id = 'rep-900002'",
    ],
    "weighting_efficiency": ["update weights.weighting_summary set efficiency = 0.3"],
    "weighting_margins": [
        "update weights.weighting_margins set weighted_share = weighted_share + 0.01 "
        "where category = 'male'"
    ],
}
SUITES = {
    "route_totals": "marts.fct_estimates.route_totals",
    "bases": "marts.fct_estimates.bases",
    "nets": "marts.fct_estimates.nets",
    "dont_know_rule": "marts.fct_estimates.dont_know_rule",
    "not_applicable_rule": "marts.fct_estimates.not_applicable_rule",
    "distributions": "marts.fct_estimates.distributions",
    "figures": "marts.fct_estimates.figures",
    "poll_weights": "weights.poll_weights.poll_weights",
    "weighting_efficiency": "weights.weighting_summary.weighting_efficiency",
    "weighting_margins": "weights.weighting_summary.weighting_margins",
}


def run_all(con: duckdb.DuckDBPyConnection, settings: GateSettings) -> list[GateOutcome]:
    return [run_gate(gate, con, settings) for gate in catalogue_gates()]


def test_every_gate_passes_on_good_data(warehouse, settings) -> None:
    outcomes = run_all(warehouse, settings)
    assert [o.suite for o in outcomes if not o.success] == []
    assert all(o.evaluated for o in outcomes)


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_gate_fails_on_its_rule_only(warehouse, settings, case: str) -> None:
    for sql in BREAKS[case]:
        warehouse.execute(sql)
    outcomes = run_all(warehouse, settings)
    assert [o.suite for o in outcomes if not o.success] == [SUITES[case.split("/")[0]]]


def test_failure_names_expectation_columns_and_count(warehouse, settings) -> None:
    for sql in BREAKS["bases"]:
        warehouse.execute(sql)
    (bases,) = [o for o in run_all(warehouse, settings) if not o.success]
    assert bases.suite == SUITES["bases"]
    (failure,) = bases.failures
    assert failure.expectation == "expect_column_pair_values_to_be_equal"
    assert failure.columns == "published_base, recomputed_base"
    assert failure.failing_rows == 1
