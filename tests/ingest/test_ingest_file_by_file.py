"""Lean ingest (issue 7): one file's rows in memory at a time, the load still all or nothing.

Each checked file is written into the load's one transaction before the next file is read;
any violation in a later file rolls back what earlier files wrote, contract violations are
reported before a warehouse that cannot be written, and the Talk London reader keeps coded
answers as small Enums while the raw table keeps its text columns.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest import ContractViolation, RawTableMismatch, export_spec, load_export_source, talk_london
from ingest import load as load_module
from ingest.errors import SPREADSHEET, ViolationCollector

TL = "talk_london"
TL_TABLE = "raw.talk_london_responses"


def tl_csv(exports, landing: Path, date: str, table) -> Path:
    return exports.write_csv(table, landing / f"talk_london_export_{date}.csv")


def test_each_file_is_written_before_the_next_is_read(
    exports, landing: Path, warehouse, monkeypatch
) -> None:
    for date, n in (("20211210", 3), ("20211220", 6), ("20220107", 9)):  # cumulative
        tl_csv(exports, landing, date, exports.talk_london_table(n=n))
    events: list[str] = []
    read, replace = load_module.read_export, load_module._upsert

    def reading(path, source_id):
        events.append(f"read {Path(path).name[19:27]}")
        return read(path, source_id)

    def writing(con, spec, item):
        [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
        events.append(f"write {item.export.name[19:27]} ({limit})")
        return replace(con, spec, item)

    monkeypatch.setattr(load_module, "read_export", reading)
    monkeypatch.setattr(load_module, "_upsert", writing)
    summary = load_export_source(TL, landing, warehouse.path)
    assert [e.split(" (")[0] for e in events] == [
        "read 20211210",
        "write 20211210",
        "read 20211220",
        "write 20211220",
        "read 20220107",
        "write 20220107",
    ]
    assert "GB" in events[1] or "MiB" in events[1] or "MB" in events[1]
    assert summary.respondents == 9


def test_a_later_bad_file_rolls_back_what_earlier_files_wrote(
    exports, landing: Path, warehouse
) -> None:
    tl_csv(exports, landing, "20211210", exports.talk_london_table(n=3))
    load_export_source(TL, landing, warehouse.path)
    before = warehouse.query(f"SELECT * FROM {TL_TABLE} ORDER BY response_id")
    later = exports.talk_london_table(n=40, first_id=1001)
    later.set(0, "Gender", "Prefer not to say")  # would replace a loaded row
    later.set(5, "Status", "Test")  # would be quarantined
    tl_csv(exports, landing, "20211220", later)  # good: written into the transaction
    broken = exports.talk_london_table(n=5, first_id=2001)
    broken.set(4, "Gender", "Mail")
    tl_csv(exports, landing, "20220107", broken)  # bad: the whole load goes back
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert (info.value.file, info.value.row) == ("talk_london_export_20220107.csv", 6)
    assert warehouse.query(f"SELECT * FROM {TL_TABLE} ORDER BY response_id") == before
    assert warehouse.query("SELECT count(*) FROM raw.ingest_log") == [(1,)]
    assert warehouse.query("SELECT count(*) FROM raw.quarantine") == [(0,)]


def test_contract_violations_come_before_a_table_that_no_longer_matches(
    exports, landing: Path, warehouse
) -> None:
    tl_csv(exports, landing, "20211210", exports.talk_london_table(n=3))
    load_export_source(TL, landing, warehouse.path)
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute(f"ALTER TABLE {TL_TABLE} DROP COLUMN gender")
    tl_csv(exports, landing, "20211220", exports.talk_london_table(n=4))
    broken = exports.talk_london_table(n=5)
    broken.drop("Status")
    tl_csv(exports, landing, "20220107", broken)
    with pytest.raises(ContractViolation, match="column 'Status'"):
        load_export_source(TL, landing, warehouse.path)
    (landing / "talk_london_export_20220107.csv").unlink()
    with pytest.raises(RawTableMismatch, match=r"missing \['gender'\]"):
        load_export_source(TL, landing, warehouse.path)
    assert warehouse.query(f"SELECT count(*) FROM {TL_TABLE}") == [(3,)]


def test_coded_answers_are_enums_and_the_raw_table_keeps_text(
    exports, landing: Path, warehouse
) -> None:
    table = exports.talk_london_table(n=4)
    path = tl_csv(exports, landing, "20211210", table)
    frame = talk_london.read_talk_london(path)
    spec = export_spec(TL)
    coded = [v for v in spec.variables if v.kind != "open_text"]
    assert all(isinstance(frame[v.id.lower()].dtype, pl.Enum) for v in coded)
    assert frame["i_missing"].dtype == pl.String
    load_export_source(TL, landing, warehouse.path)
    types = dict(
        warehouse.query(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'raw' AND table_name = 'talk_london_responses'"
        )
    )
    assert {types[v.id.lower()] for v in coded} == {"VARCHAR"}
    column = spec.column_of(coded[0])
    assert warehouse.query(f"SELECT {coded[0].id.lower()} FROM {TL_TABLE} ORDER BY 1") == sorted(
        (table.get(row, column),) for row in range(4)
    )


def test_another_declared_encoding_is_read_whole(exports, tmp_path: Path) -> None:
    """Only UTF-8 is scanned in chunks; any other encoding is decoded whole, as before."""
    table = exports.talk_london_table(n=4)
    for row in range(4):
        table.set(row, "Member UID", "TL-café")
    utf8 = exports.write_csv(table, tmp_path / "utf8.csv")
    cp1252 = exports.write_csv(table, tmp_path / "cp1252.csv", encoding="cp1252")
    spec = export_spec(TL)
    grids = []
    for path, encoding in ((utf8, "utf-8"), (cp1252, "cp1252")):
        log = ViolationCollector(path.name, SPREADSHEET)
        grid, _ = talk_london._read_csv_grid(
            path, dataclasses.replace(spec, encoding=encoding), log
        )
        grids.append(grid.with_columns(pl.all().cast(pl.String)))
    assert grids[0].equals(grids[1])
