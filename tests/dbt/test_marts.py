"""Issue 3's dbt models on the hand-made warehouse (tests/dbt/conftest.py): base rules, weighted
estimates, significance and small bases, each against figures worked out by hand here."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from scipy import stats

from survey.design_stats import wilson_interval
from survey.questionnaire import load_questionnaire
from tests.dbt.conftest import DBT_PROJECT_DIR, dbt_env

TL, POLLS = "talk_london", "polls"


def approx(value: float, rel: float = 1e-9):
    return pytest.approx(value, rel=rel, abs=1e-9)


def test_dbt_build_passes_every_model_and_test(built) -> None:
    failed = [(r["unique_id"], r["status"], r["message"]) for r in built.results]
    failed = [f for f in failed if f[1] not in ("success", "pass")]
    assert failed == []
    names = {r["unique_id"].split(".")[-1] for r in built.results}
    assert {"fct_estimates", "fct_significance", "fct_modal_ranks", "dim_variables"} <= names
    assert {"int_estimates", "int_intervals", "int_significance_tests", "mart_sections"} <= names
    # mart_sections' post-hook: one table per section of the pack, and no other mart_section_*
    q = load_questionnaire()
    tables = built.rows(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
        " AND starts_with(table_name, 'mart_section_') ORDER BY 1"
    )
    assert [t for (t,) in tables] == sorted(s.mart for s in q.sections.values())
    assert "mart_section_overall_support" in {t for (t,) in tables}
    assert "prep_estimates" not in names and "dim_questions" not in names


# ---------------------------------------------------------------- int_respondents


def test_respondents_profile_age_bands_and_weights(built) -> None:
    rows = built.rows(
        "SELECT respondent_id, route, poll, age_band, supplier_weight, grp_ethnic_group,"
        " grp_white_bame, grp_age_band FROM intermediate.int_respondents"
        " WHERE route = 'polls' ORDER BY respondent_id"
    )
    by_id = {r[0]: r[1:] for r in rows}
    # YouGov ages in years, banded by the age_band scale labels (16-24 ... 65+)
    assert {rid: r[2] for rid, r in by_id.items()} == {
        "rep-1": 1,  # 16
        "rep-2": 1,  # 24
        "rep-3": 2,  # 25
        "rep-4": 5,  # 64
        "rep-5": 6,  # 65
        "rep-6": 6,  # 90
        "boost-1": 2,  # 30
        "boost-2": 3,  # 40
        "boost-3": 4,  # 50
        "boost-4": 5,  # 60
    }
    assert by_id["rep-1"][:2] == ("polls", "representative")
    assert by_id["boost-2"][1] == "boost"
    assert by_id["rep-2"][3] == pytest.approx(0.9)  # supplier weight from the export
    assert by_id["boost-2"][4:6] == ("black", "bame")
    assert by_id["rep-1"][4:7] == ("white_british", "white", "age_16_24")
    assert built.one("SELECT count(*) FROM intermediate.int_respondents") == 130
    assert (
        built.one(
            "SELECT count(*) FROM intermediate.int_respondents"
            " WHERE route = 'talk_london' AND supplier_weight IS NULL"
        )
        == 120
    )


def test_respondents_victim_flags(built) -> None:
    rows = built.rows(
        "SELECT respondent_id, victim_crime, victim_asb, victim_any, grp_victim"
        " FROM intermediate.int_respondents WHERE respondent_id IN"
        " ('tl-1001', 'tl-1002', 'tl-1003', 'tl-1004', 'tl-1005', 'tl-1006')"
        " ORDER BY respondent_id"
    )
    assert rows == [
        ("tl-1001", True, False, 1, "victim"),  # crime Yes, ASB No
        ("tl-1002", False, False, 2, "not_victim"),  # No and No
        ("tl-1003", None, True, 1, "victim"),  # crime prefer not to say, ASB Yes
        ("tl-1004", None, None, None, None),  # both skipped
        ("tl-1005", True, None, 1, "victim"),  # crime Yes, ASB skipped
        ("tl-1006", False, None, None, None),  # crime No, ASB skipped: unknown
    ]


# ---------------------------------------------------------------- base rules (report footnotes)


def test_default_rule_drops_dont_know_and_prefer_not_to_say(built) -> None:
    """fn 4. B_SUPPORT: 120 respondents, 15 don't know -> base 105; support 30 men + 45 women."""
    n, _, base, *_, pct, _ = built.estimate("B_SUPPORT", TL, "net", "support")
    assert (n, base) == (75, 105)
    assert pct == approx(100 * 75 / 105)
    # no Don't know row under the default rule; DK is a status row among all 120
    assert (
        built.rows(
            "SELECT 1 FROM marts.fct_estimates WHERE variable_id = 'B_SUPPORT'"
            " AND category_kind = 'code' AND category = '98'"
        )
        == []
    )
    dk = built.estimate("B_SUPPORT", TL, "status", "dont_know")
    assert (dk[0], dk[2], dk[5]) == (15, 120, approx(100 * 15 / 120))
    # GENDER_IDENTITY: one prefer not to say -> base 119; one 'No' = 1 / 119
    n, _, base, *_, pct, _ = built.estimate("GENDER_IDENTITY", TL, "code", "2")
    assert (n, base, pct) == (1, 119, approx(100 / 119))


