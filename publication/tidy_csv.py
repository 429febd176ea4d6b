"""One tidy CSV per table: one row per figure, bases and flags as columns.

`value` is a percentage (0-100, as in the workbook and the BI file) when `measure` is percent,
else a count or a rank, written as an integer; `ci_lower` and `ci_upper` are the 95% confidence
interval of a percentage (0-100; marts.fct_estimates: logit for weighted routes, Wilson for
unweighted ones), empty for counts, ranks and the comment-themes table; unweighted bases are
integers; weighted and effective bases are empty for unweighted routes. Every row starts with the
release number and status. Base rows of the workbook are not repeated: every figure carries its
own bases. The comment-themes table (`publication.themes`) fits the same columns (route 'all'
for all comments, breakdown 'poll' for each poll; category kinds 'theme', 'status' and 'stance';
the status rows are its bases, as counts); like the workbook's sheets, its split by stance goes
to `<id>_stance.csv` and its quotes, text rather than figures, to `<id>_quotes.csv`. Text goes
through `neutralise`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from publication import shorthand
from publication.safe_text import neutralise
from publication.tables import COUNT, MODAL_RANK, PERCENT, PublishedTable
from publication.theme_sheet import STANCE
from publication.themes import ALL, RANK, Group, ThemeTable

# Every CSV row starts with the release it belongs to and that release's status.
RELEASE_COLUMNS = {"release": pl.Int64, "status": pl.String}
CSV_COLUMNS = {
    **RELEASE_COLUMNS,
    "table": pl.String,
    "route": pl.String,
    "variable": pl.String,
    "item": pl.String,
    "breakdown": pl.String,
    "group": pl.String,
    "group_label": pl.String,
    "category_kind": pl.String,
    "category": pl.String,
    "category_label": pl.String,
    "measure": pl.String,
    "value": pl.Float64,
    "ci_lower": pl.Float64,
    "ci_upper": pl.Float64,
    "unweighted_base": pl.Int64,
    "weighted_base": pl.Float64,
    "effective_base": pl.Float64,
    "significant": pl.Boolean,
    "compared_with": pl.String,
    "flag": pl.String,
}


QUOTE_COLUMNS = {
    **RELEASE_COLUMNS,
    "table": pl.String,
    "theme": pl.String,
    "theme_label": pl.String,
    "quote_number": pl.Int64,
    "route": pl.String,
    "route_label": pl.String,
    "quote": pl.String,
}


def _safe(records: list[dict], schema: dict) -> pl.DataFrame:
    schema = {k: v for k, v in schema.items() if k not in RELEASE_COLUMNS}
    frame = pl.DataFrame(records, schema=schema)
    # each distinct text neutralised once (labels repeat on every row of a table)
    changes = {
        name: changed
        for name, dtype in schema.items()
        if dtype == pl.String
        and (
            changed := {
                text: safe
                for text in frame[name].unique().drop_nulls()
                if (safe := neutralise(text)) != text
            }
        )
    }
    return frame.with_columns(pl.col(name).replace(m) for name, m in changes.items())


def _theme_records(t: ThemeTable, item: str) -> list[dict]:
    """Table I1's figures: counts, percentages and ranks of themes, statuses, stances."""
    variable = t.spec.variables[0]

    def record(g: Group, kind: str, category: str, label: str, measure: str, value, **rest):
        return {
            "table": t.spec.id,
            "route": g.route,
            "variable": variable,
            "item": item,
            "breakdown": g.breakdown,
            "group": g.group_id,
            "group_label": g.group_label,
            "category_kind": kind,
            "category": category,
            "category_label": label,
            "measure": measure,
            "value": value,
            "flag": shorthand.NOT_APPLICABLE,
            **rest,
        }

    def shares(groups: tuple[Group, ...], kind: str, row) -> list[dict]:
        out = []
        for g, share in zip(groups, row.shares, strict=True):
            label, base = (g, kind, row.id, row.label), {"unweighted_base": share.base}
            out.append(record(*label, COUNT, share.count, **base))
            out.append(record(*label, PERCENT, share.pct, **base, flag=share.flag))
        return out

    everyone = next(g for g in t.groups if g.route == ALL)
    records = []
    for theme in t.themes:
        if theme.rank is not None:
            records.append(record(everyone, "theme", theme.id, theme.label, RANK, theme.rank))
        records += shares(t.groups, "theme", theme)
    records += [
        record(g, "status", status.id, status.label, COUNT, count)
        for status in t.statuses
        for g, count in zip(t.groups, status.counts, strict=True)
    ]
    for stance in t.stances:
        records += shares(t.stance_groups, STANCE_KIND, stance)
    return records


Intervals = dict[tuple, tuple[float | None, float | None]]


def _interval(intervals: Intervals | None, key: tuple, measure: str) -> tuple:
    if intervals is None or measure != PERCENT:
        return None, None
    return intervals.get(key, (None, None))


