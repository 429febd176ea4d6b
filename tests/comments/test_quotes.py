"""Quotes: permission only, large enough groups, redacted, short, no ids or demographics."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from comments.codeframe import load_codeframe
from comments.personal_data import scan_texts
from comments.quotes import MIN_GROUP_COMMENTS, SCHEMA, select_quotes
from comments.redaction import MAX_QUOTE_CHARS
from sample_generator.comments import PERSONAL_DATA


@pytest.fixture
def quotes(sample_tables) -> pl.DataFrame:
    return sample_tables.published_quotes


def test_quotes_carry_theme_and_route_only(quotes: pl.DataFrame) -> None:
    assert quotes.schema == pl.Schema(SCHEMA)
    assert quotes["theme_id"].n_unique() == 13
    assert set(quotes["route"]) == {"talk_london", "polls"}
    assert quotes["quote"].str.len_chars().max() <= MAX_QUOTE_CHARS
    assert quotes["quote"].is_unique().all()


def test_quotes_come_only_from_respondents_who_gave_permission(quotes, sample_comments) -> None:
    refused = set(sample_comments.filter(pl.col("quote_permission") != 1)["text"].drop_nulls())
    permitted = set(sample_comments.filter(pl.col("quote_permission") == 1)["text"].drop_nulls())
    only_refused = refused - permitted
    assert only_refused  # texts whose every author refused
    assert not set(quotes["quote"]) & only_refused


def test_quotes_never_hold_personal_data(quotes: pl.DataFrame) -> None:
    assert scan_texts(quotes["quote"].to_list()).passed
    for fragment in PERSONAL_DATA:
        assert not quotes["quote"].str.contains(fragment, literal=True).any()


def _synthetic(n: int, permission: int, theme: str = "drugs") -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = [f"tl-{i}" for i in range(n)]
    coded = pl.DataFrame({"respondent_id": ids, "route": "talk_london", "theme_id": theme})
    comments = pl.DataFrame(
        {
            "respondent_id": ids,
            "text": [f"Comment {i} about drugs, call 07700 900{i:03d}." for i in range(n)],
            "quote_permission": [permission] * n,
        }
    )
    return coded, comments


def test_no_quote_from_a_small_group_or_without_permission() -> None:
    assert select_quotes(*_synthetic(MIN_GROUP_COMMENTS - 1, permission=1)).is_empty()
    assert select_quotes(*_synthetic(MIN_GROUP_COMMENTS + 5, permission=2)).is_empty()
    quoted = select_quotes(*_synthetic(MIN_GROUP_COMMENTS, permission=1))
    assert quoted.height == 2
    assert quoted["quote"].str.contains("[phone]", literal=True).all()


def test_no_quote_when_the_codeframe_names_no_permission_question() -> None:
    codeframe = dataclasses.replace(load_codeframe(), quote_permission=None)
    assert select_quotes(*_synthetic(MIN_GROUP_COMMENTS, permission=1)).height == 2
    assert select_quotes(*_synthetic(MIN_GROUP_COMMENTS, permission=1), codeframe).is_empty()
