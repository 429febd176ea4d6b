"""End to end on the second bundled pack (eastmere_ltp_2025): its generic sample, the full job,
and the release it publishes (workbook, CSVs, charts, BI file), in a temporary build folder.

The pack differs in shape from the reference case (two routes named `online` and `poll`, one
weighted poll with margins sex, age and area, four sections, fourteen tables, a 10-point grid):
everything here is read from the pack, nothing from the reference consultation.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.slow

PACK = "eastmere_ltp_2025"
RESPONDENTS = {"online": 840, "poll": 760}


@pytest.fixture(scope="module")
def second_run(dbt_manifest, tmp_path_factory):
    """(result, build folder, pack) of `full_pipeline` on the second pack's generic sample."""
    import dagster as dg

    from orchestration.definitions import build_definitions
    from sample_generator import write_sample
    from survey.pack import current

    landing = tmp_path_factory.mktemp("second_landing")
    build = tmp_path_factory.mktemp("second_build")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SURVEY_CONSULTATION", PACK)
        mp.setenv("SURVEY_LANDING_DIR", str(landing))
        mp.setenv("SURVEY_BUILD_DIR", str(build))
        pack = current()
        write_sample(landing)
        result = (
            build_definitions(pack)
            .resolve_job_def("full_pipeline")
            .execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
        )
    return result, build, pack


@pytest.fixture(scope="module")
def release(second_run) -> Path:
    _, build, _ = second_run
    return build / "releases" / "1"


def test_the_job_and_every_check_succeed(second_run):
    result, _, _ = second_run
    failed = [e.step_key for e in result.get_step_failure_events()]
    assert failed == []
    assert [e.check_name for e in result.get_asset_check_evaluations() if not e.passed] == []


def test_release_names_the_pack_and_its_routes(second_run, release):
    _, _, pack = second_run
    info = json.loads((release / "release.json").read_text(encoding="utf-8"))
    assert info["consultation"] == {
        "id": PACK,
        "version": pack.questionnaire.version,
        "fingerprint": pack.fingerprint,
        "title": pack.questionnaire.survey["title"],
    }
    assert info["routes"] == RESPONDENTS
    assert info["status"] == "final"


def test_one_csv_per_table_and_the_workbook(second_run, release):
    _, _, pack = second_run
    stems = {p.stem for p in (release / "csv").glob("*.csv")}
    tables = set(pack.questionnaire.tables)
    assert tables <= stems  # one per table, and a themes table's stance split beside its own
    assert all(stem.split("_")[0] in tables for stem in stems)
    assert (release / "supplementary_tables.xlsx").stat().st_size > 0


def test_every_chart_of_the_pack_is_drawn(second_run, release):
    _, _, pack = second_run
    charts = yaml.safe_load(pack.file("charts.yaml").read_text(encoding="utf-8"))["charts"]
    for chart in charts:
        for ext in ("png", "svg"):
            assert (release / "figures" / f"{chart['id']}.{ext}").stat().st_size > 0


def test_bi_file_holds_no_respondent_level_data(release):
    with duckdb.connect(str(release / "consultation_marts.duckdb"), read_only=True) as con:
        tables = con.sql("select table_name from information_schema.tables").fetchall()
        columns = {
            r[0] for r in con.sql("select column_name from information_schema.columns").fetchall()
        }
    assert tables
    assert "respondent_id" not in columns


def test_section_marts_from_the_pack(second_run):
    _, build, pack = second_run
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        names = {
            r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
        }
    sections = yaml.safe_load(pack.file("questionnaire.yaml").read_text(encoding="utf-8"))[
        "sections"
    ]
    assert {f"mart_section_{s['name']}" for s in sections.values()} <= names


def test_nothing_of_the_reference_consultation_is_published(release):
    texts = [p.read_text(encoding="utf-8") for p in (release / "csv").glob("*.csv")]
    texts.append((release / "release.json").read_text(encoding="utf-8"))
    for text in texts:
        for phrase in ("MOPAC", "Police and Crime", "Metropolitan", "BAME", "Londoners"):
            assert phrase not in text
