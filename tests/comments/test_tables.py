"""Table I1 on the sample: the report's counts, ranks, the drugs split, manual overrides."""

from __future__ import annotations

import polars as pl
import pytest

from comments.codeframe import load_codeframe
from comments.warehouse import build_tables
from ingest.coded_comments import SCHEMA as MANUAL_SCHEMA
from sample_generator.comments import THEME_COUNTS


@pytest.fixture
def tables(sample_tables):
    return sample_tables


def test_i1_counts_equal_the_reports(tables) -> None:
    overall = tables.theme_counts.filter((pl.col("route") == "all") & (pl.col("poll") == "all"))
    report = {t.id: t.report_count for t in load_codeframe().themes}
    assert dict(overall.select("theme_id", "comments").iter_rows()) == {**report, "other": 207}
    ranked = overall.filter(pl.col("rank").is_not_null()).sort("rank")
    assert ranked["theme_id"].to_list() == list(THEME_COUNTS)  # the report's order
    assert ranked["rank"].to_list() == list(range(1, 13))
    assert set(overall["base"]) == {932}


def test_i1_groups_add_up(tables) -> None:
    counts = tables.theme_counts
    assert counts.select("route", "poll").unique().sort("route", "poll").rows() == [
        ("all", "all"),
        ("polls", "all"),
        ("polls", "boost"),
        ("polls", "representative"),
        ("talk_london", "all"),
    ]
    by = {
        (route, poll): dict(group.select("theme_id", "comments").rows())
        for (route, poll), group in counts.group_by("route", "poll")
    }
    for theme, n in by[("all", "all")].items():
        assert by[("talk_london", "all")][theme] + by[("polls", "all")][theme] == n
        assert (
            by[("polls", "representative")][theme] + by[("polls", "boost")][theme]
            == (by[("polls", "all")][theme])
        )


def test_codes_agree_with_the_generators_truth(tables, truth) -> None:
    coded = tables.coded_comments.group_by("respondent_id").agg(pl.col("theme_id").sort())
    expected = truth.filter(pl.col("themes").list.len() > 0).select(
        "respondent_id", pl.col("themes").list.sort().alias("theme_id")
    )
    assert coded.sort("respondent_id").equals(expected.sort("respondent_id"))
    assert set(tables.coded_comments["source"]) == {"auto"}
    assert tables.coded_comments["evidence"].str.len_chars().min() > 0


def test_stance_split_by_route_is_the_reports(tables, truth) -> None:
    split = {(r["route"], r["stance"]): r for r in tables.stance_counts.iter_rows(named=True)}
    assert split[("polls", "more_enforcement")]["pct"] >= 80  # nearly all for enforcement
    assert 35 <= split[("talk_london", "less_enforcement")]["pct"] <= 65  # about half and half
    true_less = truth.filter(pl.col("drugs_stance") == "legalisation").height
    assert split[("all", "less_enforcement")]["comments"] == true_less


def test_manual_codes_replace_a_respondents_automatic_codes(sample_comments, tables) -> None:
    coded = tables.coded_comments
    drugs = coded.filter(pl.col("theme_id") == "drugs")["respondent_id"]
    multi = (
        coded.filter(~pl.col("respondent_id").is_in(drugs.implode()))
        .group_by("respondent_id")
        .len()
        .filter(pl.col("len") > 1)
        .sort("respondent_id")["respondent_id"][0]
    )
    manual = pl.DataFrame(
        {
            "respondent_id": [multi],
            "themes": [["drugs"]],
            "coder": ["AB"],
            "note": ["about dealing"],
            "source_file": ["coded_comments_20220301.csv"],
            "source_row": [2],
        },
        schema=MANUAL_SCHEMA,
    )
    recoded = build_tables(sample_comments, manual)
    rows = recoded.coded_comments.filter(pl.col("respondent_id") == multi)
    assert rows.select("theme_id", "source").rows() == [("drugs", "manual")]
    assert rows["evidence"][0] == (
        "manual (coded_comments_20220301.csv row 2, coder AB): about dealing"
    )
    assert rows["stance"][0] in ("more_enforcement", "less_enforcement")
    before = dict(
        tables.theme_counts.filter(pl.col("route") == "all").select("theme_id", "comments").rows()
    )
    after = dict(
        recoded.theme_counts.filter(pl.col("route") == "all").select("theme_id", "comments").rows()
    )
    assert after["drugs"] == before["drugs"] + 1
    assert (
        sum(before.values()) - sum(after.values())
        == coded.filter(pl.col("respondent_id") == multi).height - 1
    )
