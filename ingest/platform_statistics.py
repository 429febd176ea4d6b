"""The platform-statistics export (the pack's questionnaire, `platform_statistics`): reader.

A small CSV, header exactly `metric,value`, one row per declared metric, values ASCII digits
(docs/export-formats.md). The latest file by the date in its name is read; no file is "not
delivered" (an empty frame), never an error. Errors name file, column and row, never a value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from .errors import SPREADSHEET, ContractViolation, Rule, Violation, ViolationCollector
from .sniff import check_kind

HEADER = ("metric", "value")
DIGITS = re.compile(r"^[0-9]{1,18}$")  # ASCII digits, never \d
UTF8_BOM = b"\xef\xbb\xbf"
SCHEMA = {
    "metric": pl.String,
    "value": pl.Int64,
    "file_name": pl.String,
    "sha256": pl.String,
    "export_date": pl.Date,
}


def latest_platform_statistics_file(landing_dir: Path, spec: dict) -> tuple[Path, date] | None:
    """The latest file matching the declared pattern, with its date; None when none landed."""
    pattern = re.compile(spec["file_pattern"], re.ASCII)
    found, violations = [], []
    for path in sorted(p for p in Path(landing_dir).iterdir() if p.is_file()):
        match = pattern.match(path.name)
        if not match:
            continue
        try:
            found.append((path, datetime.strptime(match["date"], "%Y%m%d").date()))
        except ValueError:
            detail = f"file name date {match['date']} is not a valid date (YYYYMMDD)"
            violations.append(Violation(path.name, Rule.FILE_NAME, detail))
    if violations:
        raise ContractViolation(violations)
    return max(found, key=lambda f: f[1]) if found else None


def read_platform_statistics(path: Path, export_date: date, spec: dict) -> pl.DataFrame:
    """Read and check one file (raises ContractViolation); one row per metric (`SCHEMA`)."""
    path = Path(path)
    metrics: dict[str, str] = spec["metrics"]
    log = ViolationCollector(path.name, SPREADSHEET)
    check_kind(path, "csv", log)
    data = path.read_bytes()
    text = _text(data.removeprefix(UTF8_BOM), log)
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error as e:
        raise log.fail(Rule.UNREADABLE, f"not valid CSV ({e})") from None
    if not records:
        raise log.fail(Rule.EMPTY, "file is empty (no header row)")
    header, rows = records[0], records[1:]
    if tuple(header) != HEADER:
        raise log.fail(Rule.HEADER_ROW, f"header must be exactly {','.join(HEADER)}")
    values: dict[str, int] = {}
    for index, row in enumerate(rows):
        if len(row) != len(HEADER):
            log.add(Rule.RAGGED_ROW, f"has {len(row)} fields, the header 2", None, index)
            continue
        metric, value = row
        if metric not in metrics:
            detail = f"not a declared metric (allowed: {', '.join(metrics)})"
            log.add(Rule.NOT_ALLOWED, detail, "metric", index)
        elif metric in values:
            log.add(Rule.DUPLICATE_ID, "metric appears more than once", "metric", index)
        if not DIGITS.match(value):
            log.add(Rule.INTEGER, "value is not a whole number (ASCII digits only)", "value", index)
        elif metric in metrics and metric not in values:
            values[metric] = int(value)
    for metric in metrics:
        if metric not in values and not any(r[:1] == [metric] for r in rows):
            log.add(Rule.MISSING_COLUMN, f"metric {metric} is missing", "metric")
    log.raise_if_any()
    return pl.DataFrame(
        {
            "metric": list(metrics),
            "value": [values[m] for m in metrics],
            "file_name": [path.name] * len(metrics),
            "sha256": [hashlib.sha256(data).hexdigest()] * len(metrics),
            "export_date": [export_date] * len(metrics),
        },
        schema=SCHEMA,
    )


def load_platform_statistics(landing_dir: Path, spec: dict) -> pl.DataFrame:
    """The latest delivered file's metrics, or an empty frame when none was delivered."""
    if not spec:
        return pl.DataFrame(schema=SCHEMA)
    latest = latest_platform_statistics_file(landing_dir, spec)
    if latest is None:
        return pl.DataFrame(schema=SCHEMA)
    return read_platform_statistics(*latest, spec)


def _text(data: bytes, log: ViolationCollector) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n")  # 0 = the header
        raise log.fail(
            Rule.ENCODING, "a byte is not valid UTF-8; save the file as UTF-8", data_row=line - 1
        ) from None


def write_platform_statistics(frame: pl.DataFrame, warehouse: Path) -> None:
    """Replace `raw.platform_statistics` with `frame` (empty when not delivered)."""
    from infra.warehouse import connect_warehouse

    with connect_warehouse(warehouse) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.register("platform_statistics_frame", frame.to_arrow())
        con.execute(
            "CREATE OR REPLACE TABLE raw.platform_statistics AS"
            " SELECT * FROM platform_statistics_frame"
        )
        con.unregister("platform_statistics_frame")


def loaded_platform_statistics(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """`raw.platform_statistics` (metric, value, export_date) as loaded; None when the table is
    absent (a warehouse built before the export was declared)."""
    exists = con.execute(
        "select 1 from information_schema.tables"
        " where table_schema = 'raw' and table_name = 'platform_statistics'"
    ).fetchall()
    if not exists:
        return None
    return con.sql("select metric, value, export_date from raw.platform_statistics").pl()
