"""The second bundled pack (eastmere_ltp_2025): its generic sample passes ingest and is
consistent with the pack (breakdowns, weighting, routing, rankings, comments), and its weighting
targets are its population table's shares."""

from __future__ import annotations

import csv
from collections import defaultdict

import numpy as np
import polars as pl

from comments.coder import code_comment
from sample_generator.generic import comment_truth
from survey.pack import current

from .conftest import SEED


def test_files_and_counts(second_generated):
    assert sorted(p.name for p in second_generated.files) == [
        "eastmere_ltp_online_20250929.xlsx",
        "eastmere_ltp_online_20251013.xlsx",
        "eastmere_ltp_online_20251027.xlsx",
        "eastmere_ltp_online_20251109.csv",
        "eastmere_ltp_online_20251109.xlsx",
        "yougov_eastmere_residents_20251012.sav",
    ]
    assert {s: x.respondents for s, x in second_generated.summaries.items()} == {
        "online": 840,
        "yougov_residents": 760,
    }
    for summary in second_generated.summaries.values():
        assert sum(summary.quarantined.values()) == 0


def test_poll_profile_is_weightable_and_online_is_open(second_generated):
    poll = second_generated.raw["yougov_residents"]
    assert set(poll["area"].unique()) == {1, 2, 3, 4}
    assert 99 not in set(poll["age_group"].unique())
    online = second_generated.raw["online"]
    assert {"I don't live in Eastmere", "Prefer not to say"} <= set(online["area"].unique())


def test_routing_and_rankings(second_generated):
    for raw, cycled in (
        (second_generated.raw["online"], "Yes"),
        (second_generated.raw["yougov_residents"], "1"),
    ):
        asked = raw["c_cycled"].cast(pl.String) == cycled
        assert (asked == raw["c_cycle_safe"].is_not_null()).all()
        assert asked.sum() > 30
        ranks = raw.select(pl.col("^b_rank_.*$").cast(pl.Int64))
        ranked = ranks.filter(pl.any_horizontal(pl.all().is_not_null()))
        assert ranked.null_count().sum_horizontal().item() == 0
        assert (np.sort(ranked.to_numpy(), axis=1) == [1, 2, 3, 4]).all()
        assert 0 < ranks.height - ranked.height < 0.15 * ranks.height


def test_rating_grid_codes(second_generated):
    poll = second_generated.raw["yougov_residents"]
    codes = set(poll.select(pl.col("^c_rating_.*$")).unpivot()["value"].unique())
    assert codes == {*range(1, 11), 97, 98}


def test_weighting_targets_are_the_population_shares(second_pack):
    consultation = current()
    with open(consultation.file("reference/eastmere_adults.csv"), encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    q = consultation.questionnaire
    totals = defaultdict(float)
    for r in rows:
        adults = int(r["female"]) + int(r["male"])
        totals[("sex", "female")] += int(r["female"])
        totals[("sex", "male")] += int(r["male"])
        totals[("area", r["area"])] += adults
        code = {"age_18_24": 1, "age_25_34": 2, "age_35_49": 3, "age_50_64": 4}.get(
            r["age_group"], 5
        )
        group = next(g for g, (_, c) in q.breakdowns["age"].groups.items() if code in c)
        totals[("age", group)] += adults
    everyone = sum(int(r["female"]) + int(r["male"]) for r in rows)
    for name, margin in consultation.weighting_scheme.margins.items():
        for group, target in margin["targets"].items():
            assert round(100 * totals[(name, group)] / everyone, 2) == target, (name, group)


def test_comment_truth_matches_the_exports(second_pack, second_generated):
    truth = comment_truth(current(), SEED)
    online = second_generated.raw["online"].select(
        ("web-" + pl.col("response_id").cast(pl.String)).alias("respondent_id"),
        pl.col("d_comments").fill_null("").alias("exported"),
    )
    joined = truth.join(online, on="respondent_id")
    assert joined.height == 840
    assert (joined["text"] == joined["exported"]).all()


def test_codeframe_codes_what_was_written(second_pack):
    consultation = current()
    codeframe = consultation.codeframe
    truth = comment_truth(consultation, SEED).filter(pl.col("themes").list.len() > 0)
    agree = stance_agree = stances = 0
    for row in truth.iter_rows(named=True):
        codes = code_comment(row["text"], codeframe)
        agree += sorted(c.theme_id for c in codes) == sorted(row["themes"])
        if row["stance"] is not None:
            stances += 1
            stance_agree += next(c.stance for c in codes if c.stance) == row["stance"]
    assert truth.height > 500
    assert agree / truth.height > 0.97
    assert stances > 50 and stance_agree == stances
    assert np.isin(["other"], truth["themes"].explode().to_list()).all()


def test_double_coded_comments_are_the_generators_and_valid(second_pack):
    from sample_generator.generic_double_coded import COLUMNS, rows

    consultation = current()
    with open(consultation.file("coded_comments.csv"), encoding="utf-8", newline="") as fh:
        committed = list(csv.DictReader(fh))
    assert tuple(committed[0]) == COLUMNS
    assert committed == rows(consultation)  # written once by the generator, unchanged since
    codeframe = consultation.codeframe
    stance_theme = next(t for t in codeframe.themes if t.stances)
    for row in committed:
        for coder in ("coder_a", "coder_b", "agreed"):
            themes = row[f"{coder}_themes"].split(";")
            assert set(themes) <= set(codeframe.theme_ids)
            assert bool(row[f"{coder}_stance"]) == (stance_theme.id in themes)
    assert len(committed) == 300
    assert {r["agreed_stance"] for r in committed} == {"", *(s.id for s in stance_theme.stances)}
    disagree = sum(r["coder_a_themes"] != r["coder_b_themes"] for r in committed)
    assert 0 < disagree < 0.1 * len(committed)