def tidy_frame(
    t: PublishedTable | ThemeTable, items: dict[str, str], intervals: Intervals | None = None
) -> pl.DataFrame:
    """The table's figures, one row each (`items`: variable id -> item label; `intervals`:
    `publication.estimates.load_intervals`, each percentage's interval by its key)."""
    if isinstance(t, ThemeTable):
        return _safe(_theme_records(t, items[t.spec.variables[0]]), CSV_COLUMNS)
    return _safe(_table_records(t, items, intervals), CSV_COLUMNS)


def _table_records(
    t: PublishedTable, items: dict[str, str], intervals: Intervals | None
) -> list[dict]:
    return [
        {
            "table": t.spec.id,
            "route": column.route,
            "variable": row.spec.variable_id,
            "item": items[row.spec.variable_id],
            "breakdown": column.breakdown,
            "group": column.group_id,
            "group_label": column.group_label,
            "category_kind": row.spec.category_kind,
            "category": row.spec.category,
            "category_label": row.spec.label,
            "measure": row.spec.measure,
            "value": cell.value,
            **dict(
                zip(
                    ("ci_lower", "ci_upper"),
                    _interval(
                        intervals,
                        (
                            row.spec.variable_id,
                            column.route,
                            column.breakdown,
                            column.group_id,
                            row.spec.category_kind,
                            row.spec.category,
                        ),
                        row.spec.measure,
                    ),
                    strict=True,
                )
            ),
            "unweighted_base": None if cell.unweighted_base is None else int(cell.unweighted_base),
            "weighted_base": cell.weighted_base,
            "effective_base": cell.effective_base,
            "significant": cell.significant,
            "compared_with": cell.compared_with,
            "flag": cell.flag,
        }
        for row in t.rows
        if not row.is_base
        for column, cell in zip(t.columns, row.cells, strict=True)
    ]


def quotes_frame(t: ThemeTable) -> pl.DataFrame:
    """Table I1's quotes, one row each: theme, route and the (redacted) text only."""
    records = [
        {
            "table": t.spec.id,
            "theme": q.theme_id,
            "theme_label": q.theme,
            "quote_number": q.number,
            "route": q.route,
            "route_label": q.route_label,
            "quote": q.text,
        }
        for q in t.quotes
    ]
    return _safe(records, QUOTE_COLUMNS)


def _stamped(frame: pl.DataFrame, stamp: dict[str, object]) -> pl.DataFrame:
    """The frame with the release columns first (from `stamp`; null when not given)."""
    return frame.select(
        *(pl.lit(stamp.get(k), dtype).alias(k) for k, dtype in RELEASE_COLUMNS.items()), pl.all()
    )


INTEGER_MEASURES = (COUNT, RANK, MODAL_RANK)
STANCE_KIND = "stance"


def _formatted(frame: pl.DataFrame) -> pl.DataFrame:
    """Counts and ranks in `value` as integers (`140`, not `140.0`)."""
    value = pl.col("value")
    return frame.with_columns(
        value=pl.when(pl.col("measure").is_in(INTEGER_MEASURES))
        .then(value.round(0).cast(pl.Int64).cast(pl.String))
        .otherwise(value.cast(pl.String))
    )


def _write(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path)
    return path


def write_csvs(
    folder: Path,
    tables: list[PublishedTable | ThemeTable],
    items: dict[str, str],
    intervals: Intervals | None = None,
    stamp: dict[str, object] | None = None,
) -> list[Path]:
    """`<folder>/<table id>.csv` for every table, and `<table id>_quotes.csv` for I1's quotes;
    every row starts with the release number and status (`stamp`)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = stamp or {}
    # The figure tables as one frame, made safe and stamped once, then one file per table.
    figures = [t for t in tables if not isinstance(t, ThemeTable)]
    records = [r for t in figures for r in _table_records(t, items, intervals)]
    every = _formatted(_stamped(_safe(records, CSV_COLUMNS), stamp))
    by_table = every.partition_by("table", maintain_order=True, as_dict=True)
    paths = []
    for t in tables:
        if not isinstance(t, ThemeTable):
            rows = by_table.get((t.spec.id,), every.clear())
            paths.append(_write(rows, folder / f"{t.spec.id}.csv"))
            continue
        frame = _formatted(_stamped(tidy_frame(t, items, intervals), stamp))
        by_stance = pl.col("category_kind") == STANCE_KIND
        paths.append(_write(frame.filter(~by_stance), folder / f"{t.spec.id}.csv"))
        paths.append(_write(frame.filter(by_stance), folder / f"{t.spec.id}{STANCE}.csv"))
        path = folder / f"{t.spec.id}_quotes.csv"
        _stamped(quotes_frame(t), stamp).write_csv(path)
        paths.append(path)
    return paths
