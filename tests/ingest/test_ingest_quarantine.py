"""Quarantine: rows that are real deliveries but must not be analysed go to `raw.quarantine`
with a reason, never to the raw tables; too many of them reject the source (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import ContractViolation, Rule, export_spec, load_export_source
from ingest.quality import REASONS, quality_rules

TL = "talk_london"
REP = "yougov_representative"
NAME = "talk_london_export_20220121"
TL_TABLE = "raw.talk_london_responses"
ROWS_NOTE = " (rows are spreadsheet rows; the header is row 1)"
SPEEDING = "(the lesser of the file's median time / 3 and 240 s)"


def counts(**found: int) -> dict[str, int]:
    return {reason: found.get(reason, 0) for reason in REASONS}


def quarantine(warehouse, where: str = "true") -> list[tuple]:
    return warehouse.query(
        "SELECT file_name, file_row, respondent_id, reason, detail FROM raw.quarantine"
        f" WHERE {where} ORDER BY file_name, file_row"
    )


def loaded_ids(warehouse, table: str = TL_TABLE, column: str = "response_id") -> set[int]:
    return {i for (i,) in warehouse.query(f"SELECT {column} FROM {table}")}


def set_times(table, row: int, started: str, submitted: str) -> None:
    table.set(row, "Time Started", started)
    table.set(row, "Date Submitted", submitted)


def test_test_preview_and_partial_rows_are_quarantined(exports, landing: Path, warehouse) -> None:
    table = exports.talk_london_table(n=60)
    for row, status in ((3, "Test"), (10, "Preview"), (20, "Incomplete")):
        table.set(row, "Status", status)
    exports.write_csv(table, landing / f"{NAME}.csv")

    summary = load_export_source(TL, landing, warehouse.path)

    assert summary.respondents == 57  # 3 of 60 rows (5%, the tolerance) quarantined
    assert loaded_ids(warehouse) == set(range(1001, 1061)) - {1004, 1011, 1021}
    assert summary.quarantined == counts(test_or_preview=2, partial=1)
    assert [(f.rows, f.quarantined) for f in summary.files] == [(60, 3)]
    assert quarantine(warehouse) == [
        (f"{NAME}.csv", 5, 1004, "test_or_preview", "Status marks a test or preview response"),
        (f"{NAME}.csv", 12, 1011, "test_or_preview", "Status marks a test or preview response"),
        (f"{NAME}.csv", 22, 1021, "partial", "Status marks a partial response"),
    ]
    assert warehouse.query("SELECT rows FROM raw.ingest_log") == [(60,)]
    assert warehouse.query(
        "SELECT DISTINCT source_id, file_sha256 = (SELECT sha256 FROM raw.ingest_log),"
        " export_date::VARCHAR FROM raw.quarantine"
    ) == [(TL, True, "2022-01-21")]


def test_identical_copies_are_quarantined_and_one_row_is_kept(
    exports, landing: Path, warehouse
) -> None:
    table = exports.talk_london_table(n=40)
    table.rows.insert(12, list(table.rows[5]))  # row 14 copies row 7 (id 1006) ...
    table.rows.append(list(table.rows[5]))  # ... and so does the last row, 43
    exports.write_csv(table, landing / f"{NAME}.csv")

    summary = load_export_source(TL, landing, warehouse.path)

    assert summary.respondents == 40 and summary.quarantined == counts(duplicate_identical=2)
    assert warehouse.query(f"SELECT count(*) FROM {TL_TABLE} WHERE response_id = 1006") == [(1,)]
    assert quarantine(warehouse) == [
        (f"{NAME}.csv", 14, 1006, "duplicate_identical", "identical copy of row 7"),
        (f"{NAME}.csv", 43, 1006, "duplicate_identical", "identical copy of row 7"),
    ]


def test_outside_the_fieldwork_window_in_both_routes(exports, landing: Path, warehouse) -> None:
    windows = quality_rules().fieldwork
    assert [str(d) for d in windows[TL]] == ["2021-11-19", "2022-01-21"]
    table = exports.talk_london_table(n=60)
    set_times(table, 0, "2021-11-18 23:50:00", "2021-11-18 23:59:59")  # the day before
    set_times(table, 1, "2022-01-21 23:59:00", "2022-01-22 00:00:10")  # just after the last day
    set_times(table, 2, "2022-01-21 23:50:00", "2022-01-21 23:59:59")  # last second: inside
    set_times(table, 3, "2021-11-18 23:59:00", "2021-11-19 00:00:10")  # started before: screened
    set_times(table, 4, "2021-11-19 00:00:00", "2021-11-19 00:10:00")  # first second: inside
    exports.write_csv(table, landing / f"{NAME}.csv")
    polls = exports.yougov_table(n=40)
    polls.set(7, "starttime", polls.get(7, "starttime").replace(year=2022, month=2, day=1))
    polls.set(7, "endtime", polls.get(7, "endtime").replace(year=2022, month=2, day=1))
    exports.write_sav(polls, landing / f"{REP}_20211208.sav", REP)

    tl = load_export_source(TL, landing, warehouse.path)
    rep = load_export_source(REP, landing, warehouse.path)

    assert tl.quarantined == counts(outside_fieldwork=3) and tl.respondents == 57
    assert rep.quarantined == counts(outside_fieldwork=1) and rep.respondents == 39
    assert quarantine(warehouse) == [
        (
            f"{NAME}.csv",
            2,
            1001,
            "outside_fieldwork",
            "completed before fieldwork opened (2021-11-19)",
        ),
        (
            f"{NAME}.csv",
            3,
            1002,
            "outside_fieldwork",
            "completed after fieldwork closed (2022-01-21)",
        ),
        (
            f"{NAME}.csv",
            5,
            1004,
            "outside_fieldwork",
            "started before fieldwork opened (2021-11-19)",
        ),
        (
            f"{REP}_20211208.sav",
            8,
            8,
            "outside_fieldwork",
            "completed after fieldwork closed (2021-12-06)",
        ),
    ]


def test_speeding_is_under_a_third_of_the_median_and_under_four_minutes(
    exports, landing: Path, warehouse
) -> None:
    table = exports.talk_london_table(n=40)
    for row in range(40):  # 30 minutes each
        set_times(table, row, "2021-12-01 10:00:00", "2021-12-01 10:30:00")
    set_times(table, 5, "2021-12-01 10:00:00", "2021-12-01 10:05:00")  # 300 s: under 600, kept
    set_times(table, 6, "2021-12-01 10:00:00", "2021-12-01 10:03:59")  # 239 s: speeding
    set_times(table, 7, "2021-12-01 10:00:00", "2021-12-01 10:04:00")  # 240 s: kept
    exports.write_csv(table, landing / f"{NAME}.csv")
    polls = exports.yougov_table(n=40)  # interviews of 45 s: a third of the median is 15 s
    polls.set(9, "endtime", polls.get(9, "starttime").replace(second=14))
    exports.write_sav(polls, landing / f"{REP}_20211208.sav", REP)

    assert load_export_source(TL, landing, warehouse.path).quarantined == counts(speeding=1)
    assert load_export_source(REP, landing, warehouse.path).quarantined == counts(speeding=1)
    assert quarantine(warehouse) == [
        (f"{NAME}.csv", 8, 1007, "speeding", f"completed in under 240 s {SPEEDING}"),
        (f"{REP}_20211208.sav", 10, 10, "speeding", f"completed in under 15 s {SPEEDING}"),
    ]


def _straight_line(table, row: int, grids: int, spec) -> None:
    """One answer (the scale's first) throughout the first `grids` long grids."""
    for grid in quality_rules().grids[:grids]:
        for column in grid.columns:
            variable = next(v for v in spec.variables if v.id.lower() == column)
            value = grid.substantive_labels[0] if spec.values == "labels" else 1
            table.set(row, spec.column_of(variable), value)


def test_straight_lining_across_every_long_grid(exports, landing: Path, warehouse) -> None:
    spec, rules = export_spec(TL), quality_rules()
    assert (rules.straight_lining_min_items, rules.straight_lining_min_grids) == (5, 3)
    assert len(rules.grids) == 9
    table = exports.talk_london_table(n=40)
    _straight_line(table, 4, 9, spec)  # one answer in all nine long grids
    _straight_line(table, 5, 8, spec)  # eight of nine: a view, kept
    later_grids = {column for grid in rules.grids[3:] for column in grid.columns}
    for variable in spec.variables:  # row 8 skips all but three long grids, and is flat in them
        if variable.id.lower() in later_grids:
            table.set(6, spec.column_of(variable), None)
    _straight_line(table, 6, 3, spec)
    exports.write_csv(table, landing / f"{NAME}.csv")
    polls = exports.yougov_table(n=40)
    _straight_line(polls, 0, 9, export_spec(REP))
    exports.write_sav(polls, landing / f"{REP}_20211208.sav", REP)

    assert load_export_source(TL, landing, warehouse.path).quarantined == counts(straight_lining=2)
    assert load_export_source(REP, landing, warehouse.path).quarantined == counts(straight_lining=1)
    detail = "one answer throughout each of the {} grids of 5 or more items answered"
    assert quarantine(warehouse) == [
        (f"{NAME}.csv", 6, 1005, "straight_lining", detail.format(9)),
        (f"{NAME}.csv", 8, 1007, "straight_lining", detail.format(3)),
        (f"{REP}_20211208.sav", 1, 1, "straight_lining", detail.format(9)),
    ]


def test_a_row_gets_the_first_reason_that_applies(exports, landing: Path, warehouse) -> None:
    table = exports.talk_london_table(n=40)
    table.set(2, "Status", "Test")
    set_times(table, 2, "2022-03-01 10:00:00", "2022-03-01 10:00:01")  # also late and fast
    table.rows.append(list(table.rows[2]))  # and delivered twice
    exports.write_csv(table, landing / f"{NAME}.csv")
    assert load_export_source(TL, landing, warehouse.path).quarantined == counts(
        duplicate_identical=1, test_or_preview=1
    )
    assert [(row, reason) for _, row, _, reason, _ in quarantine(warehouse)] == [
        (4, "test_or_preview"),
        (42, "duplicate_identical"),
    ]


def test_more_than_the_tolerated_share_rejects_the_source(
    exports, landing: Path, warehouse
) -> None:
    assert quality_rules().max_quarantined_share == 0.05
    table = exports.talk_london_table(n=40)
    for row in (1, 2):
        table.set(row, "Status", "Partial")
    table.set(3, "Status", "Test")  # 3 of 40: 7.5%
    exports.write_csv(table, landing / f"{NAME}.csv")
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert (info.value.file, info.value.rule, info.value.row) == (
        f"{NAME}.csv",
        Rule.QUARANTINE_SHARE,
        None,
    )
    assert str(info.value) == (
        f"{NAME}.csv: 3 of 40 rows (7.5%) would be quarantined (test_or_preview 1, partial 2),"
        " more than the tolerated 5% (the pack's questionnaire.yaml: quality.max_quarantined_share)"
    )
    assert warehouse.raw_tables() == set()


def test_one_file_over_the_tolerance_stops_the_whole_load(
    exports, landing: Path, warehouse
) -> None:
    exports.write_csv(exports.talk_london_table(n=40), landing / "talk_london_export_20211210.csv")
    table = exports.talk_london_table(n=20)
    table.set(0, "Status", "Test")
    table.set(1, "Status", "Test")
    exports.write_csv(table, landing / f"{NAME}.csv")
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert (info.value.file, info.value.rule) == (f"{NAME}.csv", Rule.QUARANTINE_SHARE)
    assert warehouse.raw_tables() == set()


def test_quarantine_rows_are_per_file_and_a_redelivery_adds_none(
    exports, landing: Path, warehouse
) -> None:
    first = exports.talk_london_table(n=40)
    first.set(3, "Status", "Test")
    exports.write_csv(first, landing / "talk_london_export_20211210.csv")
    load_export_source(TL, landing, warehouse.path)
    later = exports.talk_london_table(n=45)  # cumulative: the test response again
    later.set(3, "Status", "Test")
    exports.write_csv(later, landing / f"{NAME}.csv")

    summary = load_export_source(TL, landing, warehouse.path)
    again = load_export_source(TL, landing, warehouse.path)
    (landing / f"{NAME}.csv").rename(landing / "talk_london_export_20220122.csv")
    renamed = load_export_source(TL, landing, warehouse.path)

    assert [(f.status, f.quarantined) for f in summary.files] == [("skipped", 1), ("loaded", 1)]
    assert summary.quarantined == counts(test_or_preview=1)  # this load's files only
    assert again.quarantined == counts() and renamed.quarantined == counts()
    assert {f.status for f in again.files + renamed.files} == {"skipped"}
    assert [(name, row, rid) for name, row, rid, _, _ in quarantine(warehouse)] == [
        ("talk_london_export_20211210.csv", 5, 1004),
        (f"{NAME}.csv", 5, 1004),
    ]
    assert summary.respondents == 44 and 1004 not in loaded_ids(warehouse)


def test_a_later_export_that_quarantines_a_loaded_respondent_takes_their_row_out(
    exports, landing: Path, warehouse
) -> None:
    exports.write_csv(exports.talk_london_table(n=40), landing / "talk_london_export_20211210.csv")
    load_export_source(TL, landing, warehouse.path)
    assert 1004 in loaded_ids(warehouse)
    later = exports.talk_london_table(n=40)
    later.set(3, "Status", "Test")  # the platform now marks it a test response
    exports.write_csv(later, landing / f"{NAME}.csv")

    summary = load_export_source(TL, landing, warehouse.path)

    assert [(f.status, f.updated, f.quarantined, f.removed) for f in summary.files] == [
        ("skipped", 0, 0, 0),
        ("loaded", 39, 1, 1),
    ]
    assert summary.respondents == 39 and 1004 not in loaded_ids(warehouse)


def test_the_ingest_asset_reports_counts_by_reason_and_no_ids(
    exports, landing: Path, tmp_path: Path
) -> None:
    import dagster as dg

    from orchestration.defs.ingest import ingest_asset
    from orchestration.resources import SurveyPaths

    table = exports.talk_london_table(n=40)
    table.set(3, "Status", "Preview")
    table.set(3, "Member UID", "MARKER-UID-7f3a")
    table.set(3, "Response ID", "987650123")
    exports.write_csv(table, landing / f"{NAME}.csv")
    result = dg.materialize(
        [ingest_asset(TL)],
        resources={"paths": SurveyPaths(landing_dir=str(landing), build_dir=str(tmp_path / "b"))},
    )
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["quarantined"].value == counts(test_or_preview=1)
    assert metadata["quarantined_rows"].value == 1
    assert metadata["dagster/row_count"].value == 39
    assert [r.data["quarantined"] for r in metadata["files"].value.records] == [1]
    text = json.dumps({k: str(v) for k, v in metadata.items()})
    assert "987650123" not in text and "MARKER-UID-7f3a" not in text
