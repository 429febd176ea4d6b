"""`consultation_marts.duckdb`: the marts for BI tools (estimates, significance, questions,
section marts, weighting summary and margins), aggregates only.

Built under a temporary name beside its destination, validated (row counts, no respondent-level
or free-text columns, every table and column described), checkpointed, detached, made read-only
(0o444) and renamed over the old file with `os.replace`. A reader holding the old file keeps
reading it (same inode); a new reader opens the complete new file; no `.wal` is left beside it.
"""

from __future__ import annotations

import contextlib
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


SETTINGS_TABLE = "analysis_settings"
# Percentages are 0-100 in the BI file as in the workbook and the CSVs; proportions the warehouse
# holds as 0-1 are published as percentages.
PERCENT_COLUMNS = {
    "pct",
    "compared_pct",
    "modal_pct",
    "pct_ranked_first",
    "target_pct",
    "unweighted_pct",
    "weighted_pct",
}
PROPORTION_COLUMNS = {"p1": "the group", "p2": "the comparison group"}  # 0-1 in the warehouse
POINTS_COLUMNS = {"diff_pts", "unweighted_diff_pts", "weighted_diff_pts", "benchmark_diff_pts"}
PERCENT_UNIT = "Unit: per cent, 0 to 100 (45.3 means 45.3%), as in the workbook and the CSVs."
# Columns that only a weighted route has: null for an unweighted route's rows.
WEIGHTED_ONLY = re.compile(r"^(weighted_|effective_|n_eff)")
# Names of what the BI file does not hold, as the dbt descriptions cite them, and what to say.
NOT_PUBLISHED = (
    (re.compile(r"\bref\.analysis\.(\w+)"), rf"marts.{SETTINGS_TABLE} (setting \1)"),
    (re.compile(r"\bref\.analysis\b"), f"marts.{SETTINGS_TABLE}"),
    (re.compile(r"\bref\.comparisons\b"), f"marts.{SETTINGS_TABLE} (setting comparisons)"),
    (re.compile(r"\bref\.(\w+)(?:\.\w+)*"), r"the questionnaire's \1"),
    (
        re.compile(r"\bweights\.poll_weights\b"),
        "the poll weights (respondent-level, not published)",
    ),
    (
        re.compile(r"\b(?:raw|staging|intermediate|weights|comments)\.(\w+)"),
        r"the warehouse's \1 (not published)",
    ),
    (re.compile(r"\b(?:int|stg|prep)_\w+"), "a warehouse model (not published)"),
    # a dbt description of a weighted column that equals the unweighted one on unweighted routes
    (re.compile(r"\(= unweighted base for [^)]*\)"), "(null for unweighted routes)"),
)


class PublicationError(RuntimeError):
    """A published file failed its validation."""


@dataclass(frozen=True)
class BiSettings:
    """What the BI file states beside the marts: unweighted routes (their weighted and effective
    columns are null) and the analysis settings (the `analysis_settings` table)."""

    unweighted_routes: tuple[str, ...] = ()
    settings: tuple[tuple[str, str, str], ...] = ()  # (setting, value, description)


def bi_settings(q) -> BiSettings:
    """The settings of questionnaire `q` the marts were computed with."""
    a = q.analysis
    comparisons = "; ".join(
        f"{c['breakdown']}: "
        + (" vs ".join(c["pair"]) if "pair" in c else f"each vs {c['each_vs']}")
        + (f" ({', '.join(c['routes'])} only)" if c.get("routes") else "")
        + (" (fct_significance only)" if c.get("primary") is False else "")
        for c in a["comparisons"]
    )
    routes = ", ".join(
        f"{r}: {'weighted' if s['weighted'] else 'unweighted'}" for r, s in q.routes.items()
    )
    rows = (
        ("questionnaire_version", str(q.version), "Version of the questionnaire analysed."),
        ("routes", routes, "Routes and whether their figures are weighted."),
        (
            "small_base_threshold",
            str(a["small_base_threshold"]),
            "Unweighted base below which a figure is flagged (small_base) and not tested.",
        ),
        ("confidence_level", str(a["confidence_level"]), "Confidence level of the tests."),
        (
            "z_critical",
            str(a["z_critical"]),
            "Two-sided critical value: significant when |z| >= it.",
        ),
        ("comparisons", comparisons, "The pre-specified comparisons tested, per breakdown."),
        ("multiple_comparisons", " ".join(str(a["multiple_comparisons"]).split()), "Policy."),
        ("percentage_unit", "0-100", "Every percentage column is 0 to 100 (45.3 means 45.3%)."),
    )
    unweighted = tuple(r for r, s in q.routes.items() if not s["weighted"])
    return BiSettings(unweighted, rows)


SECTIONS_MART = "mart_sections"  # dbt's view of every section; one table per section beside it


