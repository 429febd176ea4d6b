"""Loading into DuckDB: raw tables, lineage, ingest log, idempotent cumulative loads."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ingest import (
    ContractViolation,
    RawTableMismatch,
    Rule,
    export_sources,
    export_spec,
    load_export_source,
    reader_version,
)
from ingest.quality import REASONS as QUARANTINE_REASONS

TL = "talk_london"
REP = "yougov_representative"
BOOST = "yougov_bame_boost"
TL_TABLE = "raw.talk_london_responses"


def tl_csv(exports, landing: Path, date: str, table) -> Path:
    return exports.write_csv(table, landing / f"talk_london_export_{date}.csv")


def gender_by_id(warehouse) -> dict[int, str]:
    return dict(warehouse.query(f"SELECT response_id, gender FROM {TL_TABLE}"))


def test_sources_come_from_the_questionnaire() -> None:
    assert export_sources() == (TL, REP, BOOST)


def test_each_source_loads_into_its_raw_table(exports, landing: Path, warehouse) -> None:
    tl_csv(exports, landing, "20220121", exports.talk_london_table(n=4))
    for source_id, n in ((REP, 3), (BOOST, 2)):
        table = exports.yougov_table(n=n, source_id=source_id)
        exports.write_sav(table, landing / f"{source_id}_20211208.sav", source_id)

    summaries = {s: load_export_source(s, landing, warehouse.path) for s in export_sources()}

    assert {s: summary.respondents for s, summary in summaries.items()} == {
        TL: 4,
        REP: 3,
        BOOST: 2,
    }
    for source_id in export_sources():
        spec = export_spec(source_id)
        _, name = spec.table.split(".")
        columns = warehouse.query(
            "SELECT column_name, data_type FROM information_schema.columns"
            f" WHERE table_schema = 'raw' AND table_name = '{name}' ORDER BY ordinal_position"
        )
        assert dict(columns) == spec.raw_columns
    assert warehouse.raw_tables() == {
        "ingest_log",
        "quarantine",
        "talk_london_responses",
        "yougov_representative_responses",
        "yougov_bame_boost_responses",
    }
    lineage = warehouse.query(
        "SELECT DISTINCT _source_file, _export_date::VARCHAR, length(_source_sha256)"
        f" FROM {TL_TABLE}"
    )
    assert lineage == [("talk_london_export_20220121.csv", "2022-01-21", 64)]
    log = warehouse.query(
        "SELECT source_id, file_name, rows, export_date::VARCHAR, reader FROM raw.ingest_log"
        " ORDER BY source_id"
    )
    assert log == [
        (TL, "talk_london_export_20220121.csv", 4, "2022-01-21", reader_version(TL)),
        (BOOST, "yougov_bame_boost_20211208.sav", 2, "2021-12-08", reader_version(BOOST)),
        (REP, "yougov_representative_20211208.sav", 3, "2021-12-08", reader_version(REP)),
    ]
    metadata = summaries[TL].as_metadata()
    assert json.loads(json.dumps(metadata)) == metadata
    assert metadata["table"] == TL_TABLE and metadata["respondents"] == 4
    assert metadata["latest_export_date"] == "2022-01-21"
    assert metadata["reader"].startswith("polars ") and " / fastexcel " in metadata["reader"]
    assert metadata["files"][0]["status"] == "loaded" and metadata["files"][0]["new"] == 4
    assert metadata["files"][0]["quarantined"] == 0
    assert metadata["quarantined"] == dict.fromkeys(QUARANTINE_REASONS, 0)
    assert warehouse.query("SELECT count(*) FROM raw.quarantine") == [(0,)]


def test_user_missing_codes_survive_into_the_warehouse(exports, landing: Path, warehouse) -> None:
    table = exports.yougov_table(n=3)
    table.set(0, "Q1", 98)
    table.set(1, "Q10", 99)
    exports.write_sav(table, landing / f"{REP}_20211208.sav", REP)
    load_export_source(REP, landing, warehouse.path)
    rows = warehouse.query(f"SELECT b_support, c_victim_crime FROM raw.{REP}_responses")
    assert rows[0][0] == 98 and rows[1][1] == 99


def test_same_file_twice_is_skipped(exports, landing: Path, warehouse) -> None:
    tl_csv(exports, landing, "20220121", exports.talk_london_table(n=4))
    load_export_source(TL, landing, warehouse.path)
    again = load_export_source(TL, landing, warehouse.path)
    assert [f.status for f in again.files] == ["skipped"]
    assert again.as_metadata()["files_skipped"] == 1
    assert again.respondents == 4
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(1,)]


def test_later_cumulative_export_replaces_rows(exports, landing: Path, warehouse) -> None:
    first = exports.talk_london_table(n=3)
    tl_csv(exports, landing, "20211210", first)
    load_export_source(TL, landing, warehouse.path)
    later = exports.talk_london_table(n=5)
    later.set(0, "Gender", "Prefer not to say")  # respondent 1001 changed an answer
    tl_csv(exports, landing, "20220107", later)

    summary = load_export_source(TL, landing, warehouse.path)

    assert [(f.status, f.new, f.updated) for f in summary.files] == [
        ("skipped", 0, 0),
        ("loaded", 2, 3),
    ]
    assert summary.respondents == 5
    assert gender_by_id(warehouse)[1001] == "Prefer not to say"
    assert warehouse.query(f"SELECT DISTINCT _export_date::VARCHAR FROM {TL_TABLE}") == [
        ("2022-01-07",)
    ]


def test_older_export_never_overwrites_newer_rows(exports, landing: Path, warehouse) -> None:
    newer = exports.talk_london_table(n=4)
    newer.set(0, "Gender", "Prefer not to say")
    tl_csv(exports, landing, "20220107", newer)
    load_export_source(TL, landing, warehouse.path)
    older = exports.talk_london_table(n=5)  # holds 1005, which the newer export lacks
    tl_csv(exports, landing, "20211210", older)

    summary = load_export_source(TL, landing, warehouse.path)

    assert [(f.file_name, f.status, f.new, f.updated) for f in summary.files] == [
        ("talk_london_export_20211210.csv", "superseded", 0, 0),
        ("talk_london_export_20220107.csv", "skipped", 0, 0),
    ]
    genders = gender_by_id(warehouse)
    assert sorted(genders) == [1001, 1002, 1003, 1004]  # the latest export's respondents only
    assert genders[1001] == "Prefer not to say"
    assert summary.latest_export_date.isoformat() == "2022-01-07"
    assert summary.as_metadata()["files_superseded"] == 1
    # the history keeps both files
    assert warehouse.query("SELECT file_name, rows FROM raw.ingest_log ORDER BY export_date") == [
        ("talk_london_export_20211210.csv", 5),
        ("talk_london_export_20220107.csv", 4),
    ]


def test_the_latest_export_supersedes_and_absent_respondents_leave(
    exports, landing: Path, warehouse
) -> None:
    tl_csv(exports, landing, "20211210", exports.talk_london_table(n=4))
    load_export_source(TL, landing, warehouse.path)
    later = exports.talk_london_table(n=5, first_id=1002)  # 1001 withdrew, 1005 and 1006 new
    tl_csv(exports, landing, "20220107", later)

    summary = load_export_source(TL, landing, warehouse.path)

    loaded = summary.files[-1]
    assert (loaded.status, loaded.new, loaded.updated, loaded.absent) == ("loaded", 2, 3, 1)
    assert sorted(gender_by_id(warehouse)) == [1002, 1003, 1004, 1005, 1006]
    metadata = summary.as_metadata()
    assert metadata["respondents_absent"] == 1 and metadata["respondents"] == 5
    assert metadata["delivered"] == "yes"
    assert warehouse.query(f"SELECT DISTINCT _source_file FROM {TL_TABLE}") == [
        ("talk_london_export_20220107.csv",)
    ]


def test_several_cumulative_exports_in_one_load_keep_the_latest(
    exports, landing: Path, warehouse
) -> None:
    for date, n in (("20211210", 3), ("20211220", 5), ("20220107", 7)):
        tl_csv(exports, landing, date, exports.talk_london_table(n=n))
    summary = load_export_source(TL, landing, warehouse.path)
    assert [(f.status, f.new, f.updated) for f in summary.files] == [
        ("loaded", 3, 0),
        ("loaded", 2, 3),
        ("loaded", 2, 5),
    ]
    assert summary.respondents == 7
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(3,)]


@pytest.mark.parametrize("same_run", [True, False], ids=["one-load", "two-loads"])
def test_a_later_export_with_fewer_respondents_is_refused(
    exports, landing: Path, warehouse, same_run: bool
) -> None:
    tl_csv(exports, landing, "20211210", exports.talk_london_table(n=8))
    if not same_run:
        load_export_source(TL, landing, warehouse.path)
    tl_csv(exports, landing, "20220107", exports.talk_london_table(n=5))
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert (info.value.file, info.value.rule) == (
        "talk_london_export_20220107.csv",
        Rule.SHRINKING_EXPORT,
    )
    assert str(info.value).startswith(
        "talk_london_export_20220107.csv: holds 5 respondents, fewer than the 8 of"
        " talk_london_export_20211210.csv, the export it supersedes"
    )
    if same_run:
        assert warehouse.raw_tables() == set()
    else:
        assert warehouse.query(f"SELECT count(*) FROM {TL_TABLE}") == [(8,)]


def test_identical_copies_do_not_count_as_respondents(exports, landing: Path, warehouse) -> None:
    first = exports.talk_london_table(n=40)
    first.rows.append(list(first.rows[0]))  # 41 rows, 40 respondents
    tl_csv(exports, landing, "20211210", first)
    load_export_source(TL, landing, warehouse.path)
    tl_csv(exports, landing, "20220107", exports.talk_london_table(n=40))  # same 40: accepted
    summary = load_export_source(TL, landing, warehouse.path)
    assert summary.files[-1].status == "loaded" and summary.respondents == 40


def test_xlsx_and_csv_of_one_export_load_the_same(exports, tmp_path: Path) -> None:
    table = exports.talk_london_table(n=6)
    contents = {}
    for formats in (("xlsx",), ("csv",), ("xlsx", "csv")):
        landing = tmp_path / "-".join(formats)
        landing.mkdir()
        for ext in formats:
            writer = exports.write_xlsx if ext == "xlsx" else exports.write_csv
            writer(table, landing / f"talk_london_export_20220121.{ext}")
        path = landing / "warehouse.duckdb"
        summary = load_export_source(TL, landing, path)
        assert [f.format for f in summary.files] == list(formats)
        with duckdb.connect(str(path), read_only=True) as con:
            contents[formats] = con.sql(
                f"SELECT * EXCLUDE (_source_file, _source_sha256) FROM {TL_TABLE}"
                " ORDER BY response_id"
            ).pl()
    assert contents[("xlsx",)].equals(contents[("csv",)])
    assert contents[("xlsx",)].equals(contents[("xlsx", "csv")])


def test_xlsx_and_csv_that_differ_are_rejected(exports, landing: Path, warehouse) -> None:
    table = exports.talk_london_table(n=4)
    exports.write_xlsx(table, landing / "talk_london_export_20220121.xlsx")
    table.set(2, "Gender", "Prefer not to say")
    exports.write_csv(table, landing / "talk_london_export_20220121.csv")
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert (info.value.file, info.value.rule) == (
        "talk_london_export_20220121.csv",
        Rule.FORMATS_DIFFER,
    )
    assert str(info.value) == (
        "talk_london_export_20220121.csv: differs from talk_london_export_20220121.xlsx (same"
        " export date): column 'Gender' differs for the respondent in row 4 here (row 4 there)"
    )
    assert warehouse.raw_tables() == set()


def test_a_bad_new_export_leaves_loaded_data_untouched(exports, landing: Path, warehouse) -> None:
    tl_csv(exports, landing, "20211210", exports.talk_london_table(n=3))
    load_export_source(TL, landing, warehouse.path)
    broken = exports.talk_london_table(n=5)
    broken.set(4, "Gender", "Mail")
    tl_csv(exports, landing, "20220107", broken)
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert (info.value.file, info.value.row) == ("talk_london_export_20220107.csv", 6)
    assert warehouse.query(f"SELECT count(*) FROM {TL_TABLE}") == [(3,)]
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(1,)]


def test_one_bad_file_stops_every_file_of_the_load(exports, landing: Path, warehouse) -> None:
    tl_csv(exports, landing, "20211210", exports.talk_london_table(n=3))
    broken = exports.talk_london_table(n=5)
    broken.drop("Status")
    tl_csv(exports, landing, "20220107", broken)
    with pytest.raises(ContractViolation, match="talk_london_export_20220107.csv: column 'Status'"):
        load_export_source(TL, landing, warehouse.path)
    assert warehouse.raw_tables() == set()


def test_a_source_not_yet_delivered_is_not_an_error(exports, landing: Path, warehouse) -> None:
    summary = load_export_source(REP, landing, warehouse.path)
    assert (summary.delivered, summary.files, summary.respondents) == (False, (), 0)
    assert summary.latest_export_date is None
    assert summary.as_metadata()["delivered"] == "no"
    assert warehouse.query(f"SELECT count(*) FROM raw.{REP}_responses") == [(0,)]
    # delivered later: loads as usual; the other sources were never in the way
    tl_csv(exports, landing, "20220121", exports.talk_london_table(n=3))
    assert load_export_source(TL, landing, warehouse.path).delivered
    assert not load_export_source(BOOST, landing, warehouse.path).delivered


def test_unknown_source(landing: Path, warehouse) -> None:
    with pytest.raises(ValueError, match="unknown export source 'ipsos'"):
        load_export_source("ipsos", landing, warehouse.path)


def test_raw_table_that_no_longer_matches_the_questionnaire(
    exports, landing: Path, warehouse
) -> None:
    tl_csv(exports, landing, "20211210", exports.talk_london_table(n=3))
    load_export_source(TL, landing, warehouse.path)
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute(f"ALTER TABLE {TL_TABLE} DROP COLUMN gender")
    tl_csv(exports, landing, "20220107", exports.talk_london_table(n=4))
    with pytest.raises(RawTableMismatch, match=r"missing \['gender'\]"):
        load_export_source(TL, landing, warehouse.path)
    assert warehouse.query(f"SELECT count(*) FROM {TL_TABLE}") == [(3,)]
