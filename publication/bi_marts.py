"""`consultation_marts.duckdb`: the marts for BI tools (estimates, significance, questions,
section marts, weighting summary and margins), aggregates only.

Built under a temporary name beside its destination, validated (row counts, no respondent-level
or free-text columns, every table and column described), checkpointed, detached, made read-only
(0o444) and renamed over the old file with `os.replace`. A reader holding the old file keeps
reading it (same inode); a new reader opens the complete new file; no `.wal` is left beside it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from publication.model_docs import TableDoc, describe

FILE_NAME = "consultation_marts.duckdb"
ALIAS = "bi_release"
MARTS_SCHEMA = "marts"
# dbt's preparation tables (`prep_*`) are steps towards a mart, not for readers.
PREPARATION_PREFIX = "prep_"
# Columns that identify a respondent or hold what a respondent wrote: a table carrying one is
# respondent-level and never published.
RESPONDENT_LEVEL = re.compile(
    r"respondent_id|^respondent$|member_uid|response_id|^record$|raw_value|raw_text|verbatim"
    r"|comment_text|free_text|quote_text",
    re.IGNORECASE,
)


class PublicationError(RuntimeError):
    """A published file failed its validation."""


@dataclass(frozen=True)
class MartsFile:
    path: Path
    tables: dict[str, int]  # schema.table -> rows
    excluded: dict[str, str]  # schema.table -> why it was left out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = ? "
            "and schema_name = ? and table_name = ? order by column_index",
            [catalog, schema, table],
        ).fetchall()
    ]


def publishable_tables(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Every table of the `marts` schema, minus preparation and respondent-level tables."""
    catalog = con.execute("select current_database()").fetchone()[0]
    marts = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ? "
        "union select view_name from duckdb_views() where database_name = ? and schema_name = ? "
        "order by 1",
        [catalog, MARTS_SCHEMA, catalog, MARTS_SCHEMA],
    ).fetchall()
    tables, excluded = [], {}
    for (table,) in marts:
        name = f"{MARTS_SCHEMA}.{table}"
        leaking = [
            c for c in _columns(con, catalog, MARTS_SCHEMA, table) if RESPONDENT_LEVEL.search(c)
        ]
        if leaking:
            excluded[name] = f"respondent-level columns: {', '.join(leaking)}"
        elif table.startswith(PREPARATION_PREFIX):
            excluded[name] = "preparation table"
        else:
            tables.append((MARTS_SCHEMA, table))
    return tables, excluded


def _remove(*paths: Path) -> None:
    for p in paths:
        if p.exists():
            p.chmod(0o644)
            p.unlink()


def _validate(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> dict[str, int]:
    counts = {}
    for schema, table in tables:
        name = f"{_quote(schema)}.{_quote(table)}"
        source = con.execute(f"select count(*) from {name}").fetchone()[0]
        published = con.execute(f"select count(*) from {ALIAS}.{name}").fetchone()[0]
        if source != published:
            raise PublicationError(f"{schema}.{table}: {published} rows published, {source} held")
        counts[f"{schema}.{table}"] = published
    leaking = con.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
        "where database_name = ? and (regexp_matches(column_name, ?, 'i') or comment is null)",
        [ALIAS, RESPONDENT_LEVEL.pattern],
    ).fetchall()
    undocumented = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where database_name = ? and comment is null",
        [ALIAS],
    ).fetchall()
    if leaking or undocumented:
        raise PublicationError(f"respondent-level or undescribed: {leaking + undocumented}")
    return counts


RELEASE_TABLE = "release"
RELEASE_DOC = TableDoc(
    "This release: its number (one more with each publication) and status (provisional until "
    "every source's fieldwork has closed, then final), as in release.json.",
    {
        "release": "Release number.",
        "status": "provisional or final.",
        "published_at": "When the release was published (UTC).",
    },
)
# The cells of a release withheld against disclosure by differencing (publication.disclosure):
# in every table keyed by these columns, the cell's figures are set null and `suppressed` true.
CELL_KEY = ("route", "variable_id", "breakdown", "group_id")
KEPT_COLUMN = re.compile(r"base|_order$|^respondents$", re.IGNORECASE)
NUMERIC_OR_FLAG = re.compile(r"INT|DOUBLE|FLOAT|DECIMAL|REAL|BOOLEAN|NUMERIC", re.IGNORECASE)


