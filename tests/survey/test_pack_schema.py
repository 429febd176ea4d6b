"""The questionnaire schema's generic parts: any number of sections and tables, respondent flags,
export id prefixes, and errors that name the pack file, the key and its line."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from survey.questionnaire import (
    QuestionnaireError,
    load_questionnaire,
    parse_questionnaire,
    questionnaire_path,
)
from survey.reference_tables import reference_tables

TEXT = questionnaire_path().read_text(encoding="utf-8")
RAW = yaml.safe_load(TEXT)


def _raw() -> dict:
    return copy.deepcopy(RAW)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "questionnaire.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line(text: str, pattern: str) -> int:
    """1-based line of the first line matching `pattern`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if re.search(pattern, line))


def _drop_section(raw: dict, section: str) -> dict:
    """The questionnaire without one section: its questions, tables and declaration."""
    gone = {q["id"] for q in raw["questions"] if q["section"] == section}
    raw["questions"] = [q for q in raw["questions"] if q["id"] not in gone]
    raw["tables"] = {
        tid: t
        for tid, t in raw["tables"].items()
        if not any(v["section"] == section for v in RAW["questions"] if v.get("table") == tid)
        and not set(t.get("questions", ())) & gone
    }
    del raw["sections"][section]
    return raw


def test_a_questionnaire_without_a_section_or_a_table_parses():
    """No table counts: the reference pack less its open-comment section, and less one table."""
    raw = _drop_section(_raw(), "I")
    q = parse_questionnaire(raw)
    assert list(q.sections) == ["A", "B", "C", "D", "E", "F", "G", "H"]
    assert len(q.tables) == 115 and "I1" not in q.tables
    # one table fewer in section C: the grid items it showed move to no table
    del raw["tables"]["C5"]
    for question in raw["questions"]:
        for item in [question, *question.get("items", ())]:
            if item.get("table") == "C5":
                del item["table"]
    q = parse_questionnaire(raw)
    assert len(q.tables) == 114
    assert sum(t.section == "C" for t in q.tables.values()) == 13


def test_sections_name_their_marts_and_go_to_ref():
    q = load_questionnaire()
    assert q.sections["B"].name == "overall_support"
    assert q.sections["B"].mart == "mart_section_overall_support"
    frame = reference_tables(q)["sections"]
    assert frame["section"].to_list() == list("ABCDEFGHI")
    assert frame.row(1, named=True) == {
        "section": "B",
        "position": 2,
        "name": "overall_support",
        "title": q.sections["B"].title,
        "mart": "mart_section_overall_support",
    }


def test_a_table_fed_from_two_sections_must_name_its_section():
    raw = _raw()
    raw["tables"]["Z1"] = {"title": "mixed", "kind": "grid", "questions": ["GENDER", "F_TRUST"]}
    with pytest.raises(QuestionnaireError, match=r"tables\.Z1: fed from sections \['A', 'F'\]"):
        parse_questionnaire(raw)
    raw["tables"]["Z1"]["section"] = "F"
    assert parse_questionnaire(raw).tables["Z1"].section == "F"


def test_an_undeclared_section_fails_with_file_key_and_line(tmp_path):
    text = TEXT.replace(
        '  I: {title: "What is missing from the plan", name: what_is_missing}\n', ""
    )
    path = _write(tmp_path, text)
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(path)
    line = _line(text, r"\{id: I_MISSING, section: I")
    assert str(error.value) == (
        f"{path}: questions.I_MISSING.section (line {line}): "
        "section I is not declared under sections:"
    )


def test_sections_are_required_and_named_in_snake_case():
    raw = _raw()
    del raw["sections"]
    with pytest.raises(QuestionnaireError, match="sections: required key sections missing"):
        parse_questionnaire(raw)
    raw = _raw()
    raw["sections"]["B"]["name"] = "Overall Support"
    with pytest.raises(QuestionnaireError, match=r"sections\.B\.name: must be snake_case"):
        parse_questionnaire(raw)
    raw = _raw()
    raw["sections"]["C"]["name"] = "overall_support"
    with pytest.raises(QuestionnaireError, match="name overall_support used by two sections"):
        parse_questionnaire(raw)


def test_respondent_flags_are_parsed_and_go_to_ref():
    q = load_questionnaire()
    crime = q.respondent_flags["victim_crime"]
    assert (crime.value, crime.source, crime.true_codes, crime.null_when) == (
        "flag",
        "C_VICTIM_CRIME",
        (1,),  # the yes_no_pnts scale's 'yes' net
        "missing",
    )
    trust = q.respondent_flags["trust_mps"]
    assert (trust.value, trust.breakdown, trust.source) == ("group", "trust_mps", "F_TRUST")
    frame = reference_tables(q)["respondent_flags"]
    assert frame["flag"].to_list() == [
        "victim_crime",
        "victim_asb",
        "victim_any",
        "attended_court",
        "trust_mps",
    ]
    assert frame.row(2, named=True)["value"] == "code"


