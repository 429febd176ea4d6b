"""Supplementary tables as data: rows of figures by column, built from the questionnaire's table
specs and the marts. Which rows a table has depends only on its `kind` (one row builder each);
the writers (workbook, CSV) know nothing of kinds. The coded themes of the open comments (kind
'themes', Table I1) count comments instead and have a layout of their own (`publication.themes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from publication import shorthand
from publication.estimates import Estimates, FigureColumn, figure_columns
from publication.themes import CommentFigures, ThemeTable, build_theme_table
from survey.questionnaire import Questionnaire, TableSpec, Variable

PERCENT = "percent"
COUNT = "count"
MODAL_RANK = "modal_rank"
BASES = {
    "unweighted_base": "Unweighted base",
    "weighted_base": "Weighted base",
    "effective_base": "Effective base",
}
THEMES = "themes"


@dataclass(frozen=True)
class RowSpec:
    """One row before figures are looked up: which estimate of which variable it shows."""

    variable_id: str
    item: str | None
    label: str
    category_kind: str
    category: str
    measure: str = PERCENT


@dataclass(frozen=True)
class Cell:
    """One figure. `value` is None when unavailable or not applicable; `flag` says which."""

    value: float | None
    flag: str
    significant: bool | None = None
    compared_with: str | None = None
    unweighted_base: float | None = None
    weighted_base: float | None = None
    effective_base: float | None = None
    ci_lower: float | None = None  # the 95% confidence interval of a percentage (0-100)
    ci_upper: float | None = None


@dataclass(frozen=True)
class Row:
    spec: RowSpec
    cells: tuple[Cell, ...]

    @property
    def is_base(self) -> bool:
        return self.spec.measure in BASES


@dataclass(frozen=True)
class PublishedTable:
    spec: TableSpec
    columns: tuple[FigureColumn, ...]
    rows: tuple[Row, ...]
    show_items: bool  # several blocks: the item goes in its own column


def item_of(v: Variable, q: Questionnaire) -> str:
    return v.item_label or q.questions[v.question_id].text


def net_label(net: str, est: Estimates, variable_id: str) -> str:
    """The marts' label of a net ('Net: major problem'), else one made the same way."""
    return est.label(variable_id, "net", net) or f"Net: {net.replace('_', ' ')}"


def _answer_rows(v: Variable, q: Questionnaire, est: Estimates) -> list[RowSpec]:
    """Answer codes in the variable's base, then the scale's nets."""
    excluded = set(q.base_rules[v.base_rule].exclude)
    item = item_of(v, q)
    rows = [
        RowSpec(v.id, item, label, "code", str(code))
        for code, label in v.scale.codes.items()
        if q.missing_kind(code) not in excluded
    ]
    rows += [RowSpec(v.id, item, net_label(net, est, v.id), "net", net) for net in v.scale.nets]
    return rows


def distribution_rows(spec: TableSpec, q: Questionnaire, est: Estimates) -> list[list[RowSpec]]:
    """One block per variable: answer categories then nets (distribution, grid, profile)."""
    return [_answer_rows(q.variables[v], q, est) for v in spec.variables]


def rank_position_rows(spec: TableSpec, q: Questionnaire, est: Estimates) -> list[list[RowSpec]]:
    """Share giving each rank, then the most common rank."""
    blocks = []
    for vid in spec.variables:
        v = q.variables[vid]
        item = item_of(v, q)
        rows = [RowSpec(vid, item, label, "rank", str(c)) for c, label in v.scale.codes.items()]
        blocks.append([*rows, RowSpec(vid, item, "Most common rank", "rank", "1", MODAL_RANK)])
    return blocks


def rank_first_rows(spec: TableSpec, q: Questionnaire, est: Estimates) -> list[list[RowSpec]]:
    """One row per ranked item: the share ranking it first."""
    return [[RowSpec(v, None, q.variables[v].item_label, "rank", "1") for v in spec.variables]]


def rank_modal_rows(spec: TableSpec, q: Questionnaire, est: Estimates) -> list[list[RowSpec]]:
    """One row per ranked item: its most common rank."""
    return [
        [
            RowSpec(v, None, q.variables[v].item_label, "rank", "1", MODAL_RANK)
            for v in spec.variables
        ]
    ]


