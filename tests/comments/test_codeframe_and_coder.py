"""The codeframe and the rule coder: multi-theme, transparent, deterministic."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
import yaml

from comments.codeframe import codeframe_path, load_codeframe
from comments.coder import NO_RULE_EVIDENCE, code_comment, stance_of
from comments.counts import stance_counts
from comments.rules import Rule, normalise, sentences
from ingest.docs import DOC_PATH
from sample_generator.comments import THEME_COUNTS


def test_codeframe_holds_the_reports_themes_and_counts() -> None:
    codeframe = load_codeframe()
    assert re.fullmatch(r"\d+\.\d+\.\d+", codeframe.version)
    assert {t.id: t.report_count for t in codeframe.themes} == THEME_COUNTS
    assert codeframe.theme_ids[-1] == "other"
    assert all(t.label and t.description and t.rules for t in codeframe.themes)
    assert [s.id for s in codeframe.stance_theme.stances] == [
        "less_enforcement",
        "more_enforcement",
    ]


def test_export_formats_doc_lists_every_theme_id() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    assert [t for t in load_codeframe().theme_ids if f"`{t}`" not in text] == []


def test_terms_match_whole_words_with_wildcards() -> None:
    rule = Rule("r", any=("vett*", "stop and search"), with_=("police",), unless=("men",))
    assert rule.match("police vetting failed") == ["vetting", "+police"]
    assert rule.match("revetting police") == []
    assert rule.match("vetting without the force") == []
    assert rule.match("police vetting of men") == []
    assert sentences("Anti-social  behaviour. Don’t stop!") == [
        "anti social behaviour.",
        "don't stop!",
    ]
    assert normalise("E-Scooters") == "e scooters"


def test_a_comment_can_carry_several_themes_with_evidence() -> None:
    codes = code_comment(
        "Put more bobbies on the beat. Reopen the police station that closed. Speeding is rife."
    )
    themes = {c.theme_id: c.evidence for c in codes}
    assert set(themes) == {
        "more_officers_visibility",
        "station_closures",
        "antisocial_driving_roads",
    }
    assert (
        themes["more_officers_visibility"]
        == "officers.numbers: more bobbies; officers.on_foot: on the beat"
    )
    assert themes["station_closures"] == "stations.closed: police station, +reopen, +closed"


def test_every_code_names_the_rules_that_fired() -> None:
    rule_ids = {r.id for t in load_codeframe().themes for r in t.rules}
    rule_ids |= {r.id for s in load_codeframe().stance_theme.stances for r in s.rules}
    for text in ("Vetting must be stricter.", "Cannabis should be legalised.", "Street drinking."):
        for code in code_comment(text):
            fired = {part.split(":")[0] for part in code.evidence.split("; ")}
            assert fired <= rule_ids, code


def test_nothing_recognised_is_other() -> None:
    assert [(c.theme_id, c.evidence) for c in code_comment("Fraud online.")] == [
        ("other", NO_RULE_EVIDENCE)
    ]


@pytest.mark.parametrize(
    ("text", "themes"),
    [
        ("The culture of misogyny in the police must end.", {"misconduct_accountability"}),
        ("Misogyny across society harms everyone.", {"womens_safety_vawg"}),
        ("Men are victims of domestic abuse too.", {"specific_groups"}),
        ("Write to me at 22 Station Street.", {"other"}),
        ("My neighbour had a burglary at 14 Acacia Road.", {"volume_crime"}),
    ],
)
def test_with_and_unless_terms_separate_close_themes(text: str, themes: set[str]) -> None:
    assert {c.theme_id for c in code_comment(text)} == themes


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("Cannabis should be legalised.", "less_enforcement"),
        ("Too much police time is wasted on small amounts of drugs.", "less_enforcement"),
        ("Drug dealing on my estate is open and nobody acts.", "more_enforcement"),
        ("Drugs.", "more_enforcement"),
    ],
)
def test_drugs_stance(text: str, stance: str) -> None:
    (code,) = [c for c in code_comment(text) if c.theme_id == "drugs"]
    assert code.stance == stance
    assert stance_of(text)[0] == stance


def test_coding_is_deterministic(sample_comments) -> None:
    texts = sample_comments.drop_nulls("text")["text"].to_list()[:200]
    assert [code_comment(t) for t in texts] == [code_comment(t) for t in texts]


def _codeframe_file(tmp_path, change) -> Path:
    raw = yaml.safe_load(codeframe_path().read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "codeframe.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_the_stance_theme_and_quote_permission_come_from_the_codeframe() -> None:
    codeframe = load_codeframe()
    assert codeframe.stance_theme.id == "drugs"
    assert codeframe.quote_permission == ("I_QUOTE_PERMISSION", 1)


def test_a_codeframe_without_stance_theme_or_quote_permission(tmp_path) -> None:
    def plain(raw: dict) -> None:
        del raw["stance_theme"], raw["quote_permission"]
        for theme in raw["themes"]:
            theme.pop("stances", None)

    codeframe = load_codeframe(_codeframe_file(tmp_path, plain))
    assert codeframe.stance_theme is None and codeframe.quote_permission is None
    coded = pl.DataFrame(
        {"respondent_id": ["tl-1"], "route": ["talk_london"], "poll": ["talk_london"]}
    ).with_columns(theme_id=pl.lit("drugs"), stance=pl.lit(None, dtype=pl.String))
    assert stance_counts(coded, codeframe).is_empty()
    with pytest.raises(ValueError, match="no stance_theme"):
        stance_of("Legalise cannabis.", codeframe)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw.update(stance_theme="volume_crime"), "only the theme named"),
        (lambda raw: raw.pop("stance_theme"), "only the theme named"),
        (lambda raw: raw.update(stance_theme="no_such_theme"), "is not one of the themes"),
    ],
)
def test_the_stance_theme_must_be_the_one_with_stances(tmp_path, change, message) -> None:
    with pytest.raises(ValueError, match=message):
        load_codeframe(_codeframe_file(tmp_path, change))
