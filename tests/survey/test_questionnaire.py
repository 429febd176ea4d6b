"""The questionnaire model: complete table mapping, consistent codes, docs in step."""

import pytest

from survey import docs
from survey.questionnaire import QuestionnaireError, load_questionnaire, parse_questionnaire

Q = load_questionnaire()


def test_all_116_tables_are_mapped_to_variables():
    assert len(Q.tables) == 116
    assert all(t.variables for t in Q.tables.values())
    counts = {}
    for t in Q.tables.values():
        counts[t.section] = counts.get(t.section, 0) + 1
    # the reference pack's sections, each table's inferred from the questions that feed it
    assert counts == {"A": 6, "B": 8, "C": 14, "D": 21, "E": 21, "F": 22, "G": 15, "H": 8, "I": 1}
    assert all(t.section == t.id[0] for t in Q.tables.values())


def test_every_report_figure_lives_in_a_table():
    from survey.figures import PLATFORM_STATISTIC, load_report_figures

    for fig in load_report_figures():
        if fig.stat == PLATFORM_STATISTIC:
            assert fig.variable in Q.platform_statistics["metrics"], fig.id
            continue
        variables = [v for v in Q.variables.values() if fig.variable in (v.id, v.question_id)]
        assert variables, fig.id
        assert all(v.table for v in variables), fig.id


def test_base_rules_follow_the_report_footnotes():
    rules = Q.base_rules
    assert set(rules["default"].exclude) == {"dont_know", "prefer_not_to_say", "skipped"}
    assert "dont_know" not in rules["include_dk"].exclude
    assert "not_applicable" in rules["exclude_na"].exclude
    assert Q.variables["D_VIOLENCE_BASIS_3"].base_rule == "include_dk"  # fn 10
    assert Q.variables["H_PARTNERS_1"].base_rule == "include_dk"  # fn 21
    assert Q.variables["F_REP_LGBT"].base_rule == "include_dk"  # Figure F1.1
    assert Q.variables["C_SAFE_DARK"].base_rule == "exclude_na"  # fn 8
    assert Q.variables["D_SAFE_PUBS"].base_rule == "exclude_na"  # fn 11
    assert Q.variables["C_VICTIM_CRIME"].base_rule == "victim"  # fn 9
    assert Q.variables["B_RANK_TRUST"].base_rule == "ranked"  # fn 6
    assert Q.scales["scale7"].nets["five_or_above"] == (5, 6, 7)  # fn 20
    assert Q.variables["I_MISSING"].base_rule == "comment"  # fn 23
    assert "no" in rules["comment"].no_suggestion


def test_inner_london_is_footnote_24():
    inner = {Q.scales["borough"].codes[c] for c in Q.scales["borough"].nets["inner_london"]}
    assert inner == {
        "City of London", "Camden", "Greenwich", "Hackney", "Hammersmith and Fulham",
        "Islington", "Kensington and Chelsea", "Lambeth", "Lewisham", "Southwark",
        "Tower Hamlets", "Wandsworth", "Westminster",
    }  # fmt: skip


def test_a_table_without_a_question_is_rejected():
    import yaml

    from survey.questionnaire import questionnaire_path

    raw = yaml.safe_load(questionnaire_path().read_text(encoding="utf-8"))
    raw["tables"]["Z1"] = {"title": "orphan", "kind": "distribution"}
    with pytest.raises(QuestionnaireError, match="tables.Z1: no question feeds it"):
        parse_questionnaire(raw)


def test_supplementary_tables_doc_is_current():
    assert docs.DOC_PATH.read_text(encoding="utf-8") == docs.render()