def multi_rows(spec: TableSpec, q: Questionnaire, est: Estimates) -> list[list[RowSpec]]:
    """One row per option: the share selecting it."""
    return [[RowSpec(v, None, q.variables[v].item_label, "option", "1") for v in spec.variables]]


RowBuilder = Callable[[TableSpec, Questionnaire, Estimates], list[list[RowSpec]]]
ROW_BUILDERS: dict[str, RowBuilder] = {
    "distribution": distribution_rows,
    "grid": distribution_rows,
    "profile": distribution_rows,
    "rank_position": rank_position_rows,
    "rank_first": rank_first_rows,
    "rank_modal": rank_modal_rows,
    "multi": multi_rows,
}


def _cell(row: RowSpec, column: FigureColumn, est: Estimates) -> Cell:
    found = est.get(row.variable_id, column, row.category_kind, row.category)
    if found is None:
        return Cell(None, shorthand.NOT_AVAILABLE)
    if row.measure == MODAL_RANK:
        value = est.modal_rank(row.variable_id, column.route, column.breakdown, column.group_id)
    else:
        value = found["pct"]
    return Cell(
        value=None if value is None else float(value),
        flag=shorthand.flag(
            available=value is not None,
            suppressed=bool(found.get("suppressed")),
            revised=bool(found.get("revised")),
            small_base=found["small_base"],
            significant=found["significant"],
            tested=row.measure == PERCENT,
        ),
        significant=found["significant"],
        compared_with=found["compared_with"],
        unweighted_base=found["unweighted_base"],
        weighted_base=found["weighted_base"] if column.weighted else None,
        effective_base=found["effective_base"] if column.weighted else None,
        ci_lower=found.get("ci_lower") if row.measure == PERCENT else None,
        ci_upper=found.get("ci_upper") if row.measure == PERCENT else None,
    )


def _base_rows(block: list[Row], columns: tuple[FigureColumn, ...]) -> list[Row]:
    """Unweighted base (and for weighted routes weighted and effective bases) under a block.

    A block of several variables (ranked items, options) shows the smallest base of its rows.
    """
    first = {}
    for i, row in enumerate(block):
        first.setdefault(row.spec.variable_id, i)
    head = block[0].spec
    out = []
    for measure, label in BASES.items():
        cells, varies = [], False
        for c, column in enumerate(columns):
            values = [getattr(block[i].cells[c], measure) for i in first.values()]
            values = [v for v in values if v is not None]
            varies |= len(set(values)) > 1
            if measure != "unweighted_base" and not column.weighted:
                cells.append(Cell(None, shorthand.NOT_APPLICABLE))
            elif values:
                cells.append(Cell(float(min(values)), shorthand.NOT_APPLICABLE))
            else:
                cells.append(Cell(None, shorthand.NOT_AVAILABLE))
        if varies:
            label += " (smallest across rows)"
        spec = RowSpec(head.variable_id, head.item, label, "base", measure, measure)
        out.append(Row(spec, tuple(cells)))
    return out


def build_table(spec: TableSpec, q: Questionnaire, est: Estimates) -> PublishedTable:
    columns = tuple(figure_columns(q))
    blocks = ROW_BUILDERS[spec.kind](spec, q, est)
    rows: list[Row] = []
    for block_specs in blocks:
        block = [Row(r, tuple(_cell(r, c, est) for c in columns)) for r in block_specs]
        rows += block + _base_rows(block, columns)
    return PublishedTable(spec, columns, tuple(rows), show_items=len(blocks) > 1)


def build_tables(
    q: Questionnaire, est: Estimates, comments: CommentFigures | None, stance_theme: str = ""
) -> list[PublishedTable | ThemeTable]:
    """Every table in the questionnaire's order (`comments`: the comment-themes table's figures,
    None when no table counts themes; `stance_theme`: the codeframe's stance theme's label)."""
    return [
        build_theme_table(spec, q, comments, stance_theme)
        if spec.kind == THEMES
        else build_table(spec, q, est)
        for spec in q.tables.values()
    ]
