"""Nothing respondent-level leaks: the pipeline runs on the sample seeded with marker strings in
both routes (Talk London: a member uid, a response id and a comment whose author refused
quotation; YouGov: a record number and an open answer (Q43) whose author refused quotation),
then every published file, every other artefact of the build folder (dbt logs, validation
results), and every Dagster event of the run are searched for them (issue 6, section 3).

YouGov's other variables are numeric codes (demographics included): they cannot carry a marker
string, and a code value is not unique enough to search for.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import polars as pl
import pyreadstat
import pytest
from dagster._serdes import serialize_value

from ingest.talk_london import read_talk_london
from publication.release_folder import PUBLISHED

LATEST = "talk_london_export_20220121"
POLL = "yougov_representative"
MARKER_UID = "MARKER-UID-5c1f"
MARKER_COMMENT = "MARKER-COMMENT-9a7e"
MARKER_ID = 987650123
MARKER_POLL_COMMENT = "MARKER-POLLCOMMENT-4b8d"
MARKER_RECORD = 987650456
MARKERS = (MARKER_UID, MARKER_COMMENT, str(MARKER_ID), MARKER_POLL_COMMENT, str(MARKER_RECORD))
PERMISSION = "May we quote your comments anonymously in the published report?"
POLL_COMMENT, POLL_PERMISSION, NO = "Q43", "Q44", 2


def _seed_poll(source: Path, target: Path) -> None:
    """The poll's .sav with one respondent who refused quotation marked: record and Q43."""
    frame, meta = pyreadstat.read_sav(source, user_missing=True)
    candidates = frame.index[
        (frame[POLL_PERMISSION] == NO) & (frame[POLL_COMMENT].str.len() > 40)
    ].tolist()
    assert candidates, "the sample has a poll commenter who refused quotation"
    at = candidates[-1]
    frame.loc[at, "record"] = float(MARKER_RECORD)
    frame.loc[at, POLL_COMMENT] = f"{frame.loc[at, POLL_COMMENT]} {MARKER_POLL_COMMENT}"
    # pyreadstat declares a string variable as wide as its longest value; pad the first one
    # (readers drop trailing blanks) so Q43 keeps the width it was delivered with.
    width = meta.variable_storage_width[POLL_COMMENT]
    first = frame.loc[0, POLL_COMMENT] or ""
    frame.loc[0, POLL_COMMENT] = first + " " * (width - len(first.encode("utf-8")))
    pyreadstat.write_sav(
        frame,
        target,
        column_labels=meta.column_names_to_labels,
        variable_value_labels=meta.variable_value_labels,
        missing_ranges=meta.missing_ranges,
    )


def _seed(sample_landing: Path, landing: Path) -> None:
    """The sample with the latest Talk London export as CSV only, one respondent marked in it,
    and one respondent of the Representative Poll marked."""
    landing.mkdir()
    for path in sample_landing.iterdir():
        if path.is_file() and path.name != f"{LATEST}.xlsx":
            shutil.copy(path, landing / path.name)
    (poll,) = landing.glob(f"{POLL}_*.sav")
    _seed_poll(sample_landing / poll.name, poll)
    earlier = set(
        read_talk_london(sample_landing / "talk_london_export_20220107.xlsx")["response_id"]
    )
    frame = pl.read_csv(landing / f"{LATEST}.csv", infer_schema=False)
    comment = next(c for c in frame.columns if c.startswith("Are there any other police"))
    candidates = [
        i
        for i, row in enumerate(frame.iter_rows(named=True))
        if int(row["Response ID"]) not in earlier
        and row[PERMISSION] == "No"
        and row[comment] is not None
        and len(row[comment]) > 40
    ]
    assert candidates, "the sample has a new commenter who refused quotation"
    at = candidates[0]
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == at).then(pl.lit(v)).otherwise(pl.col(c)).alias(c)
        for c, v in (
            ("Member UID", MARKER_UID),
            ("Response ID", str(MARKER_ID)),
            (comment, f"{frame[comment][at]} {MARKER_COMMENT}"),
        )
    )
    frame.write_csv(landing / f"{LATEST}.csv")


def _texts(path: Path):
    """(where, text) for everything readable in one file."""
    data = path.read_bytes()
    yield str(path), data.decode("utf-8", errors="ignore")
    if path.suffix in (".xlsx", ".xlsm"):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member).decode("utf-8", errors="ignore")
        workbook = openpyxl.load_workbook(path, read_only=True)
        for ws in workbook.worksheets:
            for row in ws.iter_rows(values_only=True):
                yield f"{path}!{ws.title}", " ".join(str(c) for c in row if c is not None)
    if path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as con:
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall():
                rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
                yield f"{path}!{schema}.{table}", repr(rows)


@pytest.fixture(scope="module")
def marked_run(defs, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("marked")
    landing, build = root / "landing", root / "build"
    _seed(sample_landing, landing)
    instance = dg.DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SURVEY_LANDING_DIR", str(landing))
        mp.setenv("SURVEY_BUILD_DIR", str(build))
        result = defs.resolve_job_def("full_pipeline").execute_in_process(
            instance=instance, raise_on_error=False
        )
    return result, instance, build


@pytest.mark.slow
def test_markers_reach_the_warehouse(marked_run) -> None:
    result, _, build = marked_run
    assert result.success, "the marked sample must publish, or the scan proves nothing"
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        (found,) = con.execute(
            "select count(*) from raw.talk_london_responses where member_uid = ? "
            "and response_id = ? and i_missing like ?",
            [MARKER_UID, MARKER_ID, f"%{MARKER_COMMENT}"],
        ).fetchone()
        (in_poll,) = con.execute(
            f"select count(*) from raw.{POLL}_responses where record = ? and i_missing like ?",
            [MARKER_RECORD, f"%{MARKER_POLL_COMMENT}"],
        ).fetchone()
        # ... and on through dbt: the marked poll respondent is modelled (id `rep-<record>`).
        (modelled,) = con.execute(
            "select count(*) from intermediate.int_respondents where respondent_id = ?",
            [f"rep-{MARKER_RECORD}"],
        ).fetchone()
    assert (found, in_poll, modelled) == (1, 1, 1)


@pytest.mark.slow
def test_no_marker_in_any_published_file_or_build_artefact(marked_run) -> None:
    _, _, build = marked_run
    assert (build / PUBLISHED).is_symlink()
    leaks = []
    scanned = 0
    for path in sorted(build.rglob("*")):
        if not path.is_file() or path.name.startswith("warehouse.duckdb"):
            continue
        scanned += 1
        for where, text in _texts(path):
            leaks += [(where, m) for m in MARKERS if m in text]
    assert scanned > 20
    assert leaks == []


@pytest.mark.slow
def test_no_marker_in_the_dagster_events_or_metadata(marked_run) -> None:
    result, instance, _ = marked_run
    texts = [serialize_value(e) for e in result.all_events]
    texts += [serialize_value(r) for r in instance.all_logs(result.run_id)]
    assert len(texts) > 50
    leaks = [(i, m) for i, text in enumerate(texts) for m in MARKERS if m in text]
    assert leaks == []
