"""The Dagster assets and checks of `orchestration.defs.comments`, on a warehouse holding only
`intermediate.int_responses` (built from the sample), so no dbt run is needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

import comments.warehouse
from comments.publish import write_agreement_csv
from ingest.coded_comments import DOUBLE_CODED_FILE
from orchestration.defs import comments as defs
from orchestration.resources import SurveyPaths
from survey.pack import PACKS_DIR, SETTING

EMAIL = "jane.doe@example.com"


def _warehouse(folder: Path, sample_comments: pl.DataFrame) -> SurveyPaths:
    for sub in ("landing", "build"):
        (folder / sub).mkdir(parents=True)
    long = pl.concat(
        [
            sample_comments.select(
                "respondent_id",
                "text",
                "in_base",
                variable_id=pl.lit("I_MISSING"),
                code=pl.lit(None, dtype=pl.Int32),
            ),
            sample_comments.select(
                "respondent_id",
                text=pl.lit(None, dtype=pl.String),
                in_base=pl.lit(True),
                variable_id=pl.lit("I_QUOTE_PERMISSION"),
                code=pl.col("quote_permission"),
            ),
        ]
    )
    with duckdb.connect(str(folder / "build" / "warehouse.duckdb")) as con:
        con.execute("create schema intermediate")
        con.register("long", long)
        con.execute("create table intermediate.int_responses as select * from long")
        con.register("respondents", sample_comments.select("respondent_id", "route", "poll"))
        con.execute("create table intermediate.int_respondents as select * from respondents")
    return SurveyPaths(landing_dir=str(folder / "landing"), build_dir=str(folder / "build"))


@dg.asset(deps=[defs.PUBLISHED_QUOTES])
def publication() -> None:
    """Stands for the publication step downstream of the quotes."""


def _run(paths: SurveyPaths) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [
            defs.comment_tables,
            publication,
            defs.quotes_hold_no_personal_data,
            defs.exclusion_agrees_with_warehouse,
        ],
        resources={"paths": paths},
        raise_on_error=False,
    )


def test_asset_keys_checks_and_lineage() -> None:
    specs = {spec.key: spec for spec in defs.comment_tables.specs}
    assert set(specs) == set(defs.DESCRIPTIONS)
    assert all(spec.deps[0].asset_key == defs.INT_RESPONSES for spec in specs.values())
    (gate,) = defs.quotes_hold_no_personal_data.check_specs
    assert gate.asset_key == defs.PUBLISHED_QUOTES and gate.blocking


def test_assets_write_the_comment_tables(tmp_path: Path, sample_comments: pl.DataFrame) -> None:
    paths = _warehouse(tmp_path, sample_comments)
    result = _run(paths)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'comments'"
            ).fetchall()
        }
    assert tables == {k.path[-1] for k in defs.DESCRIPTIONS}


def test_manual_codes_from_the_landing_folder(tmp_path: Path, sample_comments) -> None:
    paths = _warehouse(tmp_path, sample_comments)
    rid = sample_comments.filter(pl.col("in_base"))["respondent_id"][0]
    (Path(paths.landing_dir) / "coded_comments_20220301.csv").write_text(
        f"respondent_id,themes,coder,note\n{rid},drugs,AB,\n", encoding="utf-8"
    )
    result = _run(paths)
    assert result.success
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        manual = con.execute(
            "select theme_id, source from comments.coded_comments where respondent_id = ?", [rid]
        ).fetchall()
    assert manual == [("drugs", "manual")]


def test_a_bad_coded_comments_file_stops_the_build(tmp_path: Path, sample_comments) -> None:
    paths = _warehouse(tmp_path, sample_comments)
    (Path(paths.landing_dir) / "coded_comments_20220301.csv").write_text(
        "respondent_id,themes,coder,note\ntl-1,drug,AB,\n", encoding="utf-8"
    )
    result = _run(paths)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "coded_comments_20220301.csv: column 'themes' row 2" in str(failure)


def test_a_quote_with_personal_data_blocks_publication(
    tmp_path: Path, sample_comments, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaked = pl.DataFrame(
        {"theme_id": ["drugs"], "quote_number": [1], "route": ["polls"], "quote": [f"Mail {EMAIL}"]}
    )
    monkeypatch.setattr(comments.warehouse, "select_quotes", lambda *args: leaked)
    result = _run(_warehouse(tmp_path, sample_comments))
    (gate,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "quotes_hold_no_personal_data"
    ]
    assert not gate.passed
    assert gate.metadata["found_email"].value == 1
    assert EMAIL not in str(gate.metadata)
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey("publication") not in materialized


def test_coder_agreement_asset_and_its_floor(tmp_path: Path) -> None:
    paths = SurveyPaths(build_dir=str(tmp_path / "fresh_build"))
    result = dg.materialize(
        [defs.coder_agreement_table, defs.coder_agrees_with_analysts],
        resources={"paths": paths},
    )
    [check] = result.get_asset_check_evaluations()
    assert (check.passed, check.severity) == (True, dg.AssetCheckSeverity.ERROR)
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        datasets = con.execute(
            "select dataset, count(*) from comments.coder_agreement group by all order by all"
        ).fetchall()
    assert datasets == [("analysts", 15), ("automatic", 15)]


def test_coder_agreement_not_measured_warns_and_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACKS_DIR / "mopac_pcp_2021", pack)
    (pack / DOUBLE_CODED_FILE).unlink()
    monkeypatch.setenv(SETTING, str(pack))

    @dg.asset(deps=[defs.CODER_AGREEMENT])
    def downstream() -> None:
        """Stands for the publication step downstream of the agreement."""

    paths = SurveyPaths(build_dir=str(tmp_path / "fresh_build"))
    result = dg.materialize(
        [defs.coder_agreement_table, defs.coder_agrees_with_analysts, downstream],
        resources={"paths": paths},
    )
    [check] = result.get_asset_check_evaluations()
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert "not measured" in check.metadata["summary"].value
    assert dg.AssetKey("downstream") in {
        e.asset_key for e in result.get_asset_materialization_events()
    }
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        assert con.execute("select count(*) from comments.coder_agreement").fetchall() == [(0,)]
        written = write_agreement_csv(con, tmp_path / "published")
    rows = pl.read_csv(written).select("theme_id", "dataset", "kappa").rows()
    assert rows == [("all_themes", "not_measured", None)]
