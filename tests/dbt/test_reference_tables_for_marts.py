"""The `ref` tables the marts read beyond the questionnaire's codes: analysis settings, age bands,
derived variables, comment rule, comparisons and benchmarks."""

from __future__ import annotations

import dataclasses

import pytest

from survey.questionnaire import QuestionnaireError, load_questionnaire
from survey.reference_tables import REST, comparisons, reference_tables


@pytest.fixture(scope="module")
def frames():
    return reference_tables(load_questionnaire())


def test_age_bands_come_from_the_scale_labels(frames) -> None:
    bands = frames["numeric_bands"].sort("code").select("code", "min_value", "max_value").rows()
    assert bands == [
        (1, 16, 24),
        (2, 25, 34),
        (3, 35, 44),
        (4, 45, 54),
        (5, 55, 64),
        (6, 65, None),
    ]


def test_analysis_settings_and_comment_rule(frames) -> None:
    q = load_questionnaire()
    row = frames["analysis"].row(0, named=True)
    assert row["small_base_threshold"] == q.analysis["small_base_threshold"]
    assert row["z_critical"] == q.analysis["z_critical"]
    assert row["multiple_comparisons"].startswith("None applied")
    phrases = set(frames["no_suggestion"]["phrase"])
    assert {"no", "i don't know", ""} <= phrases
    assert dict(frames["missing_codes"].rows()) == q.missing_codes


def test_victim_any_is_derived_from_crime_and_asb(frames) -> None:
    rows = frames["derived_variables"].select(
        "variable_id", "source_variable", "match_code", "true_code", "false_code"
    )
    assert rows.rows() == [
        ("C_VICTIM_ANY", "C_VICTIM_CRIME", 1, 1, 2),
        ("C_VICTIM_ANY", "C_VICTIM_ASB", 1, 1, 2),
    ]


def test_comparisons_are_the_reports_pre_specified_pairs(frames) -> None:
    c = frames["comparisons"]
    by_route = {
        route: set(c.filter(route=route)["comparison_id"]) for route in ("talk_london", "polls")
    }
    assert "white_bame:bame_vs_white" in by_route["talk_london"] - by_route["polls"]
    assert "ethnic_group:black_vs_white_british" in by_route["polls"] - by_route["talk_london"]
    assert "age_band:age_16_24_vs_age_65_plus" in by_route["polls"] & by_route["talk_london"]
    ages = c.filter(breakdown="age_band", compared_with=REST, route="polls")
    assert ages.height == 6 and ages["is_primary"].all()
    u25 = c.filter(comparison_id="age_band:age_16_24_vs_age_65_plus")
    assert not u25["is_primary"].any()
    assert c.filter(breakdown="gender")["mirror"].all()


def test_comparisons_reject_unknown_groups_and_double_primaries() -> None:
    q = load_questionnaire()
    bad_group = dataclasses.replace(
        q, analysis=q.analysis | {"comparisons": [{"breakdown": "gender", "pair": ["f", "m"]}]}
    )
    with pytest.raises(QuestionnaireError, match="no group"):
        comparisons(bad_group)
    twice = [
        {"breakdown": "gender", "pair": ["female", "male"]},
        {"breakdown": "gender", "pair": ["male", "female"]},
    ]
    with pytest.raises(QuestionnaireError, match="two primary"):
        comparisons(dataclasses.replace(q, analysis=q.analysis | {"comparisons": twice}))


def test_benchmarks_sit_beside_a_net_of_their_variable(frames) -> None:
    rows = frames["benchmarks"].select("variable_id", "net", "value").rows()
    assert rows == [("F_TRUST", "agree", 75.0), ("F_GOOD_JOB", "good_job", 50.0)]
