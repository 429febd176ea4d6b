"""The charts a pack publishes, as data: its `charts.yaml` (layout documented at the top of the
reference pack's file), read and checked against the questionnaire. An error names the file, the
key and the line. A pack without `charts.yaml` publishes no charts.

`variables` are questionnaire question ids (a grid, ranking or multi-select stands for all its
items or options) or variable ids. `stat` says what is drawn:
  net:<net>     share in a net of the scale, per item, the routes side by side
  option        share selecting each option of a multi-select
  distribution  every answer category in the base, stacked, per item and route
  modal_rank    share at each rank, stacked, with the most common rank in the label
  composition   sample composition (unweighted shares), one panel per variable; `code_groups`
                groups a variable's codes by a breakdown's groups
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from publication.pack_yaml import PackYaml, read
from survey.questionnaire import Questionnaire

CHARTS_FILE = "charts.yaml"
STATS = ("option", "distribution", "modal_rank", "composition")
NET = "net:"
# Colours of routes the file gives none for, in order (the Analysis Function's palette).
DEFAULT_ROUTE_COLOURS = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
KEYS = {"id", "title", "variables", "stat", "code_groups"}


@dataclass(frozen=True)
class ChartSpec:
    id: str
    title: str
    variables: tuple[str, ...]
    stat: str
    code_groups: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartSet:
    """The pack's charts and each route's colour; `source` is the file (None: no charts)."""

    charts: tuple[ChartSpec, ...]
    route_colours: dict[str, str]
    source: Path | None = None


def no_charts(q: Questionnaire) -> ChartSet:
    return ChartSet((), _colours({}, q))


def _colours(given: dict[str, str], q: Questionnaire) -> dict[str, str]:
    spare = iter(c for c in DEFAULT_ROUTE_COLOURS if c not in given.values())
    return {r: given.get(r) or next(spare, DEFAULT_ROUTE_COLOURS[0]) for r in q.routes}


def load_chart_set(path: Path, q: Questionnaire) -> ChartSet:
    """The charts of `path` (a pack's `charts.yaml`), checked against `q`; no file, no charts."""
    if not path.is_file():
        return no_charts(q)
    doc = read(path)
    raw = doc.data
    if not isinstance(raw, dict) or not isinstance(raw.get("charts"), list):
        raise doc.error("needs a list 'charts' (an empty list publishes no charts)", "charts")
    unknown = set(raw) - {"charts", "route_colours"}
    if unknown:
        raise doc.error(f"unknown key(s) {', '.join(sorted(unknown))}", sorted(unknown)[0])
    colours = raw.get("route_colours") or {}
    if not isinstance(colours, dict):
        raise doc.error("must map route ids to colours", "route_colours")
    for route, colour in colours.items():
        if route not in q.routes:
            raise doc.error(
                f"not a route of the questionnaire (routes: {', '.join(q.routes)})",
                "route_colours",
                route,
            )
        if not isinstance(colour, str) or not HEX.match(colour):
            raise doc.error("a colour is written #RRGGBB", "route_colours", route)
    charts = tuple(_chart(doc, i, entry, q) for i, entry in enumerate(raw["charts"]))
    ids = [c.id for c in charts]
    for i, chart_id in enumerate(ids):
        if chart_id in ids[:i]:
            raise doc.error("two charts have this id", "charts", i, "id")
    return ChartSet(charts, _colours(colours, q), path)


def _chart(doc: PackYaml, i: int, entry: object, q: Questionnaire) -> ChartSpec:
    at = ("charts", i)
    if not isinstance(entry, dict):
        raise doc.error("a chart is a mapping of id, title, variables and stat", *at)
    for key in ("id", "title", "variables", "stat"):
        if key not in entry:
            raise doc.error(f"missing '{key}'", *at)
    if unknown := set(entry) - KEYS:
        raise doc.error(f"unknown key(s) {', '.join(sorted(unknown))}", *at, sorted(unknown)[0])
    chart_id, title = str(entry["id"]), entry["title"]
    if not ID.match(chart_id):
        raise doc.error("an id is letters, digits, '.', '_' or '-' (it names the files)", *at, "id")
    if not isinstance(title, str) or not title.strip():
        raise doc.error("a title is a non-empty text", *at, "title")
    variables = entry["variables"]
    if not isinstance(variables, list) or not variables:
        raise doc.error("a non-empty list of question or variable ids", *at, "variables")
    for j, vid in enumerate(variables):
        if vid not in q.questions and vid not in q.variables:
            raise doc.error("not a question or variable of the questionnaire", *at, "variables", j)
    stat = str(entry["stat"])
    if stat.startswith(NET):
        net = stat[len(NET) :]
        for j, vid in enumerate(variables):
            scale = _scale(q, vid)
            if scale is None or net not in scale.nets:
                raise doc.error(f"the net is not one of the scale of variables[{j}]", *at, "stat")
    elif stat not in STATS:
        raise doc.error(f"unknown stat (one of net:<net>, {', '.join(STATS)})", *at, "stat")
    groups = entry.get("code_groups") or {}
    if groups and stat != "composition":
        raise doc.error("code_groups applies to stat composition only", *at, "code_groups")
    if not isinstance(groups, dict):
        raise doc.error("maps a variable id to a breakdown id", *at, "code_groups")
    for vid, breakdown in groups.items():
        if vid not in variables:
            raise doc.error("not one of the chart's variables", *at, "code_groups", vid)
        if breakdown not in q.breakdowns:
            raise doc.error("not a breakdown of the questionnaire", *at, "code_groups", vid)
    return ChartSpec(chart_id, " ".join(title.split()), tuple(variables), stat, dict(groups))


def _scale(q: Questionnaire, vid: str):
    if vid in q.variables:
        return q.variables[vid].scale
    return q.questions[vid].scale
