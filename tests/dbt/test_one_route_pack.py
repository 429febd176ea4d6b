"""The dbt project on a pack of another shape, built from the hand-made Talk London export: one
unweighted route, no YouGov SPSS source at all (its staging models are empty), other respondent
flags (renamed, by codes, another null rule) and other id prefixes. Nothing in the SQL names the
reference pack's sources, routes, polls or flags."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from ingest import load_export_source
from survey.questionnaire import parse_questionnaire, questionnaire_path
from survey.reference_tables import write_reference_tables
from tests.dbt.conftest import DBT_PROJECT_DIR, TL_N, dbt_env, write_landing


def _one_route_questionnaire():
    """The reference questionnaire with its Talk London source only (prefix `web`), two sections
    renamed, and three respondent flags of its own."""
    raw = copy.deepcopy(yaml.safe_load(questionnaire_path().read_text(encoding="utf-8")))
    raw["exports"] = {"talk_london": {**raw["exports"]["talk_london"], "id_prefix": "web"}}
    raw["routes"] = {"talk_london": raw["routes"]["talk_london"]}
    for b in raw["breakdowns"].values():
        b["routes"] = [r for r in b["routes"] if r == "talk_london"]
    raw["analysis"]["comparisons"] = [
        c for c in raw["analysis"]["comparisons"] if c.get("routes", ["talk_london"]) != ["polls"]
    ]
    raw["sections"]["C"]["name"] = "crime_and_safety"
    raw["respondent_flags"] = {
        # Yes; a missing code (prefer not to say) counts as false, only a blank is null
        "crime_victim": {
            "label": "Victim of crime",
            "source": "C_VICTIM_CRIME",
            "true_when": {"codes": [1]},
            "null_when": "unanswered",
        },
        "asb_code": {"label": "ASB answer", "source": "C_VICTIM_ASB", "value": "code"},
        "area_group": {"label": "Area", "breakdown": "area", "value": "group"},
    }
    return parse_questionnaire(raw)


@pytest.fixture(scope="module")
def one_route(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("dbt_one_route")
    landing, build, target = root / "landing", root / "build", root / "target"
    landing.mkdir()
    warehouse = build / "warehouse.duckdb"
    write_landing(landing)
    load_export_source("talk_london", landing, warehouse)
    write_reference_tables(_one_route_questionnaire(), warehouse)
    env = dbt_env(build, target)
    dbt = str(Path(sys.executable).with_name("dbt"))
    project = ("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR))
    done = subprocess.run(
        [dbt, "--quiet", "build", *project], env=env, capture_output=True, text=True
    )
    results_file = target / "run_results.json"
    if not results_file.exists():
        pytest.fail(f"dbt build did not run:\n{done.stdout}\n{done.stderr}")
    return warehouse, json.loads(results_file.read_text())["results"]


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_every_model_and_test_passes_without_a_yougov_source(one_route) -> None:
    warehouse, results = one_route
    failed = [(r["unique_id"], r["status"], r["message"]) for r in results]
    assert [f for f in failed if f[1] not in ("success", "pass")] == []
    assert _rows(warehouse, "select count(*) from staging.stg_yougov__responses") == [(0,)]
    assert _rows(warehouse, "select count(*) from staging.stg_yougov__respondents") == [(0,)]
    assert _rows(
        warehouse,
        "select route, count(*), min(respondent_id) from intermediate.int_weighted_respondents"
        " group by 1",
    ) == [("talk_london", TL_N, "web-1001")]
    # no weighted route: the weighting models ran and left their three tables empty; weight 1
    ran = {r["unique_id"].split(".")[-1] for r in results}
    assert {"poll_weights", "weighting_summary", "weighting_margins"} <= ran
    for table in ("poll_weights", "weighting_summary", "weighting_margins"):
        assert _rows(warehouse, f"select count(*) from weights.{table}") == [(0,)]
    assert _rows(warehouse, "select count(*) from marts.mart_weighting") == [(0,)]
    weights = "select distinct weight from intermediate.int_weighted_respondents"
    assert _rows(warehouse, weights) == [(1.0,)]


@pytest.mark.slow
def test_respondent_flags_follow_the_pack(one_route) -> None:
    """C_VICTIM_CRIME of tl 1001..1006: Yes, No, PNTS, blank, Yes, No; C_VICTIM_ASB: No, No, Yes,
    blank..."""
    warehouse, _ = one_route
    columns = [
        c
        for (c,) in _rows(
            warehouse, "select column_name from (describe intermediate.int_respondents)"
        )
    ]
    assert columns[-3:] == ["crime_victim", "asb_code", "area_group"]
    assert not {"victim_crime", "victim_any", "attended_court", "trust_mps"} & set(columns)
    rows = _rows(
        warehouse,
        "select respondent_id, crime_victim, asb_code, area_group = grp_area"
        " from intermediate.int_respondents where respondent_id between 'web-1001' and 'web-1006'"
        " order by respondent_id",
    )
    assert rows == [
        ("web-1001", True, 2, True),
        ("web-1002", False, 2, True),
        ("web-1003", False, 1, True),  # prefer not to say: false under null_when unanswered
        ("web-1004", None, None, True),
        ("web-1005", True, None, True),
        ("web-1006", False, None, True),
    ]


@pytest.mark.slow
def test_section_tables_follow_the_pack_names(one_route) -> None:
    warehouse, _ = one_route
    tables = {
        t
        for (t,) in _rows(
            warehouse,
            "select table_name from duckdb_tables() where schema_name = 'marts'"
            " and starts_with(table_name, 'mart_section_')",
        )
    }
    assert "mart_section_crime_and_safety" in tables
    assert "mart_section_safety_crime_and_police" not in tables
    assert len(tables) == 9
    assert _rows(
        warehouse, "select distinct route, section from marts.mart_section_crime_and_safety"
    ) == [("talk_london", "C")]