def test_include_dk_rule_keeps_dont_know(built) -> None:
    """fn 21 / F1.1. F_REP_WOMEN: 1 very well, DK, 3 not very well, DK -> base 4, DK 50%."""
    n, _, base, *_, pct, _ = built.estimate("F_REP_WOMEN", TL, "code", "98")
    assert (n, base, pct) == (2, 4, approx(50.0))
    assert built.estimate("F_REP_WOMEN", TL, "net", "well_represented")[5] == approx(25.0)
    assert built.estimate("F_REP_WOMEN", TL, "status", "skipped")[0] == 116


def test_include_dk_multi_select_counts_a_dont_know_selection(built) -> None:
    """fn 10. D_VIOLENCE_BASIS: respondent 0 picks options 1 and 3, 1 picks Don't know only,
    2 picks 3; the other 117 picked nothing (skipped) -> base 3 for every option."""
    shares = dict(
        built.rows(
            "SELECT variable_id, pct FROM marts.fct_estimates WHERE question_id ="
            " 'D_VIOLENCE_BASIS' AND route = 'talk_london' AND breakdown = 'total'"
            " AND category_kind = 'option'"
        )
    )
    assert shares["D_VIOLENCE_BASIS_3"] == approx(200 / 3)
    assert shares["D_VIOLENCE_BASIS_1"] == approx(100 / 3)
    assert shares["D_VIOLENCE_BASIS_98"] == approx(100 / 3)
    assert shares["D_VIOLENCE_BASIS_2"] == approx(0.0)
    bases = built.rows(
        "SELECT DISTINCT unweighted_base FROM marts.fct_estimates WHERE question_id ="
        " 'D_VIOLENCE_BASIS' AND route = 'talk_london' AND breakdown = 'total'"
        " AND category_kind = 'option'"
    )
    assert bases == [(3,)]
    assert built.estimate("D_VIOLENCE_BASIS_2", TL, "status", "skipped")[0] == 117
    assert built.estimate("D_VIOLENCE_BASIS_2", TL, "status", "dont_know")[0] == 1


def test_exclude_na_rule_drops_not_applicable(built) -> None:
    """fn 8 / 11. C_SAFE_DAY: very safe, fairly safe, a bit unsafe, N/A, DK -> base 3, safe 2/3."""
    n, _, base, *_, pct, _ = built.estimate("C_SAFE_DAY", TL, "net", "safe")
    assert (n, base, pct) == (2, 3, approx(200 / 3))
    assert built.estimate("C_SAFE_DAY", TL, "status", "not_applicable")[0] == 1
    assert (
        built.rows(
            "SELECT category FROM marts.fct_estimates WHERE variable_id = 'C_SAFE_DAY'"
            " AND category_kind = 'code' AND category IN ('97', '98')"
        )
        == []
    )


