"""Security and disclosure: owner-only warehouse, landing-folder names never used as paths,
the read-only marts file, and the small-base flag consistent across the release (issue 6, 3)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from infra.warehouse import PRIVATE_MODE, connect_warehouse
from ingest import ContractViolation, Rule, load_export_source
from publication.bi_marts import FILE_NAME as MARTS_FILE
from publication.release import CSV_DIR, WORKBOOK, publish_release
from publication.release_folder import PUBLISHED
from survey.questionnaire import load_questionnaire

from .conftest import published_hashes, revise_a_figure

NAME = "talk_london_export_20220121"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_warehouse_of_a_full_run_is_owner_only(full_run) -> None:
    _, build = full_run
    warehouse = build / "warehouse.duckdb"
    assert _mode(warehouse) == PRIVATE_MODE
    assert not Path(f"{warehouse}.wal").exists()
    # The publication is separate from the warehouse and holds no copy of it.
    published = (build / PUBLISHED).resolve()
    assert warehouse.parent not in published.parents or published != warehouse.parent
    assert not list(published.rglob("warehouse.duckdb*"))


def test_warehouse_and_wal_are_owner_only_while_written(tmp_path: Path) -> None:
    warehouse = tmp_path / "build" / "warehouse.duckdb"
    with connect_warehouse(warehouse) as con:
        con.execute("create table t as select range as i from range(100000)")
        con.execute("insert into t select 1")
        wal = Path(f"{warehouse}.wal")
        assert _mode(warehouse) == PRIVATE_MODE
        if wal.exists():
            assert _mode(wal) == PRIVATE_MODE
    assert _mode(warehouse) == PRIVATE_MODE
    # A file another writer (dbt) left readable is tightened when a writer next opens it.
    warehouse.chmod(0o644)
    with connect_warehouse(warehouse, read_only=True):
        pass
    assert _mode(warehouse) == PRIVATE_MODE


def test_a_fresh_warehouse_is_created_owner_only(tmp_path: Path, monkeypatch) -> None:
    """The questionnaire asset, the first writer of a fresh build, creates the warehouse 0600
    (umask 077), not readable first and tightened later: tightening is switched off here."""
    import dagster as dg

    import orchestration.defs.questionnaire
    import orchestration.resources
    from orchestration.resources import SurveyPaths

    for module in (orchestration.defs.questionnaire, orchestration.resources):
        monkeypatch.setattr(module, "make_private", lambda path: None)
    build = tmp_path / "build"
    paths = SurveyPaths(build_dir=str(build))
    assert dg.materialize(
        [orchestration.defs.questionnaire.questionnaire], resources={"paths": paths}
    ).success
    assert _mode(build / "warehouse.duckdb") == PRIVATE_MODE


def test_warehouse_path_resource_tightens_the_mode(tmp_path: Path) -> None:
    from orchestration.resources import SurveyPaths

    build = tmp_path / "build"
    build.mkdir()
    duckdb.connect(str(build / "warehouse.duckdb")).close()
    (build / "warehouse.duckdb").chmod(0o644)
    assert _mode(SurveyPaths(build_dir=str(build)).warehouse_path) == PRIVATE_MODE


def test_symlinked_export_pointing_outside_the_landing_folder_is_rejected(
    builders, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = builders.write_csv(builders.talk_london_table(), outside / "secret.csv")
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / f"{NAME}.csv").symlink_to(secret)
    warehouse = tmp_path / "w" / "warehouse.duckdb"
    with pytest.raises(ContractViolation) as caught:
        load_export_source("talk_london", landing, warehouse)
    assert caught.value.rule == Rule.FILE_NAME
    assert "symbolic link" in str(caught.value)
    assert str(outside) not in str(caught.value)
    assert not warehouse.exists()


def test_names_with_dots_or_a_linked_folder_never_leave_the_landing_folder(
    builders, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    # Names that merely look like traversal are not export names: ignored or rejected by name.
    (landing / "..talk_london_export_20220121.csv").write_text("x")
    (landing / "talk_london_export_..csv").write_text("x")
    # A linked folder is never descended into.
    (tmp_path / "elsewhere").mkdir()
    builders.write_csv(builders.talk_london_table(), tmp_path / "elsewhere" / f"{NAME}.csv")
    (landing / "talk_london_export_nested").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ContractViolation) as caught:
        load_export_source("talk_london", landing, tmp_path / "w" / "warehouse.duckdb")
    assert {v.rule for v in caught.value.violations} == {Rule.FILE_NAME}
    assert {v.file for v in caught.value.violations} == {
        "talk_london_export_..csv",
        "talk_london_export_nested",
    }


def test_opening_the_published_marts_file_read_write_by_mistake(good_build: Path) -> None:
    """The BI file is 0444: a read-write open fails (as root it is allowed, so the test then
    shows the mistaken writer cannot disturb a new release); publishing still works."""
    marts = (good_build / PUBLISHED / MARTS_FILE).resolve()  # the current release's file
    assert _mode(marts) == 0o444
    reader = duckdb.connect(str(marts), read_only=True)  # a BI tool holding the file
    before = reader.execute("select count(*) from marts.fct_estimates").fetchone()[0]
    writer = None
    if os.geteuid() != 0:
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(marts))
    else:
        reader.close()
        writer = duckdb.connect(str(marts))  # root ignores the mode: the mistake succeeds
    try:
        revise_a_figure(good_build)
        outcome = publish_release(good_build / "warehouse.duckdb", good_build, "after-mistake")
        release = outcome.release
        assert release.marts.path.resolve() != marts
        with duckdb.connect(str(good_build / PUBLISHED / MARTS_FILE), read_only=True) as fresh:
            assert fresh.execute("select count(*) from marts.fct_estimates").fetchone()[0] == before
        if writer is None:  # the reader holding the old file keeps reading it
            assert (
                reader.execute("select count(*) from marts.fct_estimates").fetchone()[0] == before
            )
    finally:
        (writer or reader).close()


def test_small_bases_are_flagged_everywhere_in_the_release(full_run) -> None:
    """Small bases are flagged `[u]`, not suppressed (publication/shorthand.py): every figure on
    an unweighted base below the threshold carries the flag in the CSVs, the BI file and the
    workbook; the blocking GX expectation in expectations/figures.py enforces it in the marts."""
    _, build = full_run
    threshold = int(load_questionnaire().analysis["small_base_threshold"])
    published = build / PUBLISHED
    csvs = [p for p in (published / CSV_DIR).glob("*.csv") if "quote" not in p.stem]
    frames = [pl.read_csv(p, infer_schema_length=0) for p in csvs]
    frame = pl.concat(
        [f for f in frames if {"flag", "unweighted_base", "value"} <= set(f.columns)],
        how="diagonal_relaxed",
    )
    frame = frame.with_columns(
        pl.col("unweighted_base").cast(pl.Float64), pl.col("value").cast(pl.Float64)
    )
    # Counts (comments per theme) are exact numbers, not estimates: they carry [z]; every
    # estimate (percentages, ranks) on a small base carries [u].
    estimates = pl.col("measure") != "count"
    small = frame.filter(
        (pl.col("unweighted_base") < threshold) & pl.col("value").is_not_null() & estimates
    )
    assert small.height, "the sample has small bases"
    assert set(small["flag"]) == {"[u]"}
    flagged = frame.filter(pl.col("flag") == "[u]")
    assert (flagged["unweighted_base"] < threshold).all()
    # The BI file: every marts table with bases carries the flag on every small base.
    with duckdb.connect(str(published / MARTS_FILE), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_columns() where schema_name = 'marts' "
                "and column_name in ('unweighted_base', 'small_base') "
                "group by table_name having count(*) = 2"
            ).fetchall()
        ]
        counts = {
            t: con.execute(
                f"select count(*) filter (where unweighted_base < ? "
                f"and not coalesce(small_base, false)), count(*) filter (where small_base) "
                f"from marts.{t}",
                [threshold],
            ).fetchone()
            for t in tables
        }
    assert "fct_estimates" in counts and len(counts) > 5, counts
    assert {t: bad for t, (bad, _) in counts.items() if bad} == {}
    assert counts["fct_estimates"][1] > 0
    # The workbook: each table's sheet has exactly as many [u] flags as its CSV has rows.
    workbook = openpyxl.load_workbook(published / WORKBOOK, read_only=True)
    by_sheet = {
        ws.title: sum(c == "[u]" for row in ws.iter_rows(values_only=True) for c in row)
        for ws in workbook.worksheets
    }
    by_csv = {
        p.stem: int((f["flag"] == "[u]").sum())
        for p, f in zip(csvs, frames, strict=True)
        if "flag" in f.columns
    }
    assert len(by_csv) >= 100 and sum(by_csv.values()) > 0
    assert {t: by_sheet.get(t) for t in by_csv} == by_csv
    assert published_hashes(build)  # the release is complete and readable
