"""The bundled sample: deterministic, sized and composed as the report, and calibrated.

Talk London's figures are recomputed from the raw warehouse tables (after ingest) with the
questionnaire's base rules; the polls' printed figures are weighted and are checked after
weighting (survey statistics), here only their sizes.
"""

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from comments.exclusion import has_suggestion
from ingest import load_export_source
from sample_generator import build_sample, write_sample
from sample_generator.comments import THEME_COUNTS
from survey.figures import (
    PLATFORM_STATISTIC,
    compute_figure,
    figure_base,
    load_report_figures,
)
from survey.questionnaire import load_questionnaire

Q = load_questionnaire()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_files(tmp_path, sample_landing):
    build_sample.cache_clear()  # regenerate from scratch, not from the cached build
    again = tmp_path / "again"
    write_sample(again)
    assert _digest(again) == _digest(sample_landing)


def test_another_seed_gives_other_answers():
    a, b = build_sample(), build_sample(seed=7)
    assert not np.array_equal(a.talk_london.codes["B_SUPPORT"], b.talk_london.codes["B_SUPPORT"])


def test_files_and_sizes(sample_landing):
    names = sorted(p.name for p in sample_landing.iterdir())
    assert names == [
        "talk_london_export_20211126.xlsx",
        "talk_london_export_20211210.xlsx",
        "talk_london_export_20220107.xlsx",
        "talk_london_export_20220121.csv",
        "talk_london_export_20220121.xlsx",
        "talk_london_platform_statistics_20220121.csv",
        "yougov_bame_boost_20211216.sav",
        "yougov_representative_20211208.sav",
    ]


@pytest.fixture(scope="module")
def raw_tables(sample_landing, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    for source in ("talk_london", "yougov_representative", "yougov_bame_boost"):
        load_export_source(source, sample_landing, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            name: con.sql(f"select * from raw.{name}_responses").pl()
            for name in ("talk_london", "yougov_representative", "yougov_bame_boost")
        }


def test_raw_tables_hold_the_report_sizes(raw_tables):
    assert raw_tables["talk_london"].height == 1033
    assert raw_tables["yougov_representative"].height == 1161
    assert raw_tables["yougov_bame_boost"].height == 532
    assert raw_tables["talk_london"]["response_id"].n_unique() == 1033


def _decode_talk_london(raw: pl.DataFrame) -> pl.DataFrame:
    """Labels to codes, independently of the pipeline's dbt decoding."""
    columns = {}
    for v in Q.exported_variables():
        values = raw[v.id.lower()].to_list()
        if v.kind == "open_text":
            columns[v.id] = values
        elif v.kind == "multi_option":
            columns[v.id] = [1 if x == v.item_label else 0 for x in values]
        elif v.kind == "ranking_item":
            columns[v.id] = [None if x is None else int(float(x)) for x in values]
        else:
            lookup = {label: code for code, label in v.scale.codes.items()}
            columns[v.id] = [None if x is None else lookup[x] for x in values]
    return pl.DataFrame(columns, strict=False).with_columns(pl.lit("talk_london").alias("poll"))


def test_talk_london_figures_reproduced_from_raw_tables(raw_tables):
    df = _decode_talk_london(raw_tables["talk_london"])
    checked, failed = 0, []
    for fig in load_report_figures():
        if fig.route != "talk_london" or fig.stat == PLATFORM_STATISTIC:
            continue  # platform statistics are not in the responses (tests/survey/test_fidelity)
        value = compute_figure(fig, df, Q)
        checked += 1
        if not fig.passes(value, figure_base(fig, df, Q)):
            failed.append((fig.id, fig.value, value))
    assert checked >= 120
    assert failed == []


def test_composition_matches_appendix(raw_tables):
    tl = _decode_talk_london(raw_tables["talk_london"])
    # Appendix 1: Talk London 77% White, gender N = 1025, LGBT+ 22%, inner London 51%
    white = tl["ETHNICITY"].is_in(list(Q.breakdowns["white_bame"].groups["white"][1])).mean()
    assert round(100 * white) == 77
    assert tl["GENDER"].is_in([1, 2, 3, 4]).sum() == 1025
    polls = pl.concat(
        [raw_tables["yougov_representative"], raw_tables["yougov_bame_boost"]], how="diagonal"
    )
    assert polls.height == 1693
    # the boost is all minority-ethnic; the combined polls are 49% White
    boost_white = raw_tables["yougov_bame_boost"]["ethnicity"].is_in([1, 2, 3, 4, 5]).sum()
    assert boost_white == 0
    assert round(100 * polls["ethnicity"].is_in([1, 2, 3, 4, 5]).mean()) == 49
    assert (
        round(100 * polls["borough"].is_in(list(Q.scales["borough"].nets["inner_london"])).mean())
        == 34
    )


def test_user_missing_codes_and_supplier_weight_in_polls(raw_tables):
    rep = raw_tables["yougov_representative"]
    assert (rep["b_support"] == 98).sum() > 0  # Don't know kept as a code
    assert rep["supplier_weight"].min() > 0
    assert abs(rep["supplier_weight"].mean() - 1) < 1e-3


def test_comments_carry_known_themes_and_report_counts():
    sample = build_sample()
    themes = sample.comment_themes["talk_london"] + sample.comment_themes["polls"]
    counts = {t: sum(t in ts for ts in themes) for t in THEME_COUNTS}
    assert counts == THEME_COUNTS
    tl_texts = sample.talk_london.text["I_MISSING"]
    assert sum(has_suggestion(t or None) for t in tl_texts) == 579
    polls = sample.polls
    for poll, expected in (("representative", 242), ("boost", 111)):
        texts = [t for t, p in zip(polls.text["I_MISSING"], polls.poll, strict=True) if p == poll]
        assert sum(has_suggestion(t or None) for t in texts) == expected
