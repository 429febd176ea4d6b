"""A table of figures (`tables.PublishedTable`) as one sheet of at most about 30 columns.

Rows are groups of respondents (each route's Total, then every breakdown group of the route);
columns are the categories, each a figure column `(%)` with its flag column beside it, then the
bases in their own `(number)` columns. A table of several items (a grid) has an item column,
one block of rows per item. When the categories differ between items (several questions on one
table) or are too many to fit, the table is long instead: one row per group and category, one
percentage column. Either way no column mixes units and the question is stated once, above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publication import shorthand
from publication.notes import Notes, base_rule_text, route_labels, table_note_keys
from publication.sheet_model import (
    FLAG,
    MAX_COLUMNS,
    NUMBER,
    PERCENT_UNIT,
    TEXT,
    Column,
    Line,
    Sheet,
    Value,
    heading,
)
from publication.tables import BASES, MODAL_RANK, PERCENT, Cell, PublishedTable, Row
from survey.questionnaire import Questionnaire

LABELS = ("Route", "Breakdown", "Group")
LABEL_WIDTHS = {"Item": 30, "Route": 12, "Breakdown": 24, "Group": 22, "Category": 28}
FIGURE_WIDTH = 9
FLAG_WIDTH = 6
BASE_WIDTH = 9
GROUPS_DOWN, LONG = "groups down", "long"


@dataclass(frozen=True)
class Block:
    """One item's rows: figures, then its bases (unweighted, weighted, effective)."""

    figures: tuple[Row, ...]
    bases: tuple[Row, ...]

    @property
    def categories(self) -> tuple[tuple[str, str], ...]:
        return tuple((r.spec.label, r.spec.measure) for r in self.figures)


def blocks(t: PublishedTable) -> list[Block]:
    out, figures, bases = [], [], []
    for row in t.rows:
        if row.is_base:
            bases.append(row)
            if len(bases) == len(BASES):
                out.append(Block(tuple(figures), tuple(bases)))
                figures, bases = [], []
        else:
            figures.append(row)
    return out


def _unit(measure: str) -> str:
    return PERCENT_UNIT if measure == PERCENT else NUMBER


def _figure(cell: Cell, measure: str) -> Value:
    """The number (percentages 0-100), or the shorthand saying why there is none."""
    if cell.value is None:
        return cell.flag
    return int(cell.value) if measure == MODAL_RANK else float(cell.value)


def _base(cell: Cell, measure: str) -> Value:
    if cell.value is None:
        return cell.flag
    return int(cell.value) if measure == "unweighted_base" else float(cell.value)


def _base_headings(bs: list[Block]) -> list[str]:
    """Base headings; '(smallest across rows)' when any block's base varied."""
    out = []
    for i, label in enumerate(BASES.values()):
        varies = any(b.bases[i].spec.label != label for b in bs)
        out.append(heading(label + (", smallest of the items" if varies else ""), NUMBER))
    return out


def item_names(t: PublishedTable, q: Questionnaire) -> dict[str, str]:
    """Each variable's name in the item column: its item label, or 'Question N' (with its label)
    when the table holds several questions (their texts are stated above the table)."""
    spec = t.spec
    numbers = {qid: n for n, qid in enumerate(spec.questions, start=1)}
    names = {}
    for vid in spec.variables:
        v = q.variables[vid]
        if len(spec.questions) == 1:
            names[vid] = v.item_label or q.questions[v.question_id].text
        else:
            prefix = f"Question {numbers[v.question_id]}"
            names[vid] = f"{prefix}: {v.item_label}" if v.item_label else prefix
    return names


def layout(t: PublishedTable) -> str:
    bs = blocks(t)
    same = all(b.categories == bs[0].categories for b in bs)
    labels = [c for c, _ in bs[0].categories]
    width = len(LABELS) + (len(bs) > 1) + 2 * len(labels) + len(BASES)
    unique = len(set(labels)) == len(labels)
    return GROUPS_DOWN if same and unique and width <= MAX_COLUMNS else LONG


