"""Illustrative quotes for Table I1, chosen so that none can harm or identify its author.

A comment may be quoted only when
- its author gave the codeframe's `quote_permission` answer (Yes) to its question;
- its theme has at least MIN_GROUP_COMMENTS comments in the author's route. The questionnaire's
  small_base_threshold (50) guards the reliability of percentages; a quote is no estimate, and
  what protects its author is being one of many who wrote on the theme in the route, with nothing
  else published about them. 10 is the usual minimum cell size of disclosure control;
- it is redacted (comments.redaction) and, after redaction, the gate finds no personal data in
  it; it is then cut to MAX_QUOTE_CHARS.
Routes are taken in the questionnaire's order. A quote carries its theme and route only: no
respondent id, poll, demographics or date.
Comments needing no redaction come first, then those coded to the theme alone; among equals the
order is a hash of the codeframe version and respondent id (stable, unrelated to any answer).
A comment is quoted under one theme at most, and the same words only once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import groupby

import polars as pl

from survey.questionnaire import Questionnaire, load_questionnaire

from .codeframe import Codeframe, load_codeframe
from .personal_data import scan_texts
from .redaction import MAX_QUOTE_CHARS, redact, shorten
from .rules import normalise

MIN_GROUP_COMMENTS = 10
QUOTES_PER_ROUTE = 2
SCHEMA = {"theme_id": pl.String, "quote_number": pl.Int64, "route": pl.String, "quote": pl.String}


def select_quotes(
    coded: pl.DataFrame,
    comments: pl.DataFrame,
    codeframe: Codeframe | None = None,
    q: Questionnaire | None = None,
) -> pl.DataFrame:
    """Quotes per theme: `theme_id`, `quote_number`, `route`, `quote`.

    `coded`: respondent_id, route, theme_id (final codes); `comments`: respondent_id, text,
    quote_permission (the answer code to the codeframe's quote permission question).
    """
    codeframe = codeframe or load_codeframe()
    routes = list((q or load_questionnaire()).routes)
    # without a permission question nobody may be quoted
    permitted = (
        pl.col("quote_permission") == codeframe.quote_permission[1]
        if codeframe.quote_permission
        else pl.lit(False)
    )
    group_size = coded.group_by("route", "theme_id").agg(n=pl.col("respondent_id").n_unique())
    themes_of = coded.group_by("respondent_id").agg(n_themes=pl.len())
    candidates = (
        coded.join(comments, on="respondent_id")
        .join(group_size, on=["route", "theme_id"])
        .join(themes_of, on="respondent_id")
        .filter(permitted & (pl.col("n") >= MIN_GROUP_COMMENTS))
    )
    respondents = candidates["respondent_id"].unique()
    order = pl.DataFrame(
        {
            "respondent_id": respondents,
            "order": [_order(codeframe.version, rid) for rid in respondents],
        }
    )
    candidates = candidates.join(order, on="respondent_id", how="left").with_columns(
        several_themes=pl.col("n_themes") > 1
    )
    rows, quoted, seen = [], set(), set()
    safe = _SafeQuotes()
    for theme_id in codeframe.theme_ids:
        number = 0
        for route in routes:
            group = candidates.filter((pl.col("theme_id") == theme_id) & (pl.col("route") == route))
            taken = 0
            for quote, rid in _ranked(group, safe):
                if taken == QUOTES_PER_ROUTE:
                    break
                if rid in quoted or normalise(quote) in seen:
                    continue
                quoted.add(rid)
                seen.add(normalise(quote))
                taken += 1
                number += 1
                rows.append(
                    {"theme_id": theme_id, "quote_number": number, "route": route, "quote": quote}
                )
    return pl.DataFrame(rows, schema=SCHEMA)


class _SafeQuotes:
    """A comment as it may be quoted (redacted and cut) and whether redaction found personal
    data, or None when the gate would still find some; each distinct text worked out once."""

    def __init__(self) -> None:
        self._done: dict[str, tuple[str, bool] | None] = {}

    def __call__(self, text: str) -> tuple[str, bool] | None:
        if text not in self._done:
            redacted, kinds = redact(text)
            quote = shorten(redacted, MAX_QUOTE_CHARS)
            self._done[text] = (quote, bool(kinds)) if scan_texts([quote]).passed else None
        return self._done[text]


def _order(version: str, respondent_id: str) -> str:
    """Where a comment comes among equals: stable, and unrelated to any answer."""
    return hashlib.sha256(f"{version}|{respondent_id}".encode()).hexdigest()


def _ranked(group: pl.DataFrame, safe: _SafeQuotes) -> Iterator[tuple[str, str]]:
    """Safe quotes of a group, best first, with the respondent they come from.

    Best first: needing no redaction, then coded to the theme alone, then by `_order` (then by
    the quote). Comments are redacted in that order as the caller asks for more (it takes two),
    the redacted ones kept for the end, so a group of 100,000 comments costs a sort rather
    than 100,000 redactions.
    """
    keyed = group.select("several_themes", "order", "respondent_id", "text").sort(pl.all())
    redacted = []
    for _, ties in groupby(keyed.iter_rows(), key=lambda row: row[:2]):
        found = []
        for *_, rid, text in ties:
            if (worked := safe(text)) is not None:
                quote, has_kinds = worked
                found.append((has_kinds, quote, rid))
        for has_kinds, quote, rid in sorted(found):
            if has_kinds:
                redacted.append((quote, rid))
            else:
                yield quote, rid
    yield from redacted
