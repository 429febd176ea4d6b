"""docs/supplementary-tables.md: the table mapping, rendered from the questionnaire.

`python -m survey.docs` rewrites the file; a test fails when the committed doc has drifted.
"""

from __future__ import annotations

from pathlib import Path

from survey.questionnaire import Questionnaire, load_questionnaire

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "supplementary-tables.md"

INTRO = """# Supplementary tables: what each shows

Generated from `consultations/<id>/questionnaire.yaml` by `python -m survey.docs`; do not edit by hand.

Each of the 116 tables (A1-A6, B1-B8, C1-C14, D1-D21, E1-E21, F1-F22, G1-G15, H1-H8, I1) shows the
variables below for Talk London and the Polls separately, with Total and every breakdown as
columns. The base rule says who is in each figure's base (report footnotes in brackets):

{rules}

Respondents not asked a question (routing, e.g. 'did you report it' asked of victims only) are
never in its base.

Table kinds: `distribution` (answer categories and nets of one question or item), `grid` (several
items, one block each), `rank_position` (share placing a priority at each rank, and its modal
rank), `rank_first` / `rank_modal` (all priorities of the ranking), `multi` (share selecting each
option), `profile` (sample composition), `themes` (coded open comments).
"""


def render(q: Questionnaire | None = None) -> str:
    q = q or load_questionnaire()
    rules = "\n".join(
        f"- `{rule.id}`: excludes {', '.join(rule.exclude) or 'nobody'}"
        + (f" (fn {rule.footnote})" if rule.footnote else "")
        for rule in q.base_rules.values()
    )
    lines = [
        INTRO.format(rules=rules),
        "| Table | Title | Kind | Question | Variables | Base rule |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for table in q.tables.values():
        variables = [q.variables[v] for v in table.variables]
        questions = "; ".join(q.questions[qid].text for qid in table.questions)
        names = ", ".join(
            f"`{v.id}`" + (f" ({v.item_label})" if v.item_label else "") for v in variables
        )
        bases = ", ".join(sorted({v.base_rule for v in variables}))
        lines.append(
            f"| {table.id} | {table.title} | {table.kind} | {_cell(questions)} | {_cell(names)} "
            f"| {bases} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> None:
    DOC_PATH.parent.mkdir(exist_ok=True)
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(DOC_PATH)


if __name__ == "__main__":
    main()
