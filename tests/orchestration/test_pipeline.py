"""End to end: the full job on the bundled sample, in a temporary warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingest import export_sources
from survey.questionnaire import load_questionnaire

pytestmark = pytest.mark.slow

RESPONDENTS = {"talk_london": 1033, "yougov_representative": 1161, "yougov_bame_boost": 532}


@pytest.fixture(scope="module")
def run(full_run) -> tuple[dg.ExecuteInProcessResult, Path]:
    result, build = full_run
    return result, build / "warehouse.duckdb"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def materializations(result: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict]:
    return {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }


def test_every_asset_and_check_succeeds(run) -> None:
    result, _ = run
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert evaluations
    assert [e.check_name for e in evaluations if not e.passed] == []


def test_raw_row_counts_and_ingest_metadata(run) -> None:
    result, warehouse = run
    metadata = materializations(result)
    for source in export_sources():
        table = f"raw.{source}_responses"
        assert query(warehouse, f"SELECT count(*) FROM {table}") == [(RESPONDENTS[source],)]
        meta = metadata[dg.AssetKey(["raw", f"{source}_responses"])]
        assert meta["dagster/row_count"].value == RESPONDENTS[source]
        assert meta["table"].value == table
        assert meta["reader"].value
        files = meta["files"].value.records
        assert files and all(len(f.data["sha256"]) == 64 for f in files)
        assert {f.data["status"] for f in files} == {"loaded"}


def test_reference_tables_metadata(run) -> None:
    result, warehouse = run
    q = load_questionnaire()
    meta = materializations(result)[dg.AssetKey(["ref", "variables"])]
    assert meta["questionnaire_version"].value == q.version
    assert meta["dagster/row_count"].value == len(q.variables)
    assert query(warehouse, "SELECT count(*) FROM ref.variables") == [(len(q.variables),)]


def test_staging_is_one_row_per_respondent_and_variable(run) -> None:
    _, warehouse = run
    exported = len(load_questionnaire().exported_variables())
    rows = query(
        warehouse,
        """
        SELECT poll, count(*), count(DISTINCT respondent_id) FROM staging.stg_talk_london__responses
        GROUP BY poll
        UNION ALL
        SELECT poll, count(*), count(DISTINCT respondent_id) FROM staging.stg_yougov__responses
        GROUP BY poll
        """,
    )
    expected = {"talk_london": 1033, "representative": 1161, "boost": 532}
    assert {poll: (n, ids) for poll, n, ids in rows} == {
        poll: (respondents * exported, respondents) for poll, respondents in expected.items()
    }


def test_one_dbt_step_and_the_weighting_diagnostics_on_its_assets(run) -> None:
    """The dbt project runs as one step, the weighting inside it; the poll weights'
    materialization carries the weighting's diagnostics, equal to weights.weighting_summary."""
    result, warehouse = run
    dbt_steps = {
        e.step_key
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[0] in ("staging", "intermediate", "weights", "marts")
    }
    assert dbt_steps == {"dbt_models"}
    meta = {
        k: v.value
        for k, v in materializations(result)[dg.AssetKey(["weights", "poll_weights"])].items()
    }
    ((n,),) = query(warehouse, "SELECT count(*) FROM weights.poll_weights")
    assert (
        meta["dagster/row_count"]
        == n
        == RESPONDENTS["yougov_representative"] + RESPONDENTS["yougov_bame_boost"]
    )
    ((iterations, error, efficiency, effective_n),) = query(
        warehouse,
        "SELECT iterations, max_margin_error, efficiency, effective_n"
        " FROM weights.weighting_summary WHERE scope = 'combined'",
    )
    assert meta["iterations"] == iterations >= 1
    assert meta["max_margin_error"] == error
    assert meta["efficiency"] == round(efficiency, 4)
    assert meta["effective_n"] == round(effective_n, 1)
    assert "collapsed_targets" not in meta  # the sample is a final delivery
