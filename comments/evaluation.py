"""Coder agreement, measured on the analysts' double-coded comments of the pack.

The pack's `coded_comments.csv` (ingest.coded_comments.read_double_coded_comments) holds
comments coded by two analysts and the codes they agreed. Two datasets are measured:
- `automatic`: the automatic coder against the agreed codes: the figure the coder is judged by
  (the gate's);
- `analysts`: coder B against coder A: how far two people agree on the codeframe, the ceiling
  the coder can be expected to reach.
A pack without the file has its coder agreement not measured (`measure_agreement` returns
None): nothing is computed from generated or guessed codes instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from .agreement import agreement_table
from .codeframe import Codeframe, load_codeframe
from .coder import Code, code_comment

AUTOMATIC = "automatic"
ANALYSTS = "analysts"
DATASETS = (AUTOMATIC, ANALYSTS)

Coder = Callable[[str], list[Code]]


def double_coded_path() -> Path | None:
    """The current pack's double-coded comments, or None when the pack has none."""
    from ingest.coded_comments import DOUBLE_CODED_FILE
    from survey.pack import current

    pack = current()
    return pack.file(DOUBLE_CODED_FILE) if pack.has(DOUBLE_CODED_FILE) else None


def read_double_coded(path: Path, codeframe: Codeframe | None = None) -> pl.DataFrame:
    """The double-coded comments at `path`, checked against the codeframe."""
    from ingest.coded_comments import read_double_coded_comments

    codeframe = codeframe or load_codeframe()
    theme = codeframe.stance_theme
    return read_double_coded_comments(
        path,
        codeframe.theme_ids,
        theme.id if theme else None,
        tuple(s.id for s in theme.stances) if theme else (),
    )


def agreement_on(
    coded: pl.DataFrame, codeframe: Codeframe | None = None, coder: Coder | None = None
) -> pl.DataFrame:
    """One row per theme, pooled and stance, for each dataset (`DATASETS`) of `coded` (the
    frame `read_double_coded` returns)."""
    codeframe = codeframe or load_codeframe()
    coder = coder or (lambda text: code_comment(text, codeframe))
    theme = codeframe.stance_theme
    automatic = [coder(text) for text in coded["text"]]

    def themes(column: str) -> list[set[str]]:
        return [set(ts) for ts in coded[column]]

    def stances(column: str) -> list[str | None]:
        return coded[column].to_list() if theme else []

    return pl.concat(
        [
            agreement_table(
                predicted=[{c.theme_id for c in codes} for codes in automatic],
                truth=themes("agreed_themes"),
                theme_ids=codeframe.theme_ids,
                dataset=AUTOMATIC,
                predicted_stance=[
                    next((c.stance for c in codes if theme and c.theme_id == theme.id), None)
                    for codes in automatic
                ],
                true_stance=stances("agreed_stance"),
            ),
            agreement_table(
                predicted=themes("coder_b_themes"),
                truth=themes("coder_a_themes"),
                theme_ids=codeframe.theme_ids,
                dataset=ANALYSTS,
                predicted_stance=stances("coder_b_stance"),
                true_stance=stances("coder_a_stance"),
            ),
        ]
    )


def measure_agreement(
    path: Path | None = None, codeframe: Codeframe | None = None, coder: Coder | None = None
) -> pl.DataFrame | None:
    """Agreement on the pack's double-coded comments (`path`, default the current pack's file);
    None when there are none."""
    path = path or double_coded_path()
    if path is None:
        return None
    codeframe = codeframe or load_codeframe()
    return agreement_on(read_double_coded(path, codeframe), codeframe, coder)