def _label_columns(items: bool, long: bool) -> list[Column]:
    names = (["Item"] if items else []) + list(LABELS) + (["Category"] if long else [])
    return [Column(n, TEXT, LABEL_WIDTHS[n]) for n in names]


def _groups_down(t: PublishedTable, bs: list[Block], names: dict[str, str]):
    items = len(bs) > 1
    columns = _label_columns(items, long=False)
    for label, measure in bs[0].categories:
        columns.append(Column(heading(label, _unit(measure)), _unit(measure), FIGURE_WIDTH))
        columns.append(Column(heading(label, FLAG), FLAG, FLAG_WIDTH))
    columns += [Column(h, NUMBER, BASE_WIDTH) for h in _base_headings(bs)]
    rows = []
    for b in bs:
        item = [names[b.figures[0].spec.variable_id]] if items else []
        for c, col in enumerate(t.columns):
            row: list[Value] = [*item, col.route_label, col.breakdown_label, col.group_label]
            for r in b.figures:
                row += [_figure(r.cells[c], r.spec.measure), r.cells[c].flag]
            row += [_base(r.cells[c], r.spec.measure) for r in b.bases]
            rows.append(tuple(row))
    return columns, rows


def _long(t: PublishedTable, bs: list[Block], names: dict[str, str]):
    measures = {m for b in bs for _, m in b.categories}
    if measures != {PERCENT}:
        raise ValueError(f"table {t.spec.id}: a long layout holds percentages only, not {measures}")
    items = len(bs) > 1
    columns = _label_columns(items, long=True)
    columns += [
        Column(heading("Percentage", PERCENT_UNIT), PERCENT_UNIT, FIGURE_WIDTH),
        Column(heading("Percentage", FLAG), FLAG, FLAG_WIDTH),
        *(Column(h, NUMBER, BASE_WIDTH) for h in _base_headings(bs)),
    ]
    rows = []
    for b in bs:
        item = [names[b.figures[0].spec.variable_id]] if items else []
        for c, col in enumerate(t.columns):
            bases = [_base(r.cells[c], r.spec.measure) for r in b.bases]
            for r in b.figures:
                cell = r.cells[c]
                label = [
                    col.route_label,
                    col.breakdown_label,
                    col.group_label,
                    category_cell(r.spec.label),
                ]
                rows.append((*item, *label, _figure(cell, PERCENT), cell.flag, *bases))
    return columns, rows


