"""Load an export source's files into the DuckDB warehouse (schema `raw`).

All files are checked before anything is committed: the writes happen in one transaction,
file by file as each passes its checks, and are rolled back if any file fails.
Exports are cumulative and the latest supersedes the others: the raw table holds the
respondents of the latest export (by the date in its name; ties: the file loaded last), minus
its quarantined rows. Loads are idempotent: a file already in `raw.ingest_log` (same sha256) is
skipped; an export older than one already loaded is logged (`superseded`) but changes nothing.
`raw.ingest_log` keeps one row per file ever loaded, `raw.quarantine` the screened rows of each.
A later export with fewer respondents than the one it supersedes is refused
(`shrinking_export`). Rows the quality rules screen out (ingest/quality.py) never reach the raw
table; a file with more than the tolerated share of such rows rejects the source. A source with
no file at all is not an error: the summary says `delivered=False`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from infra.warehouse import WarehouseLocked, connect_warehouse

from .errors import ContractViolation, RawTableMismatch, Rule, Violation
from .exports import ExportFile, ExportSpec, export_spec, find_export_files
from .quality import QUARANTINE_COLUMNS, REASONS, Screened, quality_rules, screen
from .readers import read_export, reader_version

# DuckDB's memory while loading: it appends the checked rows (kept as Arrow by polars) to the
# raw table and spills to disk beyond this, rather than growing with the file.
MEMORY_LIMIT = "1GB"
RAW_SCHEMA = "raw"
INGEST_LOG = f"{RAW_SCHEMA}.ingest_log"
QUARANTINE = f"{RAW_SCHEMA}.quarantine"
INGEST_LOG_COLUMNS = {
    "source_id": "VARCHAR",
    "file_name": "VARCHAR",
    "sha256": "VARCHAR",
    "rows": "BIGINT",
    "export_date": "DATE",
    "reader": "VARCHAR",
    "loaded_at": "TIMESTAMP WITH TIME ZONE",
}


@dataclass(frozen=True)
class FileOutcome:
    file_name: str
    format: str
    export_date: date
    sha256: str
    rows: int  # rows delivered in the file
    # "loaded" (its respondents are now the raw table's), "superseded" (older than an export
    # already loaded: logged, quarantined rows recorded, the raw table unchanged) or "skipped"
    # (its sha256 was already in raw.ingest_log)
    status: str
    new: int = 0  # respondents not in the table before
    updated: int = 0  # respondents whose row this file replaced
    quarantined: int = 0  # of the file's rows, screened out (raw.quarantine when loaded)
    removed: int = 0  # earlier rows of respondents this file quarantines, taken out of the table
    absent: int = 0  # respondents of the export it supersedes missing from it: taken out

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file_name,
            "format": self.format,
            "export_date": self.export_date.isoformat(),
            "sha256": self.sha256,
            "rows": self.rows,
            "status": self.status,
            "new": self.new,
            "updated": self.updated,
            "quarantined": self.quarantined,
            "removed": self.removed,
            "absent": self.absent,
        }


@dataclass(frozen=True)
class LoadSummary:
    source_id: str
    table: str
    respondents: int  # rows in the raw table after the load
    files: tuple[FileOutcome, ...]
    latest_export_date: date | None  # latest export date ever loaded for the source
    reader: str
    quarantined: dict[str, int] | None = None  # rows quarantined by reason, files loaded now
    # False when the source has no export in the landing folder and none was ever loaded: not
    # an error (polls may arrive before or after the open survey); its raw table exists, empty.
    delivered: bool = True

    def as_metadata(self) -> dict[str, object]:
        """Plain JSON-able values (for Dagster asset metadata)."""
        return {
            "table": self.table,
            "delivered": "yes" if self.delivered else "no",  # text: a metadata value
            "respondents": self.respondents,
            # None when no file: an empty table is no Dagster metadata value (None is skipped)
            "files": [f.as_dict() for f in self.files] or None,
            "files_loaded": sum(f.status == "loaded" for f in self.files),
            "files_skipped": sum(f.status == "skipped" for f in self.files),
            "latest_export_date": self.latest_export_date and self.latest_export_date.isoformat(),
            "reader": self.reader,
            # counts only: the rows themselves (and their ids) stay in raw.quarantine
            "quarantined": dict(self.quarantined or dict.fromkeys(REASONS, 0)),
            "quarantined_rows": sum((self.quarantined or {}).values()),
            "files_superseded": sum(f.status == "superseded" for f in self.files),
            # respondents of a superseded export that the latest no longer holds (taken out)
            "respondents_absent": sum(f.absent for f in self.files),
            "respondents_removed": sum(f.removed for f in self.files),
        }


@dataclass(frozen=True)
class _CheckedFile:
    export: ExportFile
    sha256: str
    rows: int  # rows delivered in the file
    screened: Screened

    @property
    def respondents(self) -> int:
        """Respondents delivered: rows, less the identical copies of a repeated id."""
        return self.rows - self.screened.counts()["duplicate_identical"]


@dataclass(frozen=True)
class _Latest:
    """The latest export loaded so far: the one a new export supersedes."""

    export_date: date
    file_name: str
    respondents: int


def _latest_export(con: duckdb.DuckDBPyConnection, source_id: str) -> _Latest | None:
    """From the ingest log: the latest export loaded (its respondents: rows delivered, less
    identical copies quarantined). Older ones logged later (`superseded`) never count."""
    row = con.execute(
        f"""
        SELECT l.export_date, l.file_name, l.rows - count(q.file_row) AS respondents
        FROM {INGEST_LOG} AS l
        LEFT JOIN {QUARANTINE} AS q
          ON q.file_sha256 = l.sha256 AND q.source_id = l.source_id
         AND q.reason = 'duplicate_identical'
        WHERE l.source_id = ?
        GROUP BY l.export_date, l.file_name, l.rows, l.loaded_at
        ORDER BY l.export_date DESC, l.loaded_at DESC
        LIMIT 1
        """,
        [source_id],
    ).fetchall()  # fetched to the end: DuckDB keeps an unfinished result open otherwise
    return None if not row else _Latest(row[0][0], row[0][1], int(row[0][2]))


def _shrinking(
    spec: ExportSpec, export: ExportFile, respondents: int, latest: _Latest
) -> ContractViolation:
    detail = (
        f"holds {respondents} respondents, fewer than the {latest.respondents} of"
        f" {latest.file_name}, the export it supersedes: a cumulative export never loses"
        " respondents (a filtered or partial export?); the warehouse keeps"
        f" {latest.file_name} until a complete export arrives"
    )
    return ContractViolation(
        [Violation(export.name, Rule.SHRINKING_EXPORT, detail, layout=spec.layout)]
    )


def load_export_source(source_id: str, landing_dir: Path, warehouse_path: Path) -> LoadSummary:
    """Check every export file of `source_id` in `landing_dir` and load them in one transaction.

    Raises ContractViolation (nothing written) if any file breaks the contract. A source with
    no file in `landing_dir` is not an error: its raw tables are created (empty unless loaded
    before) and the summary has no files; `delivered` is False unless an export of it was
    loaded before.

    Files are read, checked and written one at a time, so that only one file's rows are held
    in memory: each checked file is written into the open transaction and its frames are
    dropped before the next file is read. The transaction commits only when every file has
    passed; after the first violation nothing more is written, the remaining files are still
    checked (all violations are reported together) and the transaction is rolled back. So, as
    before, nothing is committed unless all files of the source pass, and a load that fails
    leaves the warehouse as it was.
    """
    spec = export_spec(source_id)
    files = find_export_files(spec, Path(landing_dir))
    writer = _Writer(spec, Path(warehouse_path))
    try:
        if files:
            outcomes, quarantined = _check_and_write(files, spec, writer)
        else:
            outcomes, quarantined = [], dict.fromkeys(REASONS, 0)
            writer.open()
        respondents, latest = writer.commit()
    finally:
        writer.close()  # rolls back unless committed
    return LoadSummary(
        source_id,
        spec.table,
        respondents,
        tuple(outcomes),
        latest,
        reader_version(source_id),
        quarantined,
        delivered=latest is not None,
    )


def _check_and_write(
    files: list[ExportFile], spec: ExportSpec, writer: _Writer
) -> tuple[list[FileOutcome], dict[str, int]]:
    """Read and check every file, writing each while none has failed; then raise all contract
    violations together (format disagreements last)."""
    errors: list[ContractViolation] = []
    disagreements: list[ContractViolation] = []
    outcomes: list[FileOutcome] = []
    quarantined = dict.fromkeys(REASONS, 0)
    dates = Counter(f.export_date for f in files)  # a date in several files: compared
    firsts: dict[date, tuple[ExportFile, pl.DataFrame]] = {}
    for export in files:
        day = export.export_date
        dates[day] -= 1
        try:
            frame = read_export(export.path, spec.source_id)
        except ContractViolation as e:
            errors.append(e)
            continue
        screened = screen(frame, spec)
        share = _quarantine_share_violation(export, frame.height, screened, spec)
        if share is not None:
            errors.append(share)
            continue
        first = firsts.setdefault(day, (export, frame)) if dates[day] or day in firsts else None
        if first is not None and first[1] is not frame:
            difference = _difference(first[1], frame, spec)
            if difference:
                detail = f"differs from {first[0].name} (same export date): {difference}"
                disagreements.append(
                    ContractViolation([Violation(export.name, Rule.FORMATS_DIFFER, detail)])
                )
        if not dates[day]:
            firsts.pop(day, None)  # every file of the date seen
        item = _CheckedFile(export, _sha256(export.path), frame.height, screened)
        del frame, screened, first
        if not errors and not disagreements:
            try:
                outcome = writer.write(item)
            except ContractViolation as e:  # shrinking_export: compared with what it supersedes
                errors.append(e)
                outcome = None
            if outcome is not None:
                outcomes.append(outcome)
                if outcome.status in ("loaded", "superseded"):
                    for reason, count in item.screened.counts().items():
                        quarantined[reason] += count
        del item  # the next file is read without this one's rows in memory
    if errors or disagreements:
        raise ContractViolation.combine(errors + disagreements)
    writer.raise_deferred()
    return outcomes, quarantined


class _Writer:
    """The one write transaction of a load, opened when the first checked file is written.

    A warehouse that cannot be written (locked, or a raw table that no longer matches the
    questionnaire) is reported only after every file has been checked, as contract violations
    come first.
    """

    def __init__(self, spec: ExportSpec, warehouse_path: Path) -> None:
        self.spec = spec
        self.path = warehouse_path
        self.con: duckdb.DuckDBPyConnection | None = None
        self.stack = ExitStack()
        self.known: set[str] = set()
        self.deferred: Exception | None = None
        self.memory_limit: str | None = None
        self.committed = False
        self.latest: _Latest | None = None  # the export the next one would supersede

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # owner-only; lock errors retried
        self.con = self.stack.enter_context(connect_warehouse(self.path))
        (self.memory_limit,) = self.con.execute("SELECT current_setting('memory_limit')").fetchone()
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self.con.begin()
        _create_tables(self.con, self.spec)
        self.known = {
            sha
            for (sha,) in self.con.execute(
                f"SELECT sha256 FROM {INGEST_LOG} WHERE source_id = ?", [self.spec.source_id]
            ).fetchall()
        }
        self.latest = _latest_export(self.con, self.spec.source_id)

    def write(self, item: _CheckedFile) -> FileOutcome | None:
        """Write one checked file into the transaction (None once writing has been given up).

        Raises ContractViolation (`shrinking_export`) for an export with fewer respondents than
        the one it supersedes."""
        if self.deferred is not None:
            return None
        if self.con is None:
            try:
                self.open()
            except (RawTableMismatch, WarehouseLocked) as e:
                self.deferred = e
                self.close()
                return None
        export = item.export
        outcome = dict(
            file_name=export.name,
            format=export.format,
            export_date=export.export_date,
            sha256=item.sha256,
            rows=item.rows,
            quarantined=item.screened.quarantined.height,
        )
        if item.sha256 in self.known:
            return FileOutcome(**outcome, status="skipped")
        respondents = item.respondents
        counts = {}
        if self.latest is not None and export.export_date < self.latest.export_date:
            status = "superseded"  # an older export delivered late: history only
            _record_quarantine(self.con, self.spec, item)
        else:
            if self.latest is not None and respondents < self.latest.respondents:
                raise _shrinking(self.spec, export, respondents, self.latest)
            status = "loaded"
            counts = _upsert(self.con, self.spec, item)
            self.latest = _Latest(export.export_date, export.name, respondents)
        self.con.execute(
            f"INSERT INTO {INGEST_LOG} VALUES (?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                self.spec.source_id,
                export.name,
                item.sha256,
                item.rows,
                export.export_date,
                reader_version(self.spec.source_id),
            ],
        )
        self.known.add(item.sha256)
        return FileOutcome(**outcome, status=status, **counts)

    def raise_deferred(self) -> None:
        if self.deferred is not None:
            raise self.deferred

    def commit(self) -> tuple[int, date | None]:
        """Commit; returns the rows in the raw table and the latest export date loaded."""
        self.con.commit()
        self.committed = True
        (respondents,) = self.con.execute(f"SELECT count(*) FROM {self.spec.table}").fetchone()
        (latest,) = self.con.execute(
            f"SELECT max(export_date) FROM {INGEST_LOG} WHERE source_id = ?",
            [self.spec.source_id],
        ).fetchone()
        return respondents, latest

    def close(self) -> None:
        con, self.con = self.con, None
        try:
            if con is not None:
                if not self.committed:
                    with suppress(duckdb.Error):  # closing discards the transaction anyway
                        con.rollback()
                if self.memory_limit is not None:  # the database instance may be shared
                    con.execute(f"SET memory_limit = '{self.memory_limit}'")
        finally:
            self.stack.close()


def _quarantine_share_violation(
    export: ExportFile, rows: int, screened: Screened, spec: ExportSpec
) -> ContractViolation | None:
    """More than the tolerated share of a file's rows screened out: the file goes back."""
    tolerance = quality_rules().max_quarantined_share
    count = screened.quarantined.height
    if count <= tolerance * rows + 1e-9:  # 'more than': exactly the share is tolerated
        return None
    reasons = ", ".join(f"{r} {n}" for r, n in screened.counts().items() if n)
    detail = (
        f"{count} of {rows} {spec.layout.row_word}s ({100 * count / rows:.1f}%) would be"
        f" quarantined ({reasons}), more than the tolerated {100 * tolerance:g}%"
        " (the pack's questionnaire.yaml: quality.max_quarantined_share)"
    )
    return ContractViolation(
        [Violation(export.name, Rule.QUARANTINE_SHARE, detail, layout=spec.layout)]
    )