def _withhold(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]], cells) -> None:
    """Null the withheld cells' figures (never their bases) in every published table keyed by
    cell, and mark them in a `suppressed` column."""
    con.register("bi_withheld_cells", cells)
    try:
        for schema, table in tables:
            columns = dict(
                con.execute(
                    "select column_name, data_type from duckdb_columns() where database_name = ? "
                    "and schema_name = ? and table_name = ?",
                    [ALIAS, schema, table],
                ).fetchall()
            )
            if not set(CELL_KEY) <= set(columns):
                continue
            name = f"{ALIAS}.{_quote(schema)}.{_quote(table)}"
            is_status = "category_kind = 'status'" if "category_kind" in columns else "false"
            figures = [
                c
                for c, kind in columns.items()
                if NUMERIC_OR_FLAG.search(kind) and not KEPT_COLUMN.search(c) and c not in CELL_KEY
            ]
            con.execute(f"ALTER TABLE {name} ADD COLUMN suppressed BOOLEAN DEFAULT false")
            match = " and ".join(f"w.{c} = t.{c}" for c in CELL_KEY)
            sets = ", ".join([*(f"{_quote(c)} = null" for c in figures), "suppressed = true"])
            con.execute(
                f"UPDATE {name} AS t SET {sets} WHERE EXISTS (SELECT 1 FROM bi_withheld_cells "
                f"AS w WHERE {match} AND w.is_status = ({is_status}))"
            )
            con.execute(
                f"COMMENT ON COLUMN {name}.suppressed IS "
                + _literal(
                    "Withheld in this provisional release against disclosure by differencing "
                    "([c]): the cell's figures are null, its bases are shown."
                )
            )
    finally:
        con.unregister("bi_withheld_cells")


def write_marts_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    docs: dict[str, TableDoc],
    release=None,
    withheld=None,
) -> MartsFile:
    """Publish the warehouse's marts (`con`, read-only is enough) to `path`, atomically, with
    a `release` table (a one-row frame) and the `withheld` cells' figures nulled, when given."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp_wal = tmp.with_name(tmp.name + ".wal")
    _remove(tmp, tmp_wal)
    tables, excluded = publishable_tables(con)
    catalog = con.execute("select current_database()").fetchone()[0]
    con.execute(f"ATTACH {_literal(str(tmp))} AS {ALIAS} (READ_WRITE)")
    try:
        for schema, table in tables:
            name = f"{_quote(schema)}.{_quote(table)}"
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{_quote(schema)}")
            con.execute(f"CREATE TABLE {ALIAS}.{name} AS SELECT * FROM {name}")
            doc = describe(table, _columns(con, catalog, schema, table), docs)
            con.execute(f"COMMENT ON TABLE {ALIAS}.{name} IS {_literal(doc.description)}")
            for column, text in doc.columns.items():
                con.execute(
                    f"COMMENT ON COLUMN {ALIAS}.{name}.{_quote(column)} IS {_literal(text)}"
                )
        counts = _validate(con, tables)
        if withheld is not None:
            _withhold(con, tables, withheld)
        if release is not None:
            con.register("bi_release", release)
            name = f"{ALIAS}.{MARTS_SCHEMA}.{RELEASE_TABLE}"
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM bi_release")
            con.unregister("bi_release")
            con.execute(f"COMMENT ON TABLE {name} IS {_literal(RELEASE_DOC.description)}")
            for column, text in RELEASE_DOC.columns.items():
                con.execute(f"COMMENT ON COLUMN {name}.{_quote(column)} IS {_literal(text)}")
            counts[f"{MARTS_SCHEMA}.{RELEASE_TABLE}"] = 1
        con.execute(f"CHECKPOINT {ALIAS}")
    except BaseException:
        con.execute(f"DETACH {ALIAS}")
        _remove(tmp, tmp_wal)
        raise
    con.execute(f"DETACH {ALIAS}")
    if tmp_wal.exists():
        _remove(tmp, tmp_wal)
        raise PublicationError(f"{tmp_wal} left after checkpoint")
    tmp.chmod(0o444)
    # A stale WAL beside the destination would be replayed into the new file: drop it first.
    _remove(path.with_name(path.name + ".wal"))
    os.replace(tmp, path)
    return MartsFile(path, counts, excluded)
