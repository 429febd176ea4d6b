"""docs/supplementary-tables.md: the table mapping, rendered from the questionnaire.

`python -m survey.docs` rewrites the file; a test fails when the committed doc has drifted.
"""

from __future__ import annotations

from pathlib import Path

from survey.questionnaire import Questionnaire, load_questionnaire

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "supplementary-tables.md"

INTRO = """# Supplementary tables: what each shows

Generated from `consultations/{pack}/questionnaire.yaml`
by `python -m survey.docs`; do not edit by hand.

Each of the {count} tables ({ranges})
shows the variables below for {routes} separately, with Total and every breakdown as columns.
The base rule says who is in each figure's base (report footnotes in brackets):

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
    by_section: dict[str, list[str]] = {}
    for table in q.tables.values():
        by_section.setdefault(table.section, []).append(table.id)
    ranges = ", ".join(
        ids[0] if len(ids) == 1 else f"{ids[0]}-{ids[-1]}" for ids in by_section.values()
    )
    routes = " and ".join(spec["label"] for spec in q.routes.values())
    intro = INTRO.format(
        pack=q.survey["id"], count=len(q.tables), ranges=ranges, routes=routes, rules=rules
    )
    lines = [
        intro,
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
