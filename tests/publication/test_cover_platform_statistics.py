"""The cover's platform-statistics paragraph: the figures and their export date, or nothing."""

from __future__ import annotations

from datetime import date

import polars as pl

from publication.cover import platform_statistics_sections
from survey.questionnaire import load_questionnaire


def test_paragraph_when_delivered():
    stats = pl.DataFrame(
        {
            "metric": ["unique_page_views", "comments", "interactions"],
            "value": [41657, 32, 55],
            "export_date": [date(2022, 1, 21)] * 3,
        }
    )
    assert platform_statistics_sections(load_questionnaire(), stats) == [
        (
            "Platform statistics",
            [
                "Talk London campaign: 41,657 unique page views, 32 comments on the proposals and"
                " 55 additional interactions (likes/hearts), in addition to the survey responses"
                " (platform statistics exported on 2022-01-21)."
            ],
        )
    ]


def test_nothing_when_not_delivered():
    q = load_questionnaire()
    empty = pl.DataFrame(schema={"metric": pl.String, "value": pl.Int64, "export_date": pl.Date})
    assert platform_statistics_sections(q, empty) == []
    assert platform_statistics_sections(q, None) == []
