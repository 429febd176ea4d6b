"""The delivery ledger (`releases.delivery_ledger`): what became of every landed export file.

One row per decision about a file, appended, never updated: `published` (in release n),
`held` (the release rule or gate that held it back, and why), `unchanged` (its figures were
already published), or `refused` (ingest rejected it: the rule). A file can have several rows,
e.g. held while fieldwork went on and published in the final release. The ingest assets show each
file's latest decision; respondent ids and values never appear here (counts and rule names only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from infra.warehouse import connect_warehouse

SCHEMA = "releases"
TABLE = f"{SCHEMA}.delivery_ledger"
COLUMNS = {
    "source_id": "VARCHAR",
    "file_name": "VARCHAR",
    "sha256": "VARCHAR",  # null for a refused file (nothing of it was loaded)
    "export_date": "DATE",
    "outcome": "VARCHAR",  # published | held | unchanged | refused
    "release": "INTEGER",  # the release published (published), or the one that stays
    "reason": "VARCHAR",  # held / refused: the rule or gate and counts; never a value
    "run_id": "VARCHAR",
    "decided_at": "TIMESTAMP WITH TIME ZONE",
}


@dataclass(frozen=True)
class Entry:
    source_id: str
    file_name: str
    outcome: str
    sha256: str | None = None
    export_date: object = None
    release: int | None = None
    reason: str = ""


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
    con.execute(f"create table if not exists {TABLE} ({columns})")


def record(warehouse: Path, entries: Iterable[Entry], run_id: str) -> int:
    """Append the entries (one transaction); returns how many."""
    rows = [
        (
            e.source_id,
            e.file_name,
            e.sha256,
            e.export_date,
            e.outcome,
            e.release,
            e.reason,
            run_id,
            datetime.now(UTC),
        )
        for e in entries
    ]
    if not rows:
        return 0
    with connect_warehouse(warehouse) as con:
        ensure_table(con)
        con.executemany(f"insert into {TABLE} values ({', '.join('?' * len(COLUMNS))})", rows)
    return len(rows)


def undecided_files(con: duckdb.DuckDBPyConnection) -> list[Entry]:
    """Loaded files the ledger has not decided yet, or whose latest decision was `held`:
    what the current run decides about. Each carries its source, name, hash and date."""
    ledger_exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [SCHEMA, TABLE.split(".")[1]],
    ).fetchone()[0]
    decided = ""
    if ledger_exists:
        decided = f"""
            where sha256 not in (
                select sha256 from {TABLE} where sha256 is not null
                qualify row_number() over (partition by sha256 order by decided_at desc) = 1
                    and outcome <> 'held'
            )"""
    return [
        Entry(source_id, file_name, "", sha256=sha256, export_date=export_date)
        for source_id, file_name, sha256, export_date in con.execute(
            f"select source_id, file_name, sha256, export_date from raw.ingest_log {decided} "
            "order by source_id, export_date, file_name"
        ).fetchall()
    ]


def decide(files: list[Entry], outcome: str, release: int | None, reason: str = "") -> list[Entry]:
    return [
        Entry(f.source_id, f.file_name, outcome, f.sha256, f.export_date, release, reason)
        for f in files
    ]


def latest_decisions(con: duckdb.DuckDBPyConnection, source_id: str, limit: int = 20) -> list[dict]:
    """The source's files with their latest decision, newest first (for the ingest asset)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [SCHEMA, TABLE.split(".")[1]],
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        f"""
        select file_name, export_date, outcome, release, reason, decided_at
        from {TABLE} where source_id = ?
        qualify row_number() over (
            partition by file_name, coalesce(sha256, '') order by decided_at desc
        ) = 1
        order by decided_at desc, file_name
        limit {int(limit)}
        """,
        [source_id],
    ).fetchall()
    keys = ("file", "export_date", "outcome", "release", "reason", "decided_at")
    return [
        {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in zip(keys, row, strict=True)
        }
        for row in rows
    ]