def _difference(expected: pl.DataFrame, actual: pl.DataFrame, spec: ExportSpec) -> str | None:
    """What differs, by column and row: never a delivered value or a respondent id."""
    if actual.equals(expected):
        return None
    ids = spec.id_raw
    only_here = actual.join(expected, on=ids, how="anti").height
    only_there = expected.join(actual, on=ids, how="anti").height
    if only_here or only_there:
        return f"{only_here} respondent id(s) only in this file, {only_there} only in the other"
    word = spec.layout.row_word
    if actual.height != expected.height:
        return f"{actual.height} {word}s here, {expected.height} there"
    columns = {m.raw: m.name for m in spec.meta_columns} | {
        v.id.lower(): spec.column_of(v) for v in spec.variables
    }
    row = "__file_row"
    expected, actual = (
        f.with_row_index(row, offset=spec.layout.first_data_row).sort(ids, row)
        for f in (expected, actual)
    )
    for raw, column in columns.items():
        differs = actual.get_column(raw).ne_missing(expected.get_column(raw))
        if differs.any():
            at = differs.arg_true()[0]
            return (
                f"column '{column}' differs for the respondent in {word} {actual[row][at]} here"
                f" ({word} {expected[row][at]} there)"
            )
    return None


def _create_tables(con: duckdb.DuckDBPyConnection, spec: ExportSpec) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for table, columns in (
        (spec.table, spec.raw_columns),
        (INGEST_LOG, INGEST_LOG_COLUMNS),
        (QUARANTINE, QUARANTINE_COLUMNS),
    ):
        ddl = ", ".join(f'"{name}" {dtype}' for name, dtype in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({ddl})")
        _check_layout(con, table, columns)


def _check_layout(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    schema, name = table.split(".")
    found = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, name],
        ).fetchall()
    )
    if found != columns:
        missing = [c for c in columns if c not in found]
        extra = [c for c in found if c not in columns]
        changed = [c for c in columns if c in found and found[c] != columns[c]]
        raise RawTableMismatch(
            f"{table} does not match the questionnaire (missing {missing}, extra {extra},"
            f" other type {changed}); rebuild the warehouse to reload it"
        )