def test_victim_rule_drops_skipped_and_prefer_not_to_say(built) -> None:
    """fn 9. C_VICTIM_CRIME: Yes, No, PNTS, skipped, Yes, No, rest skipped -> base 4, Yes 50%.
    C_REPORTED_CRIME is asked of the two victims only; the other 118 are not asked."""
    n, _, base, *_, pct, _ = built.estimate("C_VICTIM_CRIME", TL, "net", "yes")
    assert (n, base, pct) == (2, 4, approx(50.0))
    assert built.estimate("C_VICTIM_CRIME", TL, "status", "skipped")[0] == 115
    assert built.estimate("C_VICTIM_CRIME", TL, "status", "prefer_not_to_say")[0] == 1
    n, _, base, *_, pct, _ = built.estimate("C_REPORTED_CRIME", TL, "net", "none_reported")
    assert (n, base, pct) == (1, 2, approx(50.0))
    assert built.estimate("C_REPORTED_CRIME", TL, "status", "not_asked")[0] == 118
    assert built.estimate("C_REPORTED_CRIME", TL, "status", "skipped")[0] == 0
    # derived C_VICTIM_ANY: victims 0, 2, 4; 'neither' 1; unknown otherwise -> 3 / 4
    n, _, base, *_, pct, _ = built.estimate("C_VICTIM_ANY", TL, "code", "1")
    assert (n, base, pct) == (3, 4, approx(75.0))


def test_ranked_rule_drops_non_rankers_and_modal_ranks(built) -> None:
    """fn 6. Three respondents rank; the other 117 are out of the base."""
    n, _, base, *_, pct, _ = built.estimate("B_RANK_VIOLENCE", TL, "rank", "1")
    assert (n, base, pct) == (2, 3, approx(200 / 3))
    modal = {
        r[0]: r[1:]
        for r in built.rows(
            "SELECT variable_id, modal_rank, modal_pct, modal_tie, pct_ranked_first"
            " FROM marts.fct_modal_ranks WHERE route = 'talk_london' AND breakdown = 'total'"
        )
    }
    assert modal["B_RANK_VIOLENCE"] == (1, approx(200 / 3), False, approx(200 / 3))
    assert modal["B_RANK_EXPLOITATION"] == (4, approx(200 / 3), False, approx(0.0))
    # ranks 2, 3, 4 once each: a tie, the lowest rank wins
    assert modal["B_RANK_TRUST"] == (2, approx(100 / 3), True, approx(0.0))
    assert modal["B_RANK_VICTIMS"] == (1, approx(100 / 3), True, approx(100 / 3))


def test_scale7_net_counts_five_and_above(built) -> None:
    """fn 20. G_SAFEGUARD_CHILDREN: 5, 7, 4, 1, DK -> base 4, 5+ = 2 / 4."""
    n, _, base, *_, pct, _ = built.estimate("G_SAFEGUARD_CHILDREN", TL, "net", "five_or_above")
    assert (n, base, pct) == (2, 4, approx(50.0))


def test_comment_rule_drops_comments_without_a_suggestion(built) -> None:
    """fn 23. Six comments: two suggestions; 'No', 'I don't know', 'Nothing.', 'N/A!' are not."""
    counts = dict(
        built.rows(
            "SELECT category, unweighted_count FROM marts.fct_estimates WHERE variable_id ="
            " 'I_MISSING' AND route = 'talk_london' AND breakdown = 'total'"
        )
    )
    assert counts == {"skipped": 114, "no_suggestion": 4, "substantive": 2}
    flagged = built.rows(
        "SELECT text FROM intermediate.int_responses WHERE variable_id = 'I_MISSING'"
        " AND status = 'no_suggestion' ORDER BY respondent_id"
    )
    assert sorted(t for (t,) in flagged) == sorted(
        ["No", "I don't know", "Nothing.", "N/A!", "no."]
    )
    assert (
        built.one(
            "SELECT count(*) FROM intermediate.int_responses JOIN intermediate.int_respondents"
            " USING (respondent_id) WHERE variable_id = 'I_MISSING' AND route = 'polls' AND in_base"
        )
        == 2
    )  # 'More bobbies on the beat', 'Tackle drugs'; 'no.' is no suggestion


