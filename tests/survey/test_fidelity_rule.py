"""The fidelity rule: a percentage passes when it rounds half-up to the printed integer; a
listed unreachable one is within a point on exactly its base; counts are equal."""

from __future__ import annotations

from survey.figures import (
    ReportFigure,
    load_report_figures,
    nearest_counts,
    reachable,
    round_half_up,
)


def _fig(value, stat="net:agree", unreachable_base=None, compare="exact"):
    return ReportFigure(
        "f", "V", stat, "talk_london", "total", value, compare, "ref", unreachable_base
    )


def test_round_half_up():
    assert round_half_up(40.5) == 41 and round_half_up(100 * 81 / 200) == 41  # k/n exactly .5
    assert round_half_up(40.4999) == 40 and round_half_up(2.5) == 3 and round_half_up(0.49) == 0


def test_a_percentage_passes_only_at_its_printed_rounding():
    fig = _fig(41)
    assert fig.passes(40.5) and fig.passes(41.49)
    # the three Talk London trust figures of issue 15 fail as they were (40.3, 42.5, 33.0)
    assert not fig.passes(40.32) and not _fig(43).passes(42.49) and not _fig(34).passes(33.04)
    assert not fig.passes(41.5) and not fig.passes(None)


def test_reachability_is_integer_arithmetic():
    # 18% of 58: 10/58 = 17.2%, 11/58 = 19.0%; 20% of 57: 11/57 = 19.3%, 12/57 = 21.1%;
    # 49% of 46: 22/46 = 47.8%, 23/46 = 50.0%
    assert not reachable(18, 58) and not reachable(20, 57) and not reachable(49, 46)
    assert nearest_counts(18, 58) == "10/58 = 17.2%, 11/58 = 19.0%"
    assert reachable(41, 1002) and reachable(0, 1033) and reachable(100, 7) and reachable(18, 50)
    assert not reachable(50, 0)


def test_unreachable_figures_within_a_point_on_exactly_their_base():
    fig = _fig(18, unreachable_base=58)
    assert fig.passes(100 * 11 / 58, 58) and fig.passes(100 * 10 / 58, 58)
    assert not fig.passes(100 * 12 / 58, 58)  # 20.7%: more than a point off
    assert not fig.passes(100 * 11 / 58, 57)  # another base: the listed arithmetic no longer holds
    assert not _fig(18, unreachable_base=50).passes(18.0, 50)  # 9/50 = 18%: wrongly listed


def test_counts_are_equal_not_rounded():
    fig = _fig(1025, stat="base")
    assert fig.passes(1025) and not fig.passes(1024) and not fig.passes(1025.4)


def test_listed_unreachable_figures_are_unreachable_and_include_three_under_25s():
    listed = [f for f in load_report_figures() if f.unreachable_base is not None]
    assert all(not reachable(f.value, f.unreachable_base) for f in listed)
    assert all(f.route == "talk_london" and f.compare == "exact" for f in listed)
    assert sum(f.group == "age_band:age_16_24" for f in listed) >= 3
