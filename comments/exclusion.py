"""Which comments are analysed (report fn 23: comments without a suggestion are excluded).

A comment is excluded when it is blank, when it is one of the `no_suggestion` phrases of the
questionnaire's base rule `comment` once trimmed, lower-cased and stripped of trailing '.' and
'!' ('No', 'Nothing', "I don't know", 'N/A', '-' ...), or when it holds no letter or digit at
all ('?', '--'). Everything else is a comment and is coded.

`has_suggestion` is the rule's one Python implementation (the report figures of survey.figures
call it too); the warehouse applies it in SQL from `ref.no_suggestion` (int_responses), and the
check `exclusion_agrees_with_warehouse` holds the two to the same comments.
"""

from __future__ import annotations

import polars as pl

from survey.questionnaire import Questionnaire, load_questionnaire

COMMENT_RULE = "comment"  # the questionnaire's base rule of open comments


def has_suggestion(text: str | None, q: Questionnaire | None = None) -> bool:
    """True for a comment the analysis keeps."""
    if text is None:
        return False
    rule = (q or load_questionnaire()).base_rules[COMMENT_RULE]
    phrase = text.strip().rstrip(".!").strip().lower()
    return phrase not in rule.no_suggestion and any(ch.isalnum() for ch in text)


def has_suggestion_flags(texts: pl.Series, q: Questionnaire | None = None) -> pl.Series:
    """`has_suggestion` of every text, each distinct text tested once."""
    q = q or load_questionnaire()
    distinct = texts.drop_nulls().unique()
    kept = distinct.filter(pl.Series([has_suggestion(t, q) for t in distinct], dtype=pl.Boolean))
    return texts.is_in(kept.implode()).fill_null(False).alias(texts.name)


def exclusion_counts(answers: pl.DataFrame, q: Questionnaire | None = None) -> pl.DataFrame:
    """Per route and poll (routes and their polls in the questionnaire's order): respondents,
    blank, no suggestion, comments analysed.

    `answers` holds one row per respondent: `route`, `poll`, `text` (null when blank).
    """
    q = q or load_questionnaire()
    pairs = [(route, poll) for route, spec in q.routes.items() for poll in spec["polls"]]
    order = pl.DataFrame(
        {"route": [r for r, _ in pairs], "poll": [p for _, p in pairs], "order": range(len(pairs))},
        schema={
            "route": answers.schema["route"],
            "poll": answers.schema["poll"],
            "order": pl.Int64,
        },
    )
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
        .join(order, on=["route", "poll"], how="left")
        .sort(pl.col("order").fill_null(len(pairs)), "route", "poll")
        .drop("order")
    )
