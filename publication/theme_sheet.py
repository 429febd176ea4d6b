"""The comment-themes table (`publication.themes`) as three sheets, one table each: comments per
theme (ranked) with the comments analysed below them (`<id>`), the codeframe's stance theme by
stance (`<id>_stance`), and the illustrative quotes (`<id>_quotes`). Counts and percentages are
numbers in their own columns; quote text goes through `neutralise` like every other text (in the
writers).
"""

from __future__ import annotations

from publication import shorthand
from publication.notes import Notes, base_rule_text
from publication.sheet_model import FLAG, NUMBER, PERCENT_UNIT, TEXT, Column, Line, Sheet, heading
from publication.themes import CountRow, Group, ThemeRow, ThemeTable
from survey.questionnaire import Questionnaire

LABEL_WIDTH = 44
FIGURE_WIDTH = 9
FLAG_WIDTH = 6
QUOTE_WIDTH = 90
SHORTHAND = (shorthand.LOW_RELIABILITY, shorthand.NOT_APPLICABLE, shorthand.NOT_AVAILABLE)
STANCE, QUOTES = "_stance", "_quotes"  # suffixes of the second and third sheets' names


def sheet_names(table_id: str) -> tuple[str, str, str]:
    return table_id, f"{table_id}{STANCE}", f"{table_id}{QUOTES}"


def _share_columns(groups: tuple[Group, ...]) -> list[Column]:
    out = []
    for g in groups:
        out += [
            Column(heading(f"{g.header}: comments", NUMBER), NUMBER, FIGURE_WIDTH),
            Column(heading(f"{g.header}: percentage", PERCENT_UNIT), PERCENT_UNIT, FIGURE_WIDTH),
            Column(heading(f"{g.header}: percentage", FLAG), FLAG, FLAG_WIDTH),
        ]
    return out


def _shares(row: ThemeRow) -> list:
    out: list = []
    for share in row.shares:
        out += [share.count, shorthand.NOT_AVAILABLE if share.pct is None else share.pct]
        out.append(share.flag)
    return out


def _counts(row: CountRow) -> list:
    """Counts whose percentage cells are not applicable."""
    return [x for n in row.counts for x in (n, shorthand.NOT_APPLICABLE, shorthand.NOT_APPLICABLE)]


def _lines(t: ThemeTable, q: Questionnaire, notes: Notes, shape: str, refs: str) -> list[Line]:
    variable = q.variables[t.spec.variables[0]]
    meanings = shorthand.meanings(int(q.analysis["small_base_threshold"]))
    survey = q.survey
    texts = [
        "This worksheet contains one table.",
        shape,
        f"Question: {q.questions[variable.question_id].text}",
        f"{base_rule_text(q, variable.base_rule)} {notes.ref(f'base:{variable.base_rule}')}",
        refs,
        f"Flags and shorthand: {notes.refs(['small_base', 'text_safety'])}",
        *(f"{s} {meanings[s]}" for s in SHORTHAND),
        f"Source: {survey['owner']}, {survey['title']}, fieldwork {survey['fieldwork_start']} "
        f"to {survey['fieldwork_end']}.",
    ]
    return [Line(x) for x in texts]


def theme_sheets(t: ThemeTable, q: Questionnaire, notes: Notes) -> list[Sheet]:
    themes_name, stance_name, quotes_name = sheet_names(t.spec.id)
    theme = t.stance_theme or "the stance theme"
    groups = "; ".join(g.header for g in t.groups)
    themes = Sheet(
        name=themes_name,
        title=f"{t.spec.id}: {t.spec.title}: comments per theme",
        lines=tuple(
            _lines(
                t,
                q,
                notes,
                "Rows are the themes, ranked by the number of all comments, then the comments "
                f"analysed and not analysed. Columns are groups of comments ({groups}), each with "
                "the number of comments, its percentage of the group's comments analysed and the "
                "percentage's flag.",
                f"Coding and counting {notes.ref('themes')}. Comments on {theme} by stance are "
                f"on sheet {stance_name}, the quotes on sheet {quotes_name}.",
            )
        ),
        columns=(
            Column("Theme", TEXT, LABEL_WIDTH),
            Column(heading("Rank", NUMBER), NUMBER, 10),
            *_share_columns(t.groups),
        ),
        rows=tuple(
            [
                *(
                    (th.label, shorthand.NOT_APPLICABLE if th.rank is None else th.rank)
                    + tuple(_shares(th))
                    for th in t.themes
                ),
                *((s.label, shorthand.NOT_APPLICABLE, *_counts(s)) for s in t.statuses),
            ]
        ),
        table_name=f"table_{themes_name}",
        description=f"{t.spec.title}: comments per theme",
        freeze_columns=1,
    )
    stance = Sheet(
        name=stance_name,
        title=f"{t.spec.id}: {t.spec.title}: comments on {theme} by stance",
        lines=tuple(
            _lines(
                t,
                q,
                notes,
                f"Rows are the stances of comments on {theme}, then the comments on {theme} (the "
                "base). Columns are groups of comments, each with the number of comments, its "
                "percentage and the percentage's flag.",
                f"The split by stance {notes.ref('stance')}; coding {notes.ref('themes')}.",
            )
        ),
        columns=(Column("Stance", TEXT, LABEL_WIDTH), *_share_columns(t.stance_groups)),
        rows=tuple(
            [
                *((s.label, *_shares(s)) for s in t.stances),
                (t.stance_base.label, *_counts(t.stance_base)),
            ]
        ),
        table_name=f"table_{stance_name}",
        description=f"{t.spec.title}: comments on {theme} by stance",
        freeze_columns=1,
    )
    quote_rows = [(x.theme, x.route_label, x.text) for x in t.quotes] or [
        (shorthand.NOT_AVAILABLE,) * 3
    ]
    quotes = Sheet(
        name=quotes_name,
        title=f"{t.spec.id}: {t.spec.title}: illustrative quotes (redacted)",
        lines=tuple(
            _lines(
                t,
                q,
                notes,
                "Each row is one quote, with its theme and route only.",
                f"The quotes {notes.ref('quotes')}.",
            )
        ),
        columns=(
            Column("Theme", TEXT, 30),
            Column("Route", TEXT, 14),
            Column("Quote", TEXT, QUOTE_WIDTH),
        ),
        rows=tuple(quote_rows),
        table_name=f"table_{quotes_name}",
        description=f"{t.spec.title}: illustrative quotes by theme and route (redacted)",
    )
    return [themes, stance, quotes]