def explanatory_lines(t: PublishedTable, q: Questionnaire, notes: Notes, kind: str) -> list[str]:
    """The lines between the title and the table."""
    spec = t.spec
    variables = [q.variables[v] for v in spec.variables]
    threshold = int(q.analysis["small_base_threshold"])
    keys = table_note_keys(spec, q)
    rules = list(dict.fromkeys(v.base_rule for v in variables))
    items = len(blocks(t)) > 1
    order = " then ".join(s["label"] for s in q.routes.values())
    if kind == GROUPS_DOWN:
        shape = (
            f"Each row is a group of respondents: {order}, each Total then every breakdown "
            "group. Each category has a percentage column and a flag column; the bases follow "
            "in their own columns."
        )
    else:
        shape = (
            f"Each row is one category for one group of respondents ({order}, each Total then "
            "every breakdown group), with its percentage, flag and bases."
        )
    if items:
        shape += " The item column names the item (one block of rows per item)."
    lines = ["This worksheet contains one table.", shape]
    if len(spec.questions) == 1:
        lines.append(f"Question: {q.questions[spec.questions[0]].text}")
    else:
        lines += [
            f"Question {n}: {q.questions[qid].text}"
            for n, qid in enumerate(spec.questions, start=1)
        ]
    lines.append(
        " ".join(f"{base_rule_text(q, r)} {notes.ref(f'base:{r}')}" for r in rules)
        + (f" {notes.ref('routing')}" if "routing" in keys else "")
    )
    weighting = "; ".join(
        f"{label} figures are {kind}"
        for label, kind in (
            (route_labels(q, weighted=False), "unweighted"),
            (route_labels(q, weighted=True), "weighted"),
        )
        if label
    )
    lines.append(
        f"{weighting}. Percentages are of the base, 0 to 100; their 95% confidence intervals are "
        f"on sheet {interval_sheet_name(spec.id)}. "
        + notes.refs(["routes", "percentages", "bases", "partial_breakdowns"])
    )
    scales = {v.scale.id: v.scale for v in variables if v.scale and v.scale.nets}
    if scales and spec.kind in ("distribution", "grid", "profile"):
        nets = "; ".join(
            f"{net.replace('_', ' ')} = " + " + ".join(s.codes[c] for c in members)
            for s in scales.values()
            for net, members in s.nets.items()
        )
        lines.append(f"Nets: {nets}. {notes.ref('nets')}")
    for key in ("multi", "ranking"):
        if key in keys:
            lines.append(next(n.text for n in notes.notes if n.key == key) + f" {notes.ref(key)}")
    lines.append(
        "Flags and shorthand, in the flag columns and for a missing figure: "
        + notes.refs(["significance", "comparisons", "multiple_comparisons", "small_base"])
    )
    lines += [f"{s} {m}" for s, m in shorthand.meanings(threshold).items()]
    survey = q.survey
    lines.append(
        f"Source: {survey['owner']}, {survey['title']}, fieldwork {survey['fieldwork_start']} "
        f"to {survey['fieldwork_end']}."
    )
    return lines


def table_sheet(t: PublishedTable, q: Questionnaire, notes: Notes) -> Sheet:
    kind = layout(t)
    bs = blocks(t)
    names = item_names(t, q)
    columns, rows = (_groups_down if kind == GROUPS_DOWN else _long)(t, bs, names)
    labels = sum(1 for c in columns if c.unit == TEXT)
    return Sheet(
        name=t.spec.id,
        title=f"{t.spec.id}: {t.spec.title}",
        lines=tuple(Line(x) for x in explanatory_lines(t, q, notes, kind)),
        columns=tuple(columns),
        rows=tuple(rows),
        table_name=f"table_{t.spec.id}",
        description=t.spec.title,
        freeze_columns=labels,
    )


CI_SUFFIX = "_CI"
CI_LOWER = "95% confidence interval: lower limit"
CI_UPPER = "95% confidence interval: upper limit"


NUMERIC_LABEL = re.compile(r"^\s*\d+\s*$")


def category_cell(label: str) -> str:
    """A category label as a cell: a bare scale point ('2') reads 'Scale point 2', so that no
    label is a number stored as text."""
    return f"Scale point {label.strip()}" if NUMERIC_LABEL.match(label) else label


def interval_sheet_name(table_id: str) -> str:
    return f"{table_id}{CI_SUFFIX}"


def interval_limit(cell: Cell, value: float | None) -> Value:
    """A limit (0-100), or the shorthand saying why there is none: the figure's own ([x], [c])
    when it has no figure, else [x]."""
    if cell.value is None:
        return cell.flag.split(" ")[0]
    return shorthand.NOT_AVAILABLE if value is None else float(value)