def test_a_renamed_flag_variable_fails_loudly_with_its_line(tmp_path):
    """Renaming the question a flag reads must not parse into a silently null flag column."""
    text = TEXT.replace("{id: C_VICTIM_CRIME,", "{id: C_VICTIM_CRIME_12M,")
    path = _write(tmp_path, text)
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(path)
    line = _line(text, r"^  victim_crime: ")
    assert str(error.value) == (
        f"{path}: respondent_flags.victim_crime.source (line {line}): "
        "unknown variable C_VICTIM_CRIME"
    )


def test_a_flag_may_not_take_a_respondent_column_name():
    for name in ("gender", "grp_area", "route"):
        raw = _raw()
        raw["respondent_flags"][name] = {"label": "x", "source": "C_COURT", "value": "code"}
        with pytest.raises(QuestionnaireError, match=f"{name}: flag name is already a column"):
            parse_questionnaire(raw)


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            {"label": "x", "source": "C_COURT", "true_when": {"net": "support"}},
            r"respondent_flags\.x_flag\.true_when\.net: scale yes_no_pnts of C_COURT has no net",
        ),
        (
            {"label": "x", "source": "C_COURT", "true_when": {"codes": [1, 7]}},
            r"true_when\.codes: codes \[7\] not in scale yes_no_pnts",
        ),
        ({"label": "x", "source": "C_COURT"}, r"x_flag\.true_when: required key true_when"),
        ({"label": "x", "source": "C_COURT", "true_when": [1]}, "must be {net: <net>}"),
        ({"label": "x", "value": "group", "breakdown": "nope"}, "unknown breakdown nope"),
        ({"label": "x", "source": "C_COURT", "value": "share"}, "value must be one of"),
        (
            {"label": "x", "source": "C_COURT", "value": "code", "null_when": "never"},
            "null_when must be one of",
        ),
        ({"label": "x", "source": "I_MISSING", "value": "code"}, "I_MISSING has no scale"),
    ],
)
def test_a_bad_respondent_flag_is_rejected(flag, message):
    raw = _raw()
    raw["respondent_flags"]["x_flag"] = flag
    with pytest.raises(QuestionnaireError, match=message):
        parse_questionnaire(raw)


def test_flags_with_codes_and_a_null_rule_and_no_flags_at_all():
    raw = _raw()
    raw["respondent_flags"] = {
        "court_any_answer": {
            "label": "Answered the court question",
            "source": "C_COURT",
            "true_when": {"codes": [1, 2]},
            "null_when": "unanswered",
        }
    }
    flag = parse_questionnaire(raw).respondent_flags["court_any_answer"]
    assert (flag.true_codes, flag.null_when) == ((1, 2), "unanswered")
    del raw["respondent_flags"]
    q = parse_questionnaire(raw)
    assert q.respondent_flags == {}
    assert reference_tables(q)["respondent_flags"].height == 0


def test_exports_carry_a_unique_id_prefix_into_ref_sources():
    q = load_questionnaire()
    sources = reference_tables(q)["sources"]
    assert dict(zip(sources["source_id"], sources["id_prefix"], strict=True)) == {
        "talk_london": "tl",
        "yougov_representative": "rep",
        "yougov_bame_boost": "boost",
    }
    assert dict(zip(sources["source_id"], sources["weighted"], strict=True)) == {
        "talk_london": False,
        "yougov_representative": True,
        "yougov_bame_boost": True,
    }
    raw = _raw()
    raw["exports"]["yougov_bame_boost"]["id_prefix"] = "rep"
    with pytest.raises(
        QuestionnaireError,
        match=r"exports\.yougov_bame_boost\.id_prefix: id_prefix rep also used by "
        "yougov_representative",
    ):
        parse_questionnaire(raw)
    del raw["exports"]["yougov_bame_boost"]["id_prefix"]
    with pytest.raises(QuestionnaireError, match="yougov_bame_boost.id_prefix: required key"):
        parse_questionnaire(raw)
    raw = _raw()
    raw["exports"]["yougov_bame_boost"]["poll"] = "top_up"
    with pytest.raises(QuestionnaireError, match="route polls has no poll top_up"):
        parse_questionnaire(raw)


def test_invalid_yaml_names_file_and_line(tmp_path):
    text = TEXT.replace('version: "1.0.0"\n', "version: [1.0.0\n", 1)
    path = _write(tmp_path, text)
    with pytest.raises(QuestionnaireError, match=rf"^{re.escape(str(path))}: line \d+: not valid"):
        load_questionnaire(path)
