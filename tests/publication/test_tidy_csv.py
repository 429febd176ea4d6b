"""One tidy CSV per table: one row per figure, bases and flags as columns."""

from __future__ import annotations

import polars as pl

from publication.estimates import figure_columns
from publication.tidy_csv import CSV_COLUMNS
from survey.questionnaire import Questionnaire


def test_one_csv_per_table(release, questionnaire: Questionnaire) -> None:
    assert [p.stem for p in release.csvs] == [*questionnaire.tables, "I1_stance", "I1_quotes"]
    assert {p.parent.name for p in release.csvs} == {"csv"}
    assert all(p.parent.parent.name == "published" for p in release.csvs)


def test_columns_and_one_row_per_figure(release, questionnaire: Questionnaire) -> None:
    columns = figure_columns(questionnaire)
    path = next(p for p in release.csvs if p.stem == "B1")
    frame = pl.read_csv(path, schema=CSV_COLUMNS)
    assert frame.columns == list(CSV_COLUMNS)
    assert set(frame["table"]) == {"B1"}
    assert (
        frame.select("route", "breakdown", "group", "category_kind", "category").is_unique().all()
    )
    codes, nets = 5, 2  # support5 in the base (Don't know excluded) and its nets
    assert frame.height == (codes + nets) * len(columns)
    assert set(frame["measure"]) == {"percent"}
    total = frame.filter((pl.col("route") == "polls") & (pl.col("breakdown") == "total"))
    assert total["weighted_base"].is_not_null().all()
    assert total["effective_base"].is_not_null().all()
    tl = frame.filter(pl.col("route") == "talk_london")
    assert tl["weighted_base"].is_null().all() and tl["effective_base"].is_null().all()
    assert frame["unweighted_base"].dtype == pl.Int64
    lines = path.read_text().splitlines()[1:]
    assert not [x for x in lines if ",1033.0," in x] and [x for x in lines if ",1033," in x]


def test_flags_match_values(release) -> None:
    figures = [p for p in release.csvs if p.stem != "I1_quotes"]
    frame = pl.concat([pl.read_csv(p, schema=CSV_COLUMNS) for p in figures])
    assert set(frame["flag"]) <= {"*", "ns", "[u]", "[z]", "[x]"}
    assert (
        frame.filter(pl.col("value").is_null())["flag"].to_list()
        == ["[x]"] * frame.filter(pl.col("value").is_null()).height
    )
    significant = frame.filter(pl.col("flag") == "*")
    assert significant.height and significant["significant"].all()
    low = frame.filter(pl.col("flag") == "[u]")
    assert low.height and (low["unweighted_base"] < 50).all()
    percent = frame.filter(pl.col("measure") == "percent")["value"].drop_nulls()
    assert percent.min() >= 0 and percent.max() <= 100