def _interval_columns(t: PublishedTable, bs: list[Block], kind: str, names: dict[str, str]):
    """The interval sheet's columns and rows, in the table sheet's layout and row order: the
    same label columns, then for each percentage category (groups down) or for the one
    percentage (long) its lower and upper limits."""
    items = len(bs) > 1
    long = kind == LONG
    columns = _label_columns(items, long=long)
    categories = [] if long else [c for c, m in bs[0].categories if m == PERCENT]
    for label in categories or ["Percentage"]:
        prefix = "" if long else f"{label}: "
        columns.append(Column(heading(prefix + CI_LOWER, PERCENT_UNIT), PERCENT_UNIT, 12))
        columns.append(Column(heading(prefix + CI_UPPER, PERCENT_UNIT), PERCENT_UNIT, 12))
    rows = []
    for b in bs:
        item = [names[b.figures[0].spec.variable_id]] if items else []
        figures = [r for r in b.figures if r.spec.measure == PERCENT]
        for c, col in enumerate(t.columns):
            label = [col.route_label, col.breakdown_label, col.group_label]
            limits = [
                (
                    interval_limit(r.cells[c], r.cells[c].ci_lower),
                    interval_limit(r.cells[c], r.cells[c].ci_upper),
                )
                for r in figures
            ]
            if long:
                rows += [
                    (*item, *label, category_cell(r.spec.label), *lim)
                    for r, lim in zip(figures, limits, strict=True)
                ]
            else:
                rows.append((*item, *label, *(x for lim in limits for x in lim)))
    return columns, rows


def interval_sheet(t: PublishedTable, q: Questionnaire, notes: Notes) -> Sheet | None:
    """The 95% confidence intervals of a table's percentages on a sheet of their own after the
    table's, so that the table keeps its width: the table's rows in the table's order, each
    percentage's lower and upper limits in per cent where the table has the percentage and its
    flag. None when the table has no percentages (most common ranks only)."""
    bs = blocks(t)
    if not any(r.spec.measure == PERCENT for b in bs for r in b.figures):
        return None
    kind = layout(t)
    columns, rows = _interval_columns(t, bs, kind, item_names(t, q))
    items = len(bs) > 1
    weighted, unweighted = route_labels(q, weighted=True), route_labels(q, weighted=False)
    methods = "; ".join(
        text
        for text in (
            weighted
            and f"for {weighted} (weighted) the logit interval of the weighted proportion, as R "
            "survey's svyciprop(method = 'logit')",
            unweighted
            and f"for {unweighted} (unweighted) the Wilson score interval, as R's prop.test "
            "without continuity correction",
        )
        if text
    )
    threshold = int(q.analysis["small_base_threshold"])
    meanings = shorthand.meanings(threshold)
    spec = t.spec
    questions = (
        [f"Question: {q.questions[spec.questions[0]].text}"]
        if len(spec.questions) == 1
        else [
            f"Question {n}: {q.questions[qid].text}"
            for n, qid in enumerate(spec.questions, start=1)
        ]
    )
    lines = [
        "This worksheet contains one table.",
        f"The 95% confidence interval of every percentage of table {spec.id}: the rows of sheet "
        f"{spec.id} (where the percentages, bases, flags and significance tests are) in the same "
        "order, with the lower and upper limits of "
        + ("each category's percentage" if kind == GROUPS_DOWN else "the row's percentage")
        + ", in per cent (0 to 100)."
        + (" The item column names the item." if items else ""),
        *questions,
        f"Intervals: {methods}. A figure on a small base (flagged {shorthand.LOW_RELIABILITY} "
        "on the table's sheet) has a wide interval. "
        + notes.refs(["percentages", "bases", "small_base"]),
        *(f"{s} {meanings[s]}" for s in (shorthand.NOT_AVAILABLE, shorthand.CONFIDENTIAL)),
    ]
    labels = sum(1 for c in columns if c.unit == TEXT)
    return Sheet(
        name=interval_sheet_name(spec.id),
        title=f"{spec.id}: {spec.title}: 95% confidence intervals",
        lines=tuple(Line(x) for x in lines),
        columns=tuple(columns),
        rows=tuple(rows),
        table_name=f"table_{interval_sheet_name(spec.id).replace('.', '_')}",
        description=f"{spec.title}: 95% confidence intervals of the percentages",
        freeze_columns=labels,
    )
