"""Which comments are analysed (report fn 23: comments without a suggestion are excluded).

A comment is excluded when it is blank, when it is one of the questionnaire's `no_suggestion`
phrases once trimmed, lower-cased and stripped of trailing '.' and '!' ('No', 'Nothing',
"I don't know", 'N/A', '-' ...), or when it holds no letter or digit at all ('?', '--'): the
rule is `survey.figures.is_substantive_comment`, mirrored in SQL by int_responses. Everything
else is a comment and is coded.
"""

from __future__ import annotations

import polars as pl

from survey.figures import is_substantive_comment
from survey.questionnaire import Questionnaire


def has_suggestion(text: str | None, q: Questionnaire | None = None) -> bool:
    """True for a comment the analysis keeps."""
    return is_substantive_comment(text, q)


def exclusion_counts(answers: pl.DataFrame, q: Questionnaire | None = None) -> pl.DataFrame:
    """Per route and poll: respondents, blank, no suggestion, comments analysed.

    `answers` holds one row per respondent: `route`, `poll`, `text` (null when blank).
    """
    status = answers.with_columns(
        blank=pl.col("text").fill_null("").str.strip_chars() == "",
        kept=pl.col("text").map_elements(
            lambda t: has_suggestion(t, q), return_dtype=pl.Boolean, skip_nulls=False
        ),
    )
    return (
        status.group_by("route", "poll", maintain_order=True)
        .agg(
            respondents=pl.len(),
            blank=pl.col("blank").sum(),
            no_suggestion=(~pl.col("blank") & ~pl.col("kept")).sum(),
            comments=pl.col("kept").sum(),
        )
        .with_columns(pl.exclude("route", "poll").cast(pl.Int64))
        .sort("route", "poll", descending=True)
    )
