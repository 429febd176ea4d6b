"""Load an export source's files into the DuckDB warehouse (schema `raw`).

All files are checked before anything is written; the writes then happen in one transaction.
Loads are cumulative and idempotent: a file already in `raw.ingest_log` (same sha256) is
skipped, and a respondent's row is replaced only by an export of the same or a later date.
Rows the quality rules screen out (ingest/quality.py) go to `raw.quarantine`, one row per file
and quarantined row, never to the source's raw table; a file with more than the tolerated share
of such rows rejects the source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from .errors import ContractViolation, RawTableMismatch, Rule, Violation
from .exports import ExportFile, ExportSpec, export_spec, find_export_files
from .quality import QUARANTINE_COLUMNS, REASONS, Screened, quality_rules, screen
from .readers import read_export, reader_version
from .warehouse import connect_warehouse

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
    status: str  # "loaded", or "skipped" when its sha256 was already in raw.ingest_log
    new: int = 0  # respondents not in the table before
    updated: int = 0  # respondents whose row this file replaced
    quarantined: int = 0  # of the file's rows, screened out (raw.quarantine when loaded)
    removed: int = 0  # earlier rows of respondents this file quarantines, taken out of the table

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

    def as_metadata(self) -> dict[str, object]:
        """Plain JSON-able values (for Dagster asset metadata)."""
        return {
            "table": self.table,
            "respondents": self.respondents,
            "files": [f.as_dict() for f in self.files],
            "files_loaded": sum(f.status == "loaded" for f in self.files),
            "files_skipped": sum(f.status == "skipped" for f in self.files),
            "latest_export_date": self.latest_export_date and self.latest_export_date.isoformat(),
            "reader": self.reader,
            # counts only: the rows themselves (and their ids) stay in raw.quarantine
            "quarantined": dict(self.quarantined or dict.fromkeys(REASONS, 0)),
            "quarantined_rows": sum((self.quarantined or {}).values()),
        }


@dataclass(frozen=True)
class _CheckedFile:
    export: ExportFile
    sha256: str
    frame: pl.DataFrame  # every delivered row, as read
    screened: Screened


def load_export_source(source_id: str, landing_dir: Path, warehouse_path: Path) -> LoadSummary:
    """Check every export file of `source_id` in `landing_dir`, then load them in one transaction.

    Raises ContractViolation (nothing written) if any file breaks the contract, and
    FileNotFoundError if the source has no files.
    """
    spec = export_spec(source_id)
    files = find_export_files(spec, Path(landing_dir))
    if not files:
        raise FileNotFoundError(
            f"no {spec.label} files matching {spec.file_pattern.pattern} in {landing_dir}"
        )
    checked = _check_all(files, spec)
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    with connect_warehouse(warehouse_path) as con:  # owner-only; lock errors retried
        con.begin()
        try:
            _create_tables(con, spec)
            outcomes = _write(con, spec, checked)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        respondents = con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0]
        latest = con.execute(
            f"SELECT max(export_date) FROM {INGEST_LOG} WHERE source_id = ?", [source_id]
        ).fetchone()[0]
    quarantined = dict.fromkeys(REASONS, 0)
    for item, outcome in zip(checked, outcomes, strict=True):
        if outcome.status == "loaded":
            for reason, count in item.screened.counts().items():
                quarantined[reason] += count
    return LoadSummary(
        source_id,
        spec.table,
        respondents,
        tuple(outcomes),
        latest,
        reader_version(source_id),
        quarantined,
    )


def _check_all(files: list[ExportFile], spec: ExportSpec) -> list[_CheckedFile]:
    """Read and check every file, then raise all contract violations together."""
    checked, errors = [], []
    for export in files:
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
        checked.append(_CheckedFile(export, _sha256(export.path), frame, screened))
    errors += _format_disagreements(checked, spec)
    if errors:
        raise ContractViolation.combine(errors)
    return checked


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
        " (survey/questionnaire.yaml: quality.max_quarantined_share)"
    )
    return ContractViolation(
        [Violation(export.name, Rule.QUARANTINE_SHARE, detail, layout=spec.layout)]
    )


def _format_disagreements(checked: list[_CheckedFile], spec: ExportSpec) -> list[ContractViolation]:
    """The same export delivered in several formats must hold the same data."""
    first_of_date: dict[date, _CheckedFile] = {}
    errors = []
    for item in checked:
        first = first_of_date.setdefault(item.export.export_date, item)
        difference = _difference(first.frame, item.frame, spec) if first is not item else None
        if difference:
            detail = f"differs from {first.export.name} (same export date): {difference}"
            errors.append(
                ContractViolation([Violation(item.export.name, Rule.FORMATS_DIFFER, detail)])
            )
    return errors


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


def _write(
    con: duckdb.DuckDBPyConnection, spec: ExportSpec, checked: list[_CheckedFile]
) -> list[FileOutcome]:
    known = {
        sha
        for (sha,) in con.execute(
            f"SELECT sha256 FROM {INGEST_LOG} WHERE source_id = ?", [spec.source_id]
        ).fetchall()
    }
    outcomes = []
    for item in checked:
        export = item.export
        outcome = dict(
            file_name=export.name,
            format=export.format,
            export_date=export.export_date,
            sha256=item.sha256,
            rows=item.frame.height,
            quarantined=item.screened.quarantined.height,
        )
        if item.sha256 in known:
            outcomes.append(FileOutcome(**outcome, status="skipped"))
            continue
        inserted, replaced, removed = _upsert(con, spec, item)
        con.execute(
            f"INSERT INTO {INGEST_LOG} VALUES (?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                spec.source_id,
                export.name,
                item.sha256,
                item.frame.height,
                export.export_date,
                reader_version(spec.source_id),
            ],
        )
        known.add(item.sha256)
        outcomes.append(
            FileOutcome(
                **outcome,
                status="loaded",
                new=inserted - replaced,
                updated=replaced,
                removed=removed,
            )
        )
    return outcomes


def _upsert(
    con: duckdb.DuckDBPyConnection, spec: ExportSpec, item: _CheckedFile
) -> tuple[int, int, int]:
    """Replace rows from exports of the same or an earlier date; add new respondents; record
    the quarantined rows, and take out earlier rows of respondents this file quarantines (and
    does not also deliver clean: an identical copy's first row is kept).

    Returns (rows inserted, rows replaced, rows removed).
    """
    table, ids = spec.table, spec.id_raw
    export = item.export
    incoming = item.screened.kept.with_columns(
        pl.lit(export.name).alias("_source_file"),
        pl.lit(item.sha256).alias("_source_sha256"),
        pl.lit(export.export_date).alias("_export_date"),
    )
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
    con.register("incoming", incoming)
    con.register("quarantined", quarantined)
    try:
        (replaced,) = con.execute(
            f"DELETE FROM {table} USING incoming AS i"
            f" WHERE {table}.{ids} = i.{ids} AND {table}._export_date <= i._export_date"
        ).fetchone()
        (inserted,) = con.execute(
            f"INSERT INTO {table} BY NAME SELECT i.* FROM incoming AS i"
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.{ids} = i.{ids})"
        ).fetchone()
        removed = 0
        if quarantined.height:
            con.execute(f"INSERT INTO {QUARANTINE} BY NAME SELECT * FROM quarantined")
            (removed,) = con.execute(
                f"DELETE FROM {table} USING quarantined AS q"
                f" WHERE {table}.{ids} = q.respondent_id"
                f" AND {table}._export_date <= q.export_date"
                f" AND NOT EXISTS (SELECT 1 FROM incoming AS i WHERE i.{ids} = q.respondent_id)"
            ).fetchone()
    finally:
        con.unregister("incoming")
        con.unregister("quarantined")
    return inserted, replaced, removed


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