# ---------------------------------------------------------------- weights


def test_weighted_percentage_and_effective_base(built) -> None:
    """Polls B_SUPPORT. In base (weight): rep-1 1 (2.0), rep-2 4 (1.0), rep-4 2 (1.0),
    rep-5 5 (1.5), boost-1 1 (0.5), boost-2 3 (0.5), boost-3 2 (1.0); rep-3 and boost-4 said
    don't know, rep-6 skipped."""
    weights = [2.0, 1.0, 1.0, 1.5, 0.5, 0.5, 1.0]
    base, base_sq = sum(weights), sum(w * w for w in weights)  # 7.5, 9.75
    support = 2.0 + 1.0 + 0.5 + 1.0  # rep-1, rep-4, boost-1, boost-3
    n, wn, ub, wb, eb, pct, small = built.estimate("B_SUPPORT", POLLS, "net", "support")
    assert (n, ub, small) == (4, 7, True)
    assert (wn, wb) == (approx(support), approx(base))
    assert pct == approx(100 * support / base)  # 60%, against 57.1% unweighted
    assert eb == approx(base**2 / base_sq)  # 5.769
    # status rows are shares of all 10 poll respondents (weights sum to 10)
    dk = built.estimate("B_SUPPORT", POLLS, "status", "dont_know")
    assert (dk[0], dk[1], dk[5]) == (2, approx(1.5), approx(15.0))
    # Talk London is unweighted: weighted = unweighted, effective base = base
    n, wn, ub, wb, eb, *_ = built.estimate("B_SUPPORT", TL, "net", "support")
    assert (wn, wb, eb) == (approx(n), approx(ub), approx(ub))


def _z(p1: float, n1: float, p2: float, n2: float) -> float:
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    return (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))


# ---------------------------------------------------------------- significance


def test_z_female_vs_male_talk_london(built) -> None:
    """B_SUPPORT support: women 45 / 55, men 30 / 50 (unweighted, bases >= 50): Pearson's
    chi-square without continuity correction, X^2 = z^2 of the pooled two-proportion z.
    pooled p = 75 / 105 = 0.714286; se = sqrt(0.714286 x 0.285714 x (1/55 + 1/50)) = 0.088273;
    z = (0.818182 - 0.600000) / 0.088273 = 2.4717, p = erfc(z / sqrt 2) = 0.0134 < 0.05."""
    p1, p2, n1, n2 = 45 / 55, 30 / 50, 55, 50
    pooled = 75 / 105
    se = math.sqrt(pooled * (1 - pooled) * (1 / 55 + 1 / 50))
    z = (p1 - p2) / se
    assert z == pytest.approx(2.4717, abs=1e-4)
    row = built.one(
        "SELECT test, p1, p2, n_eff1, n_eff2, z, p_value, significant, reason, statistic,"
        " design_effect FROM marts.fct_significance WHERE comparison_id = 'gender:female_vs_male'"
        " AND route = 'talk_london' AND variable_id = 'B_SUPPORT' AND category = 'support'"
    )
    assert row[0] == "pearson_chi_square"
    assert row[1:6] == (approx(p1), approx(p2), approx(n1), approx(n2), approx(z))
    assert row[6] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)  # 0.0134
    assert row[7:] == (True, None, approx(z * z), None)
    # fct_estimates: the women's row shows the test, the men's row the same test mirrored
    primary = dict(
        (g, rest)
        for g, *rest in built.rows(
            "SELECT group_id, compared_with, compared_pct, diff_pts, z, significant"
            " FROM marts.fct_estimates WHERE variable_id = 'B_SUPPORT' AND route = 'talk_london'"
            " AND breakdown = 'gender' AND category = 'support'"
        )
    )
    assert primary["female"] == ["male", approx(60.0), approx(100 * (p1 - p2)), approx(z), True]
    assert primary["male"] == [
        "female",
        approx(100 * p1),
        approx(-100 * (p1 - p2)),
        approx(-z),
        True,
    ]


