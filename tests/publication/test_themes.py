"""Table I1 on the synthetic warehouse: themes ranked, counts as numbers, quotes neutralised."""

from __future__ import annotations

import re

import duckdb
import polars as pl
import pytest

from publication import shorthand
from publication.tidy_csv import CSV_COLUMNS, QUOTE_COLUMNS

from .conftest import QUOTES

GROUPS = [
    "All comments",
    "Talk London",
    "Polls: Total",
    "Polls: Representative Poll",
    "Polls: BAME Boost Poll",
]


def _tables(ws) -> dict[str, list[list]]:
    """Each Excel table of the sheet as rows of cells, header first."""
    return {name: [list(r) for r in ws[ref]] for name, ref in ws.tables.items()}


@pytest.fixture(scope="module")
def i1(workbook) -> dict[str, list[list]]:
    return {
        name: rows
        for sheet in ("I1", "I1_stance", "I1_quotes")
        for name, rows in _tables(workbook[sheet]).items()
    }


@pytest.fixture(scope="module")
def counts(synthetic_warehouse) -> pl.DataFrame:
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        return con.sql("select * from comments.theme_counts").pl()


def test_three_sheets_of_one_table_each(workbook) -> None:
    for name in ("I1", "I1_stance", "I1_quotes"):
        ws = workbook[name]
        assert list(ws.tables) == [f"table_{name}"]
        assert not ws.merged_cells.ranges
        assert ws["A1"].value.startswith("I1: ")
        assert "contains one table" in ws["A2"].value


def test_themes_ranked_by_count_with_numeric_cells(i1, counts: pl.DataFrame) -> None:
    header, *rows = i1["table_I1"]
    names = [c.value for c in header]
    assert names[:2] == ["Theme", "Rank (number)"]
    assert names[2:] == [
        f"{g}: {m}"
        for g in GROUPS
        for m in ("comments (number)", "percentage (%)", "percentage: flag")
    ]
    overall = counts.filter(pl.col("route") == "all")
    themes = rows[: overall.height]
    expected = dict(overall.select("label", "comments").iter_rows())
    assert {r[0].value: r[2].value for r in themes} == expected
    ranked, other = themes[:-1], themes[-1]
    assert other[0].value == "Other issues" and other[1].value == shorthand.NOT_APPLICABLE
    ranks = [r[1].value for r in ranked]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert [r[2].value for r in ranked] == sorted((r[2].value for r in ranked), reverse=True)
    for row in themes:
        for c in range(2, len(names), 3):
            count, pct, flag = row[c : c + 3]
            assert isinstance(count.value, int | float) and count.number_format == "#,##0"
            assert isinstance(pct.value, int | float) and pct.number_format == "0"
            assert 0 <= pct.value <= 100
            assert flag.value in (shorthand.LOW_RELIABILITY, shorthand.NOT_APPLICABLE)
    boost = names.index("Polls: BAME Boost Poll: percentage: flag")
    assert {r[boost].value for r in themes} == {shorthand.LOW_RELIABILITY}  # 30 comments


def test_comments_analysed_below_the_themes(i1) -> None:
    header, *rows = i1["table_I1"]
    by_label = {r[0].value: [c.value for c in r[2::3]] for r in rows}
    assert by_label["Respondents"] == [299, 160, 139, 93, 46]
    assert by_label["No comment (left blank)"] == [67, 30, 37, 25, 12]
    assert by_label["Comments analysed: base of the percentages"] == [210, 120, 90, 60, 30]


def test_stance_split_by_route(i1) -> None:
    header, *rows = i1["table_I1_stance"]
    assert [c.value for c in header][:4] == [
        "Stance",
        "All comments: comments (number)",
        "All comments: percentage (%)",
        "All comments: percentage: flag",
    ]
    labels = [r[0].value for r in rows]
    assert labels[-1] == "Comments on the theme: base of the percentages"
    assert {"More police action against drugs"} < set(labels)
    stances = rows[:-1]
    assert sum(r[1].value for r in stances) == rows[-1][1].value
    assert sum(r[2].value for r in stances) == pytest.approx(100)


def test_quotes_are_route_and_text_only_and_neutralised(i1) -> None:
    header, *rows = i1["table_I1_quotes"]
    assert [c.value for c in header] == ["Theme", "Route", "Quote"]
    assert len(rows) == len(QUOTES)
    texts = {r[2].value for r in rows}
    assert "'=HYPERLINK(1) officers must answer for it." in texts
    assert "'-- independent complaints, please." in texts
    assert "'+ more action on dealers." in texts
    assert {r[1].value for r in rows} == {"Talk London", "Polls"}
    theme_order = [r[0].value for r in i1["table_I1"][1:]]
    quoted = [theme_order.index(r[0].value) for r in rows]
    assert quoted == sorted(quoted)  # in the themes' order


def test_tidy_csv_and_quotes_csv(release, counts: pl.DataFrame) -> None:
    folder = release.csvs[0].parent
    frame = pl.read_csv(folder / "I1.csv", schema=CSV_COLUMNS)
    themes = frame.filter(
        (pl.col("category_kind") == "theme") & (pl.col("measure") == "count")
    ).filter(pl.col("route") == "all")
    overall = counts.filter(pl.col("route") == "all")
    assert dict(themes.select("category", "value").iter_rows()) == {
        t: float(n) for t, n in overall.select("theme_id", "comments").iter_rows()
    }
    assert set(frame["category_kind"]) == {"theme", "status"}
    by_stance = pl.read_csv(folder / "I1_stance.csv", schema=CSV_COLUMNS)
    assert set(by_stance["category_kind"]) == {"stance"}
    text = (folder / "I1.csv").read_text()
    assert re.search(r",count,\d+,,,\d+,", text)  # counts and bases as integers (no interval)
    assert not re.search(r",count,\d+\.0,", text)
    assert set(frame["measure"]) == {"count", "percent", "rank"}
    assert set(frame.filter(pl.col("route") != "all")["group"]) == {
        "total",
        "representative",
        "boost",
    }
    percent = frame.filter(pl.col("measure") == "percent")
    assert percent["value"].is_between(0, 100).all()
    assert percent["unweighted_base"].is_not_null().all()
    quotes = pl.read_csv(folder / "I1_quotes.csv", schema=QUOTE_COLUMNS)
    assert quotes.height == len(QUOTES)
    assert quotes["quote"].str.starts_with("'").sum() == 3
    assert set(quotes.columns) == set(QUOTE_COLUMNS)  # no respondent, poll or demographics