def section_docs(con: duckdb.DuckDBPyConnection, docs: dict[str, TableDoc]) -> dict[str, TableDoc]:
    """Descriptions of the per-section tables (`ref.sections.mart`) that the `mart_sections`
    model writes: the section's id and title, and `mart_sections`' column descriptions. None
    without ref.sections."""
    base = docs.get(SECTIONS_MART)
    try:
        rows = con.execute("select mart, section, title from ref.sections").fetchall()
    except duckdb.Error:
        return {}
    if base is None:
        return {}
    return {
        mart: TableDoc(
            f"Report section {sid} ({title}) for BI: the rows of {SECTIONS_MART} of this section.",
            base.columns,
        )
        for mart, sid, title in rows
    }


def published_comment(table: str, column: str | None, text: str) -> str:
    """A dbt description as the BI file states it: citing only what the file holds, with units."""
    for pattern, replacement in NOT_PUBLISHED:
        text = pattern.sub(replacement, text)
    if column in PROPORTION_COLUMNS:
        text = f"Percentage of {PROPORTION_COLUMNS[column]}, weighted for weighted routes."
    if column in PERCENT_COLUMNS or column in PROPORTION_COLUMNS:
        text = f"{text.rstrip()} {PERCENT_UNIT}"
    elif column in POINTS_COLUMNS:
        text = f"{text.rstrip()} Unit: percentage points (difference of two 0-100 percentages)."
    return text


def _select(columns: list[str], unweighted: tuple[str, ...]) -> str:
    """The select list of a published table: weighted-only columns null for unweighted routes,
    proportions as percentages."""
    nulls = "route in (" + ", ".join(_literal(r) for r in unweighted) + ")"
    out = []
    for c in columns:
        q = _quote(c)
        if unweighted and "route" in columns and WEIGHTED_ONLY.search(c):
            out.append(f"case when {nulls} then null else {q} end as {q}")
        elif c in PROPORTION_COLUMNS:
            out.append(f"100 * {q} as {q}")
        else:
            out.append(q)
    return ", ".join(out)


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
        "consultation_id": "The consultation pack the release was built from (its folder name).",
        "consultation_version": "The version of the pack's questionnaire the figures were "
        "computed with.",
        "consultation_fingerprint": "sha256 over every file of the pack (names and bytes): "
        "which exact pack the release was built from.",
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


def _write_settings(con: duckdb.DuckDBPyConnection, settings: BiSettings) -> None:
    name = f"{ALIAS}.{MARTS_SCHEMA}.{SETTINGS_TABLE}"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{MARTS_SCHEMA}")
    con.execute(f"CREATE TABLE {name} (setting VARCHAR, value VARCHAR, description VARCHAR)")
    con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?)", [list(r) for r in settings.settings])
    con.execute(
        f"COMMENT ON TABLE {name} IS "
        + _literal("The analysis settings the figures of this file were computed with.")
    )
    for column, text in (
        ("setting", "Name of the setting."),
        ("value", "Its value, as text."),
        ("description", "What it means."),
    ):
        con.execute(f"COMMENT ON COLUMN {name}.{column} IS {_literal(text)}")


def write_marts_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    docs: dict[str, TableDoc],
    settings: BiSettings | None = None,
    release=None,
    withheld=None,
) -> MartsFile:
    """Publish the warehouse's marts (`con`, read-only is enough) to `path`, atomically, with
    a `release` table (a one-row frame) and the `withheld` cells' figures nulled, when given."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp_wal = tmp.with_name(tmp.name + ".wal")
    _remove(tmp, tmp_wal)
    tables, excluded = publishable_tables(con)
    docs = {**docs, **section_docs(con, docs)}
    catalog = con.execute("select current_database()").fetchone()[0]
    con.execute(f"ATTACH {_literal(str(tmp))} AS {ALIAS} (READ_WRITE)")
    settings = settings or BiSettings()
    # One transaction for the file's hundreds of statements (tables and comments): committed
    # one by one, each would write and sync the file's log.
    con.execute("BEGIN TRANSACTION")
    try:
        for schema, table in tables:
            name = f"{_quote(schema)}.{_quote(table)}"
            columns = _columns(con, catalog, schema, table)
            select = _select(columns, settings.unweighted_routes)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{_quote(schema)}")
            con.execute(f"CREATE TABLE {ALIAS}.{name} AS SELECT {select} FROM {name}")
            doc = describe(table, columns, docs)
            description = published_comment(table, None, doc.description)
            con.execute(f"COMMENT ON TABLE {ALIAS}.{name} IS {_literal(description)}")
            for column, text in doc.columns.items():
                text = published_comment(table, column, text)
                if (
                    settings.unweighted_routes
                    and "route" in columns
                    and WEIGHTED_ONLY.search(column)
                ):
                    text += (
                        f" Null for unweighted routes ({', '.join(settings.unweighted_routes)})."
                    )
                con.execute(
                    f"COMMENT ON COLUMN {ALIAS}.{name}.{_quote(column)} IS {_literal(text)}"
                )
        counts = _validate(con, tables)
        if settings.settings:
            _write_settings(con, settings)
            counts[f"{MARTS_SCHEMA}.{SETTINGS_TABLE}"] = len(settings.settings)
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
        con.execute("COMMIT")
        con.execute(f"CHECKPOINT {ALIAS}")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # no transaction open when COMMIT failed
            con.execute("ROLLBACK")
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
