"""Comments without a suggestion are excluded (report fn 23): the rule and the sample's counts."""

from __future__ import annotations

import polars as pl
import pytest

from comments.exclusion import exclusion_counts, has_suggestion
from survey.questionnaire import load_questionnaire


@pytest.mark.parametrize("phrase", load_questionnaire().base_rules["comment"].no_suggestion)
def test_every_no_suggestion_phrase_is_excluded(phrase: str) -> None:
    assert not has_suggestion(phrase)
    assert not has_suggestion(f"  {phrase.upper()}. ")


@pytest.mark.parametrize(
    "text", [None, "", "   ", "No.", "Nothing!", "I don't know", "?", "--", "..."]
)
def test_blank_refusals_and_punctuation_are_excluded(text: str | None) -> None:
    assert not has_suggestion(text)


@pytest.mark.parametrize(
    "text", ["No more station closures", "Knife crime", "Nothing about fraud?"]
)
def test_suggestions_are_kept(text: str) -> None:
    assert has_suggestion(text)


def test_counts_by_route_and_poll_are_the_reports(sample_comments: pl.DataFrame) -> None:
    counts = exclusion_counts(sample_comments)
    got = {row["poll"]: row for row in counts.iter_rows(named=True)}
    assert {poll: row["comments"] for poll, row in got.items()} == {
        "talk_london": 579,
        "representative": 242,
        "boost": 111,
    }
    for row in got.values():
        assert row["blank"] + row["no_suggestion"] + row["comments"] == row["respondents"]
        assert row["no_suggestion"] > 0
