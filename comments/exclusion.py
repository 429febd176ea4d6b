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
from survey.questionnaire import Questionnaire, load_questionnaire

# What Python's str.strip() removes from an ASCII text (str.isspace: \x1c-\x1f too).
ASCII_WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def has_suggestion(text: str | None, q: Questionnaire | None = None) -> bool:
    """True for a comment the analysis keeps."""
    return is_substantive_comment(text, q)


def has_suggestion_flags(texts: pl.Series, q: Questionnaire | None = None) -> pl.Series:
    """`has_suggestion` of every text, in one pass over a million texts.

    ASCII texts are tested with polars string functions that do on ASCII exactly what
    `is_substantive_comment` does in Python (strip `ASCII_WHITESPACE`, lower-case A-Z, look for
    A-Z, a-z or 0-9); each distinct text with any other character is tested by `has_suggestion`
    itself, whose notions of whitespace, case and letters polars does not share.
    """
    q = q or load_questionnaire()
    phrases = sorted(q.base_rules["comment"].no_suggestion)
    phrase = (
        texts.str.strip_chars(ASCII_WHITESPACE)
        .str.strip_chars_end(".!")
        .str.strip_chars(ASCII_WHITESPACE)
        .str.to_lowercase()
    )
    flags = (~phrase.is_in(phrases) & texts.str.contains("[A-Za-z0-9]")).fill_null(False)
    other = texts.str.contains(r"[^\x00-\x7F]").fill_null(False)
    if other.any():
        distinct = texts.filter(other).unique().to_list()
        tested = texts.replace_strict(
            distinct, [has_suggestion(t, q) for t in distinct], default=False
        )
        flags = pl.select(pl.when(other).then(tested).otherwise(flags)).to_series()
    return flags.alias(texts.name)


def exclusion_counts(answers: pl.DataFrame, q: Questionnaire | None = None) -> pl.DataFrame:
    """Per route and poll: respondents, blank, no suggestion, comments analysed.

    `answers` holds one row per respondent: `route`, `poll`, `text` (null when blank).
    """
    status = answers.with_columns(
        blank=pl.col("text").fill_null("").str.strip_chars() == "",
        kept=has_suggestion_flags(answers["text"], q),
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