def test_rao_scott_f_for_the_polls(built) -> None:
    """Polls B_SUPPORT support, women vs men, on svydesign(ids = ~1, weights = ~weight).
    Women in base: rep-4 (1.0, support), rep-5 (1.5), boost-3 (1.0, support); men: rep-1 (2.0,
    support), rep-2 (1.0), boost-1 (0.5, support), boost-2 (0.5). Cells (support, not):
    women S1 = 2, 1.5, S2 = 2, 2.25; men S1 = 2.5, 1.5, S2 = 4.25, 1.25; n = 7, W = 7.5.
    X^2 = 7 (2 x 4 - 2.5 x 3.5)^2 / (4.5 x 3 x 3.5 x 4) = 0.0208333;
    delta = 49/6 (2/4 + 2.25/2.25 + 4.25/6.25 + 1.25/2.25) / (7.5 (1/2 + 1/1.5 + 1/2.5 + 1/1.5))
    = 1.3337535; F = X^2 / delta on (1, 6) df. Bases of 3 and 4 are below 50: the test is
    reported, significance is not claimed."""
    p1, n1 = 2 / 3.5, 3.5**2 / (1 + 2.25 + 1)
    p2, n2 = 2.5 / 4, 4**2 / (4 + 1 + 0.25 + 0.25)
    x2 = 7 * (2 * 4 - 2.5 * 3.5) ** 2 / (4.5 * 3 * 3.5 * 4)
    delta = 49 / 6 * (0.5 + 1 + 4.25 / 6.25 + 1.25 / 2.25) / (7.5 * (0.5 + 1 / 1.5 + 0.4 + 1 / 1.5))
    assert (x2, delta) == (pytest.approx(0.0208333, abs=1e-7), pytest.approx(1.3337535, abs=1e-7))
    row = built.one(
        "SELECT p1, n_eff1, p2, n_eff2, unweighted_base1, unweighted_base2, test, statistic,"
        " design_effect, df_denominator, z, p_value, significant, reason"
        " FROM marts.fct_significance WHERE comparison_id = 'gender:female_vs_male'"
        " AND route = 'polls' AND variable_id = 'B_SUPPORT' AND category = 'support'"
    )
    assert row[:6] == (approx(p1), approx(n1), approx(p2), approx(n2), 3, 4)
    f = x2 / delta
    assert row[6:10] == ("rao_scott_f", pytest.approx(f, rel=1e-12), pytest.approx(delta), 6)
    assert row[10] == approx(-math.sqrt(f))  # women's share is the lower
    assert row[11] == pytest.approx(stats.f.sf(f, 1, 6), rel=1e-12)
    assert row[12:] == (None, "small_base")


