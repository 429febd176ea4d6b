"""Raking: a tiny problem solved by hand, failure modes, capping, and the sample's targets."""

import numpy as np
import polars as pl
import pytest

from sample_generator import build_sample
from survey.poll_weights import build_margins, load_weighting_scheme, weight_polls
from survey.questionnaire import load_questionnaire
from survey.weighting import Margin, WeightingError, rake


def test_tiny_raking_problem_solved_by_hand():
    # Four respondents: (male, young), (male, old), (female, young), (female, young).
    # Targets: 50% male, 60% young. With mean-1 weights (total 4): the two women share 2, so
    # each weighs 1; young = a + 2 = 2.4 gives the young man a = 0.4; the old man b = 2 - a = 1.6.
    gender = Margin("gender", np.array([0, 0, 1, 1]), np.array([0.5, 0.5]))
    age = Margin("age", np.array([0, 1, 0, 0]), np.array([0.6, 0.4]))
    result = rake([gender, age], tolerance=1e-10)
    np.testing.assert_allclose(result.weights, [0.4, 1.6, 1.0, 1.0], atol=1e-8)
    # Kish efficiency = (sum w)^2 / (n sum w^2) = 16 / (4 * 4.72)
    assert result.efficiency == pytest.approx(16 / (4 * 4.72))
    assert result.effective_n == pytest.approx(16 / 4.72)
    assert result.max_margin_error <= 1e-10


def test_first_iteration_matches_hand_computation():
    # One pass: gender already at target (factor 1); age: young 3/4 -> x 0.8, old 1/4 -> x 1.6.
    gender = Margin("gender", np.array([0, 0, 1, 1]), np.array([0.5, 0.5]))
    age = Margin("age", np.array([0, 1, 0, 0]), np.array([0.6, 0.4]))
    with pytest.raises(WeightingError, match="did not reach tolerance"):
        rake([gender, age], tolerance=1e-12, max_iterations=1)
    one_pass = rake([age], tolerance=1e-12, max_iterations=1)
    np.testing.assert_allclose(one_pass.weights, [0.8, 1.6, 0.8, 0.8])


def test_empty_target_category_is_an_error():
    margin = Margin("area", np.array([0, 0, 0]), np.array([0.4, 0.6]))
    with pytest.raises(WeightingError, match=r"area: target categories \[1\] have no respondents"):
        rake([margin])


def test_targets_must_sum_to_one():
    with pytest.raises(WeightingError, match="sum to"):
        rake([Margin("age", np.array([0, 1]), np.array([0.5, 0.6]))])


def test_capped_weights_stay_in_bounds_and_meet_targets():
    rng = np.random.default_rng(3)
    n = 2000
    a = (rng.random(n) < 0.2).astype(int)  # 20% in category 1, target 40%
    b = rng.integers(0, 3, n)
    margins = [
        Margin("a", a, np.array([0.6, 0.4])),
        Margin("b", b, np.array([0.5, 0.3, 0.2])),
    ]
    uncapped = rake(margins, tolerance=1e-8)
    capped = rake(margins, tolerance=1e-6, cap=(0.5, 2.5))
    # uncapped, weights run outside [0.5, 2.5] (about 0.44 to 2.79); capped and re-raked they do not
    assert uncapped.weights.min() < 0.5 and uncapped.weights.max() > 2.5
    assert capped.weights.min() >= 0.5 - 1e-6 and capped.weights.max() <= 2.5 + 1e-6
    assert capped.max_margin_error <= 1e-6
    assert capped.weights.mean() == pytest.approx(1.0)


def test_impossible_cap_is_reported_not_silent():
    gender = Margin("gender", np.array([0, 0, 1, 1]), np.array([0.5, 0.5]))
    age = Margin("age", np.array([0, 1, 0, 0]), np.array([0.6, 0.4]))
    with pytest.raises(WeightingError, match="did not reach tolerance"):
        rake([gender, age], cap=(0.5, 1.5), max_iterations=200)


def _sample_respondents() -> pl.DataFrame:
    polls = build_sample().polls
    return pl.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(polls.n)],
            "poll": polls.poll.tolist(),
            "supplier_weight": np.ones(polls.n),
            **{
                k.lower(): v
                for k, v in polls.codes.items()
                if k in ("GENDER", "AGE_BAND", "ETHNICITY", "BOROUGH")
            },
        }
    )


def test_sample_weights_reproduce_the_targets_and_weight_the_boost_down():
    q = load_questionnaire()
    scheme = load_weighting_scheme()
    respondents = _sample_respondents()
    weighting = weight_polls(respondents, q)
    w = weighting.weights["weight"].to_numpy()
    assert w.sum() == pytest.approx(respondents.height)
    profile = {
        k.upper(): respondents[k].to_numpy() for k in ("gender", "age_band", "ethnicity", "borough")
    }
    for margin in build_margins(profile, q, scheme):
        achieved = np.bincount(margin.category, weights=w, minlength=len(margin.targets)) / w.sum()
        np.testing.assert_allclose(achieved, margin.targets, atol=scheme.settings["tolerance"])
    # run to convergence: 1e-10 on every margin, the iteration limit only a guard
    assert scheme.settings["convergence"] <= 1e-10
    assert weighting.result.max_margin_error <= 1e-10
    assert weighting.result.iterations < scheme.settings["max_iterations"] / 100
    summary = {row["scope"]: row for row in weighting.summary.iter_rows(named=True)}
    boost = summary["boost"]
    assert boost["weight_sum"] < boost["respondents"]  # the BAME Boost is weighted down
    assert summary["combined"]["efficiency"] > scheme.settings["min_efficiency"]
    margins = weighting.margins.filter(pl.col("margin") == "area")
    inner = margins.filter(pl.col("category") == "inner_london").row(0, named=True)
    assert inner["target_share"] == pytest.approx(0.3785)
    assert inner["weighted_share"] == pytest.approx(0.3785, abs=1e-4)
