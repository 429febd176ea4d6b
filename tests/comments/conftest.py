"""Comments as `comments.warehouse.read_comments` returns them, built from the generator's sample
(no warehouse needed), and the generator's true themes by respondent id."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from comments.exclusion import has_suggestion
from comments.warehouse import CommentTables, build_tables
from ingest.coded_comments import SCHEMA as MANUAL_SCHEMA
from sample_generator.generate import build_sample, comment_truth


@pytest.fixture(scope="session")
def truth() -> pl.DataFrame:
    return comment_truth()


@pytest.fixture(scope="session")
def sample_comments(truth: pl.DataFrame) -> pl.DataFrame:
    sample = build_sample()
    texts = sample.talk_london.text["I_MISSING"] + sample.polls.text["I_MISSING"]
    permission = np.concatenate(
        [sample.talk_london.codes["I_QUOTE_PERMISSION"], sample.polls.codes["I_QUOTE_PERMISSION"]]
    )
    return truth.select("respondent_id", "route", "poll").with_columns(
        text=pl.Series([t or None for t in texts], dtype=pl.String),
        in_base=pl.Series([has_suggestion(t) for t in texts]),
        quote_permission=pl.Series(permission.tolist(), dtype=pl.Int32),
    )


@pytest.fixture(scope="session")
def sample_tables(sample_comments: pl.DataFrame) -> CommentTables:
    """The comment tables of the sample, without manual codes."""
    return build_tables(sample_comments, pl.DataFrame(schema=MANUAL_SCHEMA))
