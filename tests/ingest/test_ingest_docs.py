"""docs/export-formats.md cannot drift from the questionnaire or the contract rules."""

from __future__ import annotations

from ingest import Rule, docs
from survey.questionnaire import load_questionnaire


def test_generated_tables_match_the_questionnaire() -> None:
    text = docs.DOC_PATH.read_text(encoding="utf-8")
    rendered = {name: render() for name, render in docs.BLOCKS.items()}
    assert docs.generated_blocks(text) == rendered, "run `python -m ingest.docs`"


def test_every_variable_is_in_the_table() -> None:
    rows = docs.render_variables().splitlines()[2:]
    assert len(rows) == len(load_questionnaire().exported_variables())
    assert rows[0].startswith("| 1 | `GENDER` (`gender`) | Gender | `profile_gender` | 1 Male")


def test_every_rule_is_documented() -> None:
    text = docs.DOC_PATH.read_text(encoding="utf-8")
    assert [rule for rule in Rule if f"| `{rule.value}` |" not in text] == []
