"""One tidy CSV per table: one row per figure, bases and flags as columns.

`value` is a percentage (0-100) when `measure` is percent, else a count or a rank. Base rows of the
workbook are not repeated: every figure carries its own bases. Text goes through `neutralise`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from publication.safe_text import neutralise
from publication.tables import PublishedTable

CSV_COLUMNS = {
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
    "unweighted_base": pl.Float64,
    "weighted_base": pl.Float64,
    "effective_base": pl.Float64,
    "significant": pl.Boolean,
    "compared_with": pl.String,
    "flag": pl.String,
}


def tidy_frame(t: PublishedTable, items: dict[str, str]) -> pl.DataFrame:
    """The table's figures, one row each (`items`: variable id -> item label)."""
    records = [
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
            "unweighted_base": cell.unweighted_base,
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
    frame = pl.DataFrame(records, schema=CSV_COLUMNS)
    return frame.with_columns(
        pl.col(name).map_elements(neutralise, return_dtype=pl.String)
        for name, dtype in CSV_COLUMNS.items()
        if dtype == pl.String
    )


def write_csvs(folder: Path, tables: list[PublishedTable], items: dict[str, str]) -> list[Path]:
    """`<folder>/<table id>.csv` for every table."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in tables:
        path = folder / f"{t.spec.id}.csv"
        tidy_frame(t, items).write_csv(path)
        paths.append(path)
    return paths
