"""A weighting target category with no respondent: left out of an interim weighting (the
other targets of its margin scaled up), an error naming margin and category in the final one."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from survey.poll_weights import build_margins, load_weighting_scheme, weight_polls
from survey.questionnaire import load_questionnaire
from survey.weighting import WeightingError

EMPTY = ("age_band", "age_16_24")


def _profile(n: int = 60) -> dict[str, np.ndarray]:
    """Respondents spread over every target category, except EMPTY's."""
    q = load_questionnaire()
    profile = {}
    for name, spec in load_weighting_scheme().margins.items():
        breakdown = q.breakdowns[spec["breakdown"]]
        groups = [g for g in spec["targets"] if (name, g) != EMPTY]
        codes = [breakdown.groups[g][1][0] for g in groups]
        profile[breakdown.source] = np.array([codes[i % len(codes)] for i in range(n)])
    return profile


def test_final_delivery_names_the_empty_margin_and_category() -> None:
    q, scheme = load_questionnaire(), load_weighting_scheme()
    with pytest.raises(WeightingError) as raised:
        build_margins(_profile(), q, scheme)
    message = str(raised.value)
    label = q.breakdowns["age_band"].groups["age_16_24"][0]
    assert message.startswith(
        f"margin age_band: no respondent in the target category age_16_24 ({label}, target 13.02%)"
    )


def test_interim_delivery_leaves_the_empty_category_out() -> None:
    q, scheme = load_questionnaire(), load_weighting_scheme()
    collapsed: list[str] = []
    margins = {m.name: m for m in build_margins(_profile(), q, scheme, True, collapsed)}
    assert collapsed == ["age_band:age_16_24"]
    age = margins["age_band"]
    others = {g: t for g, t in scheme.margins["age_band"]["targets"].items() if g != "age_16_24"}
    assert len(age.targets) == len(others)
    expected = np.array(list(others.values())) / sum(others.values())
    assert np.allclose(age.targets, expected) and age.targets.sum() == pytest.approx(1.0)
    assert set(age.category) == set(range(len(others)))


def test_no_poll_delivered_gives_empty_tables() -> None:
    empty = pl.DataFrame(schema={"respondent_id": pl.String, "poll": pl.String})
    result = weight_polls(empty, load_questionnaire())
    assert result.result is None
    assert result.weights.is_empty() and result.summary.is_empty() and result.margins.is_empty()
    assert result.summary.columns[:2] == ["scope", "respondents"]
