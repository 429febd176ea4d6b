"""Analysts' manual codes replace a respondent's automatic codes, whole."""

from __future__ import annotations

import polars as pl

from .codeframe import Codeframe, load_codeframe
from .coder import stance_of

AUTO = "auto"
MANUAL = "manual"


def apply_manual_codes(
    auto: pl.DataFrame,
    manual: pl.DataFrame,
    texts: dict[str, str],
    codeframe: Codeframe | None = None,
) -> pl.DataFrame:
    """`auto` (respondent_id, theme_id, evidence, stance) with every respondent in `manual`
    (ingest.coded_comments) recoded by hand; adds `source` 'auto' | 'manual'.

    A manual code of the stance theme gets its stance from the stance rules on the comment's text.
    """
    codeframe = codeframe or load_codeframe()
    stance_theme = codeframe.stance_theme_id
    rows = []
    for r in manual.iter_rows(named=True):
        where = f"{r['source_file']} row {r['source_row']}, coder {r['coder']}"
        note = f": {r['note']}" if r["note"] else ""
        for theme_id in r["themes"]:
            stance = (
                stance_of(texts[r["respondent_id"]], codeframe)[0]
                if theme_id == stance_theme
                else None
            )
            rows.append(
                {
                    "respondent_id": r["respondent_id"],
                    "theme_id": theme_id,
                    "evidence": f"manual ({where}){note}",
                    "stance": stance,
                }
            )
    recoded = pl.DataFrame(rows, schema=auto.schema)
    kept = auto.filter(~pl.col("respondent_id").is_in(manual["respondent_id"].implode()))
    return pl.concat(
        [
            kept.with_columns(source=pl.lit(AUTO)),
            recoded.with_columns(source=pl.lit(MANUAL)),
        ]
    )