def test_confidence_intervals(built) -> None:
    """Talk London women, B_SUPPORT support 45 / 55: Wilson, z = 1.959964, p = 0.818182,
    centre (p + z^2/110) / (1 + z^2/55), half z sqrt(p (1 - p) / 55 + z^2 / 12100) / (1 + z^2/55).
    Polls women: support 2 of 3 respondents with weights 1, 1 (support) and 1.5: p = 2 / 3.5,
    v = 3/2 (1 - p)^2 2 + p^2 2.25) / 3.5^2, logit interval with t(0.975, 2)."""
    z = stats.norm.ppf(0.975)
    p, n = 45 / 55, 55
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    row = built.one(
        "SELECT ci_lower, ci_upper, ci_method FROM marts.fct_estimates WHERE variable_id ="
        " 'B_SUPPORT' AND route = 'talk_london' AND group_id = 'female' AND category = 'support'"
    )
    assert row == (approx(100 * (centre - half)), approx(100 * (centre + half)), "wilson")
    p = 2 / 3.5
    v = 3 / 2 * ((1 - p) ** 2 * 2 + p**2 * 2.25) / 3.5**2
    se = math.sqrt(v) / (p * (1 - p))
    t = stats.t.ppf(0.975, 2)
    eta = math.log(p / (1 - p))
    row = built.one(
        "SELECT ci_lower, ci_upper, ci_method FROM marts.fct_estimates WHERE variable_id ="
        " 'B_SUPPORT' AND route = 'polls' AND group_id = 'female' AND category = 'support'"
    )
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert row == (approx(100 * expit(eta - t * se)), approx(100 * expit(eta + t * se)), "logit")
    # every percentage has its interval around it
    assert (
        built.one(
            "SELECT count(*) FROM marts.fct_estimates WHERE pct IS NOT NULL"
            " AND unweighted_base >= 2 AND NOT (ci_lower <= pct + 1e-9 AND pct <= ci_upper + 1e-9)"
        )
        == 0
    )


def test_small_base_flag_and_suppressed_significance(built) -> None:
    """Talk London 16-24: ten men, all 'tend to support' -> base 10 < 50. Rest of the route's
    base: 105 - 10 = 95 with 75 - 10 = 65 supporting."""
    *_, pct, small = built.estimate("B_SUPPORT", TL, "net", "support", "age_band:age_16_24")
    assert (pct, small) == (approx(100.0), True)
    assert built.estimate("B_SUPPORT", TL, "net", "support", "age_band:age_25_34")[6] is True
    assert built.estimate("B_SUPPORT", TL, "net", "support")[6] is False
    row = built.one(
        "SELECT compared_with, p2, unweighted_base1, unweighted_base2, z, significant, reason"
        " FROM marts.fct_significance WHERE comparison_id = 'age_band:age_16_24_vs_rest'"
        " AND route = 'talk_london' AND variable_id = 'B_SUPPORT' AND category = 'support'"
    )
    assert row[:4] == ("rest", approx(65 / 95), 10, 95)
    assert row[4] == approx(_z(1.0, 10, 65 / 95, 95))
    assert row[5:] == (None, "small_base")
    estimate = built.one(
        "SELECT compared_with, significant, significance_reason FROM marts.fct_estimates"
        " WHERE variable_id = 'B_SUPPORT' AND route = 'talk_london' AND group_id = 'age_16_24'"
        " AND category = 'support'"
    )
    assert estimate == ("rest", None, "small_base")


def test_p_values_follow_the_statistic(built) -> None:
    rows = built.rows(
        "SELECT test, z, statistic, df_denominator, p_value FROM marts.fct_significance"
        " WHERE z IS NOT NULL"
    )
    assert len(rows) > 50 and {r[0] for r in rows} == {"pearson_chi_square", "rao_scott_f"}
    for test, z, statistic, ddf, p in rows:
        assert z * z == pytest.approx(statistic, rel=1e-12)
        if test == "pearson_chi_square":
            assert p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9, abs=1e-300)
        else:
            assert p == pytest.approx(stats.f.sf(statistic, 1, ddf), rel=1e-12, abs=1e-300)


def test_breakdowns_follow_their_routes(built) -> None:
    by_route = dict(
        built.rows(
            "SELECT route, list(DISTINCT breakdown ORDER BY breakdown) FROM marts.fct_estimates"
            " GROUP BY route"
        )
    )
    q = load_questionnaire()
    for route in (TL, POLLS):
        expected = {b.id for b in q.breakdowns.values() if route in b.routes} | {"total"}
        assert set(by_route[route]) == expected
    assert "ethnic_group" not in by_route[TL]
    tested = dict(
        built.rows(
            "SELECT route, list(DISTINCT breakdown ORDER BY breakdown) FROM marts.fct_significance"
            " GROUP BY route"
        )
    )
    assert "white_bame" in tested[TL] and "white_bame" not in tested[POLLS]
    assert "ethnic_group" in tested[POLLS]


