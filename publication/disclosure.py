"""Protection against disclosure by differencing between cumulative releases.

Two releases whose figures rest on almost the same respondents let a reader subtract one from
the other and read off the answers of the few who were added. Two rules prevent it
(docs/methodology.md, "Provisional releases and disclosure"):

- **Routes.** A new provisional release is published only when every route whose respondents
  changed since the previous release changed by at least the small-base threshold; otherwise
  the release is held and the previous one stays. The final release is always published.
- **Cells.** Within a route, one cell (a variable's base for one group of one breakdown) can
  still differ by a few respondents. In a provisional release, a cell whose unweighted base
  differs from the base it had when it was last published by fewer than the threshold (but not
  zero) is suppressed: its counts, percentages and tests are withheld (`[c]`) wherever it
  appears, every table and file alike, and it stays suppressed until it has moved on from its
  last published base by the threshold. The final release shows every cell.

Each release keeps, beside it in the build folder, the base each cell had when it was last
published (`release_state/<n>.parquet`), which the next release compares with.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from publication.release_status import FINAL, DataAsOf

STATE_DIR = "release_state"
CELL = ("route", "variable_id", "breakdown", "group_id", "is_status")


def hold_reason(
    current: DataAsOf, previous_routes: dict[str, int] | None, threshold: int
) -> str | None:
    """Why a provisional release must be held (None: it may be published)."""
    if previous_routes is None or current.status == FINAL:
        return None
    small = []
    for route in sorted(set(current.routes) | set(previous_routes)):
        now, before = current.routes.get(route, 0), previous_routes.get(route, 0)
        if 0 < abs(now - before) < threshold:
            small.append(f"{route} {before:,} -> {now:,}")
    if not small:
        return None
    return (
        "fewer than the small-base threshold of "
        f"{threshold} respondents added since the previous release ({'; '.join(small)}): "
        "publishing would let the new respondents' answers be read by difference"
    )


def cell_bases(estimates: pl.DataFrame) -> pl.DataFrame:
    """One row per cell of the estimates with its unweighted base."""
    return (
        estimates.with_columns((pl.col("category_kind") == "status").alias("is_status"))
        .group_by(CELL)
        .agg(pl.col("unweighted_base").max().fill_null(0).alias("unweighted_base"))
    )


def state_path(build_dir: Path, release: int) -> Path:
    return build_dir / STATE_DIR / f"{release}.parquet"


def load_state(build_dir: Path, release: int | None) -> pl.DataFrame | None:
    """The cells' last published bases as of `release` (None: no earlier release)."""
    if release is None:
        return None
    path = state_path(build_dir, release)
    return pl.read_parquet(path) if path.exists() else None


def suppressed_cells(
    bases: pl.DataFrame, state: pl.DataFrame | None, threshold: int, status: str
) -> pl.DataFrame:
    """The cells to withhold in this release (columns `CELL`)."""
    if state is None or status == FINAL:
        return bases.select(CELL).clear()
    joined = bases.join(state, on=CELL, how="left")
    moved = (pl.col("unweighted_base") - pl.col("reference_base")).abs()
    # a cell never published with respondents (no reference, or 0) has nothing to subtract
    return joined.filter(
        (pl.col("reference_base").fill_null(0) > 0) & (moved > 0) & (moved < threshold)
    ).select(CELL)


def next_state(
    bases: pl.DataFrame, state: pl.DataFrame | None, suppressed: pl.DataFrame
) -> pl.DataFrame:
    """The cells' last published bases after this release: a published cell's own base, a
    suppressed cell's earlier reference."""
    out = bases.join(suppressed.with_columns(pl.lit(True).alias("_held")), on=CELL, how="left")
    if state is not None:
        out = out.join(state, on=CELL, how="left")
    else:
        out = out.with_columns(pl.lit(None, pl.Int64).alias("reference_base"))
    return out.select(
        *CELL,
        pl.when(pl.col("_held").fill_null(False))
        .then(pl.col("reference_base"))
        .otherwise(pl.col("unweighted_base"))
        .cast(pl.Int64)
        .alias("reference_base"),
    )


def write_state(build_dir: Path, release: int, state: pl.DataFrame) -> Path:
    """Write the state of `release` (before the release is swapped in: a state without its
    release is overwritten by the next attempt)."""
    path = state_path(build_dir, release)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    state.write_parquet(tmp)
    os.replace(tmp, path)
    return path


def apply_suppression(estimates: pl.DataFrame, suppressed: pl.DataFrame) -> pl.DataFrame:
    """The estimates with the suppressed cells' figures withheld (`suppressed` true; counts,
    percentages, intervals and tests null; bases kept)."""
    flagged = (
        estimates.with_columns((pl.col("category_kind") == "status").alias("is_status"))
        .join(suppressed.with_columns(pl.lit(True).alias("suppressed")), on=CELL, how="left")
        .with_columns(pl.col("suppressed").fill_null(False))
        .drop("is_status")
    )
    withheld = [
        c
        for c in (
            "pct",
            "ci_lower",
            "ci_upper",
            "unweighted_count",
            "weighted_count",
            "compared_with",
            "significant",
        )
        if c in flagged.columns
    ]
    return flagged.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in withheld
    )
