"""`changes.csv`: every published figure beside its value in the previous release.

Figures are the rows of the tidy CSVs (quotes are text, not figures). A figure is identified by
its table, route, variable, breakdown group, category and measure; one that is new in this
release has no previous value, one that is gone has no value.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

CSV_DIR = "csv"
FILE_NAME = "changes.csv"
FIGURE_KEY = (
    "table",
    "route",
    "variable",
    "breakdown",
    "group",
    "category_kind",
    "category",
    "measure",
)
# Figures are written from floats: a change smaller than this is not a change.
TOLERANCE = 1e-9


def published_figures(release: Path | None) -> pl.DataFrame:
    """The figures of a release's tidy CSVs: `FIGURE_KEY` and `value` (empty when none)."""
    schema = {**dict.fromkeys(FIGURE_KEY, pl.String), "value": pl.Float64}
    files = sorted((release / CSV_DIR).glob("*.csv")) if release is not None else []
    frames = [
        pl.read_csv(path, infer_schema=False).select(
            *FIGURE_KEY, pl.col("value").cast(pl.Float64, strict=False)
        )
        for path in files
        if not path.stem.endswith("_quotes")
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def compare(current: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """Every figure of either release: previous value, value, difference, and whether it
    changed (a value that appeared, disappeared or moved)."""
    joined = current.join(
        previous.rename({"value": "previous_value"}), on=FIGURE_KEY, how="full", coalesce=True
    )
    difference = pl.col("value") - pl.col("previous_value")
    changed = (
        (difference.abs() > TOLERANCE)
        | (pl.col("value").is_null() != pl.col("previous_value").is_null())
    ).fill_null(False)
    return joined.select(
        *FIGURE_KEY,
        "previous_value",
        "value",
        difference.alias("difference"),
        changed.alias("changed"),
    ).sort(FIGURE_KEY, nulls_last=True)


def write_changes(staging: Path, previous: Path | None) -> tuple[Path, int]:
    """Write `changes.csv` into the staging release; returns its path and how many figures
    changed (every figure, for a first release)."""
    table = compare(published_figures(staging), published_figures(previous))
    if previous is None:
        table = table.with_columns(pl.lit(True).alias("changed"))
    path = staging / FILE_NAME
    table.write_csv(path)
    return path, int(table["changed"].sum())