# ---------------------------------------------------------------- BI marts


def test_section_f_carries_the_pas_benchmarks(built) -> None:
    rows = built.rows(
        "SELECT variable_id, route, category, benchmark_value, benchmark_period"
        " FROM marts.mart_section_trust_and_confidence WHERE benchmark_value IS NOT NULL"
        " ORDER BY 1, 2"
    )
    assert [r[:4] for r in rows] == [
        ("F_GOOD_JOB", "polls", "good_job", 50.0),
        ("F_GOOD_JOB", "talk_london", "good_job", 50.0),
        ("F_TRUST", "polls", "agree", 75.0),
        ("F_TRUST", "talk_london", "agree", 75.0),
    ]
    assert all(r[4].startswith("Q3 2021-22") for r in rows)
    sections = built.rows(
        "SELECT DISTINCT section, section_title FROM marts.mart_section_safety_crime_and_police"
        " UNION ALL SELECT DISTINCT section, section_title FROM marts.mart_section_what_is_missing"
    )
    q = load_questionnaire()
    assert sorted(sections) == [("C", q.sections["C"].title), ("I", q.sections["I"].title)]
    # the view holds every section's rows, each section table its own
    assert built.one("SELECT count(*) FROM marts.mart_sections") == built.one(
        "SELECT count(*) FROM marts.fct_estimates"
    )


def test_dim_variables_and_weighting_marts(built) -> None:
    q = load_questionnaire()
    assert built.one("SELECT count(*) FROM marts.dim_variables") == len(q.variables)
    assert built.one(
        "SELECT base_rule, base_footnote, table_id, table_title FROM marts.dim_variables"
        " WHERE variable_id = 'C_SAFE_DAY'"
    ) == ("exclude_na", "8, 11", "C2", q.tables["C2"].title)
    assert built.one(
        "SELECT all_table_ids FROM marts.dim_variables WHERE variable_id = 'B_RANK_TRUST'"
    ) == ["B5", "B7", "B8"]
    assert built.rows("SELECT scope FROM marts.mart_weighting ORDER BY scope") == [
        ("boost",),
        ("combined",),
        ("representative",),
    ]
    assert built.one(
        "SELECT target_pct, weighted_diff_pts FROM marts.mart_weighting_margins"
        " WHERE category = 'female'"
    ) == (approx(51.5), approx(0.0))


def test_tidy_csv_rows_carry_the_intervals(built) -> None:
    """publication.estimates.load_intervals reads fct_estimates' intervals; tidy_frame puts them
    on the percentage rows (Talk London women, B_SUPPORT support: the Wilson interval of 45/55),
    not on counts."""
    from publication.estimates import FigureColumn, load_intervals
    from publication.tables import COUNT, Cell, PublishedTable, Row, RowSpec
    from publication.tidy_csv import tidy_frame

    q = load_questionnaire()
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        intervals = load_intervals(con)
    women = FigureColumn(TL, "Talk London", "gender", "Gender", "female", "Female", False)
    spec = next(t for t in q.tables.values() if "B_SUPPORT" in t.variables)
    rows = tuple(
        Row(RowSpec("B_SUPPORT", None, "Support", "net", "support", measure), (Cell(1.0, ""),))
        for measure in ("percent", COUNT)
    )
    frame = tidy_frame(PublishedTable(spec, (women,), rows, False), {"B_SUPPORT": "B"}, intervals)
    key = ("B_SUPPORT", TL, "gender", "female", "net", "support")
    lo, hi = wilson_interval([45], [55])
    assert intervals[key] == (approx(100 * lo[0]), approx(100 * hi[0]))
    assert frame.select("measure", "ci_lower", "ci_upper").rows() == [
        ("percent", approx(100 * lo[0]), approx(100 * hi[0])),
        (COUNT, None, None),
    ]


