"""Structure of the Dagster definitions: assets, lineage, job, schedule and sensor."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from ingest import export_sources
from orchestration.defs.automation import landing_folder_sensor
from orchestration.resources import SurveyPaths
from survey.questionnaire import load_questionnaire
from survey.reference_tables import BUILDERS

RAW_KEYS = {dg.AssetKey(["raw", f"{source}_responses"]) for source in export_sources()}
REF_KEYS = {dg.AssetKey(["ref", name]) for name in BUILDERS}
STG_TALK_LONDON = dg.AssetKey(["staging", "stg_talk_london__responses"])
STG_YOUGOV = dg.AssetKey(["staging", "stg_yougov__responses"])
INT_ANSWERS = dg.AssetKey(["intermediate", "int_answers"])
INT_RESPONSES = dg.AssetKey(["intermediate", "int_responses"])
STAGING_KEYS = {STG_TALK_LONDON, STG_YOUGOV}
ALL_KEYS = RAW_KEYS | REF_KEYS | STAGING_KEYS


def test_assets_and_groups(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert keys >= ALL_KEYS
    # Every asset is produced here (no dbt source is left unbound as an external asset), but the
    # landed export files: the vendors write them, the ingest assets observe them.
    external = {key for key in keys if not graph.get(key).is_materializable}
    assert external == {dg.AssetKey(["landing", source]) for source in export_sources()}
    assert {graph.get(key).group_name for key in external} == {"landing"}
    for source in export_sources():
        raw = graph.get(dg.AssetKey(["raw", f"{source}_responses"]))
        assert dg.AssetKey(["landing", source]) in raw.parent_keys
    groups = {key: graph.get(key).group_name for key in keys}
    assert {groups[k] for k in RAW_KEYS} == {"ingest"}
    assert {groups[k] for k in REF_KEYS} == {"reference"}
    assert {groups[k] for k in STAGING_KEYS} == {"staging"}


def test_dbt_sources_are_the_python_assets(defs: dg.Definitions) -> None:
    """Each source's raw table feeds the staging models of its vendor format (the translator's
    deps, orchestration/defs/dbt.py), and only those."""
    graph = defs.resolve_asset_graph()
    staging_of_format = {
        "labels": {STG_TALK_LONDON, dg.AssetKey(["staging", "stg_talk_london__respondents"])},
        "codes": {STG_YOUGOV, dg.AssetKey(["staging", "stg_yougov__respondents"])},
    }
    for source, export in load_questionnaire().exports.items():
        raw = dg.AssetKey(["raw", f"{source}_responses"])
        children = {k for k in graph.get(raw).child_keys if k.path[0] == "staging"}
        assert children == staging_of_format[export["values"]], source
    for key in set().union(*staging_of_format.values()):
        parents = graph.get(key).parent_keys
        assert parents <= RAW_KEYS | REF_KEYS
        assert dg.AssetKey(["ref", "sources"]) in parents


def test_every_asset_feeds_a_published_output_and_says_what_it_holds(defs) -> None:
    """No dead ends in the lineage: an asset nothing reads is one no publication needs. Every
    asset and check is described, and no two assets in the same words."""
    graph = defs.resolve_asset_graph()
    keys = list(graph.get_all_asset_keys())
    ends = {k.to_user_string() for k in keys if not graph.get(k).child_keys}
    assert ends == {
        "published/supplementary_tables",
        "published/figures",
        "published/consultation_marts",
    }
    descriptions = [graph.get(k).description for k in keys]
    assert all(descriptions) and len(set(descriptions)) == len(keys)
    assert all(graph.get(c).description for c in graph.asset_check_keys)


ANSWERS_KEY_TEST = (
    "one_row_per_member_int_answers_respondent_id__variable_id__source_ref_variables_"
)


def test_dbt_tests_are_asset_checks(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    key = dg.AssetCheckKey(INT_ANSWERS, ANSWERS_KEY_TEST)
    assert graph.get(key).description == (
        "dbt test: int_answers has at most one row per respondent_id and variable_id."
    )
    assert checks >= {
        (INT_ANSWERS, "assert_labels_decoded"),
        (STG_YOUGOV, "assert_yougov_codes_defined"),
        (
            INT_ANSWERS,
            "one_row_per_member_int_answers_respondent_id__variable_id__source_ref_variables_",
        ),
        (INT_RESPONSES, "equal_row_count_int_responses_ref_int_answers_"),
        (INT_RESPONSES, "assert_ref_keys_unique"),
    }


def test_job_schedule_and_sensor(defs: dg.Definitions) -> None:
    job = defs.resolve_job_def("full_pipeline")
    assert job.executor_def.name == "in_process"
    assert job.asset_layer.executable_asset_keys >= ALL_KEYS
    schedule = defs.resolve_schedule_def("daily_full_pipeline")
    assert schedule.job_name == "full_pipeline"
    assert defs.resolve_sensor_def("landing_folder_sensor").job_name == "full_pipeline"


def test_landing_sensor_runs_once_per_file_content(tmp_path: Path) -> None:
    export = tmp_path / "yougov_bame_boost_20211216.sav"
    export.write_bytes(b"v1")
    # SurveyPaths holds the run lock in runs, so it is a context-manager resource.
    paths = SurveyPaths(landing_dir=str(tmp_path))
    with dg.build_sensor_context(resources={"paths": paths}) as context:
        first = landing_folder_sensor(context)
        assert isinstance(first, dg.RunRequest)
        assert first.run_key == f"{export.name}@{hashlib.sha256(b'v1').hexdigest()[:16]}"
        assert isinstance(landing_folder_sensor(context), dg.SkipReason)

        # re-delivered identical content (new mtime) does nothing
        os.utime(export, (1_700_000_000, 1_700_000_000))
        assert isinstance(landing_folder_sensor(context), dg.SkipReason)

        # new content and a new file: one run naming both
        export.write_bytes(b"v2")
        (tmp_path / "talk_london_export_20211126.csv").write_text("new")
        changed = landing_folder_sensor(context)
        assert isinstance(changed, dg.RunRequest)
        assert changed.run_key == "|".join(
            sorted(
                [
                    f"talk_london_export_20211126.csv@{hashlib.sha256(b'new').hexdigest()[:16]}",
                    f"{export.name}@{hashlib.sha256(b'v2').hexdigest()[:16]}",
                ]
            )
        )


def test_schedule_requests_the_full_pipeline_daily(defs: dg.Definitions) -> None:
    schedule = defs.resolve_schedule_def("daily_full_pipeline")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Europe/London"
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2021, 12, 1, 6, 0, tzinfo=ZoneInfo("Europe/London"))
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.job_name in (None, "full_pipeline")


def test_one_dbt_step_runs_the_weighting_between_the_layers(defs: dg.Definitions) -> None:
    """The whole dbt project, the weighting's Python models included, is one multi-asset (one
    `dbt build`, one step); lineage runs int_respondents -> weights -> the models that read them,
    each weighting asset described in its own words and checked by dbt tests and the gates."""
    from orchestration.defs.weighting import MARGINS, POLL_WEIGHTS, SUMMARY

    graph = defs.resolve_asset_graph()
    dbt_steps = {
        graph.get(k).assets_def
        for k in graph.get_all_asset_keys()
        if k.path[0] in ("staging", "intermediate", "weights", "marts")
    }
    assert len(dbt_steps) == 1
    (step,) = dbt_steps
    assert {POLL_WEIGHTS, SUMMARY, MARGINS, STG_YOUGOV, INT_ANSWERS} <= step.keys
    respondents = dg.AssetKey(["intermediate", "int_respondents"])
    reads = {
        POLL_WEIGHTS: dg.AssetKey(["intermediate", "int_weighted_respondents"]),
        SUMMARY: dg.AssetKey(["marts", "mart_weighting"]),
        MARGINS: dg.AssetKey(["marts", "mart_weighting_margins"]),
    }
    for key, reader in reads.items():
        node = graph.get(key)
        assert node.group_name == "weighting" and "python" in node.kinds
        assert respondents in node.parent_keys and reader in node.child_keys
    descriptions = [graph.get(k).description for k in reads]
    assert all(descriptions) and len(set(descriptions)) == 3
    checks = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    assert {
        (POLL_WEIGHTS, "poll_weights"),  # the publication gates
        (SUMMARY, "weighting_efficiency"),
        (SUMMARY, "weighting_margins"),
        (POLL_WEIGHTS, "assert_poll_weights_positive_one_per_respondent"),  # dbt's
        (POLL_WEIGHTS, "unique_poll_weights_respondent_id"),
        (SUMMARY, "unique_weighting_summary_scope"),
    } <= checks
    assert all(graph.get(c).description for c in graph.asset_check_keys if c.asset_key in reads)
