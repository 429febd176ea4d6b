"""Files the publication writes beside Table I1 (into its staging folder, before the swap)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from .codeframe import load_codeframe
from .warehouse import SCHEMA

AGREEMENT_CSV = "comment_coding_agreement.csv"


def write_agreement_csv(con: duckdb.DuckDBPyConnection, folder: Path) -> Path:
    """`<folder>/comment_coding_agreement.csv` from `comments.coder_agreement`.

    One row per theme and dataset ('evaluation': held-out comments, the figure to judge the
    coder by; 'tuning': the sample the rules were tuned on), figures to 3 decimals.
    """
    codeframe = load_codeframe()
    labels = {t: codeframe.theme(t).label for t in codeframe.theme_ids}
    table = (
        con.sql(f"select * from {SCHEMA}.coder_agreement")
        .pl()
        .with_columns(
            pl.col("theme_id").replace_strict(labels, default=pl.col("theme_id")).alias("label"),
            pl.col("precision", "recall", "f1", "kappa").round(3),
        )
        .select(
            "theme_id",
            "label",
            "dataset",
            "comments",
            "support",
            "precision",
            "recall",
            "f1",
            "kappa",
            "codeframe_version",
        )
    )
    path = Path(folder) / AGREEMENT_CSV
    path.parent.mkdir(parents=True, exist_ok=True)
    table.write_csv(path)
    return path
