"""Files the publication writes beside Table I1 (into its staging folder, before the swap)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from .agreement import POOLED, STANCE
from .codeframe import load_codeframe
from .warehouse import SCHEMA

AGREEMENT_CSV = "comment_coding_agreement.csv"
NOT_MEASURED = "not_measured"  # the dataset of the one row written when agreement is unmeasured


def write_agreement_csv(con: duckdb.DuckDBPyConnection, folder: Path) -> Path:
    """`<folder>/comment_coding_agreement.csv` from `comments.coder_agreement`.

    One row per theme and dataset ('automatic': the automatic coder against the analysts'
    agreed codes, the figure to judge the coder by; 'analysts': coder B against coder A),
    figures to 3 decimals. When the pack has no double-coded comments, one row says so: theme
    'all_themes', dataset 'not_measured', no figures.
    """
    codeframe = load_codeframe()
    labels = {t: codeframe.theme(t).label for t in codeframe.theme_ids}
    labels[POOLED] = "All themes (pooled)"
    if codeframe.stance_theme:
        labels[STANCE] = f"{codeframe.stance_theme.label}: stance"
    table = con.sql(f"select * from {SCHEMA}.coder_agreement").pl()
    if table.is_empty():
        row = {c: [None] for c in table.columns} | {
            "theme_id": [POOLED],
            "dataset": [NOT_MEASURED],
            "codeframe_version": [codeframe.version],
        }
        table = pl.DataFrame(row, schema=table.schema)
    table = table.with_columns(
        pl.col("theme_id").replace_strict(labels, default=pl.col("theme_id")).alias("label"),
        pl.col("precision", "recall", "f1", "kappa").round(3),
    ).select(
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
    path = Path(folder) / AGREEMENT_CSV
    path.parent.mkdir(parents=True, exist_ok=True)
    table.write_csv(path)
    return path