def _record_quarantine(
    con: duckdb.DuckDBPyConnection, spec: ExportSpec, item: _CheckedFile
) -> None:
    """The file's screened rows into raw.quarantine (one row per file and row)."""
    export = item.export
    quarantined = item.screened.quarantined.select(
        pl.lit(spec.source_id).alias("source_id"),
        pl.lit(export.name).alias("file_name"),
        pl.lit(item.sha256).alias("file_sha256"),
        "file_row",
        "respondent_id",
        "reason",
        "detail",
        pl.lit(export.export_date).alias("export_date"),
    )
    if not quarantined.height:
        return
    con.register("quarantined", quarantined)
    try:
        con.execute(f"INSERT INTO {QUARANTINE} BY NAME SELECT * FROM quarantined").fetchone()
    finally:
        con.unregister("quarantined")


def _upsert(con: duckdb.DuckDBPyConnection, spec: ExportSpec, item: _CheckedFile) -> dict[str, int]:
    """The raw table becomes this export's kept rows (it supersedes every earlier one); the
    quarantined rows are recorded. Returns the counts of a FileOutcome: `new`, `updated`
    (respondents loaded before and in it), `removed` (loaded before, quarantined by it) and
    `absent` (loaded before, missing from it)."""
    table, ids = spec.table, spec.id_raw
    export = item.export
    _record_quarantine(con, spec, item)
    con.register("incoming", item.screened.kept)  # lineage columns are added below
    con.register("screened_out", item.screened.quarantined.select("respondent_id"))
    try:
        before, updated, removed = con.execute(
            f"""
            SELECT count(*),
                   count(*) FILTER (WHERE t.{ids} IN (SELECT {ids} FROM incoming)),
                   count(*) FILTER (WHERE t.{ids} NOT IN (SELECT {ids} FROM incoming)
                                      AND t.{ids} IN (SELECT respondent_id FROM screened_out))
            FROM {table} AS t
            """
        ).fetchone()
        con.execute(f"DELETE FROM {table}").fetchone()
        (inserted,) = con.execute(
            f"INSERT INTO {table} BY NAME SELECT i.*, ? AS _source_file,"
            " ? AS _source_sha256, ?::DATE AS _export_date FROM incoming AS i",
            [export.name, item.sha256, export.export_date],
        ).fetchone()
    finally:
        con.unregister("incoming")
        con.unregister("screened_out")
    return {
        "new": inserted - updated,
        "updated": updated,
        "removed": removed,
        "absent": before - updated - removed,
    }


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