# ---------------------------------------------------------------- the weighting models' tests


def test_the_hand_made_weights_are_not_rebuilt(built) -> None:
    names = {r["unique_id"].split(".")[-1] for r in built.results}
    assert not {"poll_weights", "weighting_summary", "weighting_margins"} & names
    assert built.one("SELECT weight FROM weights.poll_weights WHERE respondent_id = 'rep-1'") == 2.0


def _dbt_test(built, folder: Path, test: str, sql: str | None) -> tuple[tuple[str, int], int]:
    """One dbt test run on a copy of the built warehouse, changed by `sql` first: its (status,
    failures) and dbt's exit code."""
    folder.mkdir()
    shutil.copy(built.warehouse, folder / "warehouse.duckdb")
    if sql:
        with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
            con.execute(sql)
    target = folder / "target"
    project = ("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR))
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "--quiet", "test", *project, "-s", test],
        env=dbt_env(folder, target),
        capture_output=True,
        text=True,
    )
    (result,) = json.loads((target / "run_results.json").read_text())["results"]
    return (result["status"], result["failures"]), done.returncode


def test_bad_weights_fail_the_dbt_test_that_guards_the_models_reading_them(built, tmp_path) -> None:
    """The singular test on weights.poll_weights (which stops every model downstream within the
    same `dbt build`) passes on the hand-made weights (ten, positive, summing to 10) and fails
    on each way the weights can go wrong."""
    test = "assert_poll_weights_positive_one_per_respondent"
    table = "weights.poll_weights"
    for case, sql, expected in (
        ("as made", None, ("pass", 0)),
        ("negative", f"UPDATE {table} SET weight = -1 WHERE respondent_id = 'rep-1'", ("fail", 1)),
        ("missing", f"DELETE FROM {table} WHERE respondent_id = 'boost-4'", ("fail", 1)),
        # positive and one per respondent, but summing to 11 over 10 respondents
        ("sum", f"UPDATE {table} SET weight = 2.0 WHERE respondent_id = 'rep-2'", ("fail", 1)),
    ):
        result, code = _dbt_test(built, tmp_path / case.replace(" ", "_"), test, sql)
        assert result == expected, case
        assert code == (expected[0] == "fail"), case


ANSWERS_KEY = "one_row_per_member_int_answers_respondent_id__variable_id__source_ref_variables_"
# dbt test on int_answers -> answers broken so that it must fail (each with one failing row)
ANSWERS_BREAKS = {
    # a coded answer that kept its text but found no code (two respondents, one variable)
    "undecoded label": (
        "assert_labels_decoded",
        "UPDATE intermediate.int_answers SET code = NULL, raw_value = 'Strongly sort of' "
        "WHERE respondent_id IN ('tl-1001', 'tl-1002') AND variable_id = 'B_SUPPORT'",
    ),
    "repeated answer": (
        ANSWERS_KEY,
        "INSERT INTO intermediate.int_answers SELECT * FROM intermediate.int_answers"
        " WHERE respondent_id = 'tl-1001' AND variable_id = 'B_SUPPORT'",
    ),
    # as many rows as before: the repeat takes another variable's place
    "repeat in place of another": (
        ANSWERS_KEY,
        "UPDATE intermediate.int_answers SET variable_id = 'B_SUPPORT'"
        " WHERE respondent_id = 'rep-1' AND variable_id = 'AGE_BAND'",
    ),
}


@pytest.mark.parametrize("case", sorted(ANSWERS_BREAKS))
def test_the_answers_tests_pass_as_built_and_fail_on_their_break(built, tmp_path, case) -> None:
    test, sql = ANSWERS_BREAKS[case]
    assert _dbt_test(built, tmp_path / "as_made", test, None) == (("pass", 0), 0)
    assert _dbt_test(built, tmp_path / "broken", test, sql) == (("fail", 1), 1)
