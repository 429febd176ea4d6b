"""The pack's charts (`chart_specs.ChartSet`) as PNG and SVG, drawn from the marts' route totals:
the panels, bars and labels of each chart (`chart_drawings`), which `chart_render` draws with
matplotlib (in this process with `write_charts`, or in another one: `publication.release`).
"""

from __future__ import annotations

from pathlib import Path

from publication.alt_text import FigureText, describe, write_alt_text_csv
from publication.chart_render import Bar, ChartDrawing, Panel, render, wrap
from publication.chart_specs import ChartSet, ChartSpec
from publication.estimates import Estimates
from survey.questionnaire import Questionnaire, Variable


def chart_variables(spec: ChartSpec, q: Questionnaire) -> list[Variable]:
    """The variables a chart draws: a question id stands for all its items or options."""
    out = []
    for vid in spec.variables:
        if vid in q.questions:
            out += [v for v in q.variables.values() if v.question_id == vid]
        else:
            out.append(q.variables[vid])
    return out


def _pct(row: dict | None) -> float | None:
    return None if row is None or row["pct"] is None else float(row["pct"])


def _in_base(v: Variable, q: Questionnaire) -> dict[int, str]:
    excluded = set(q.base_rules[v.base_rule].exclude)
    return {c: label for c, label in v.scale.codes.items() if q.missing_kind(c) not in excluded}


def _composition(v: Variable, route: str, spec: ChartSpec, q: Questionnaire, est: Estimates):
    """Unweighted shares of a profile variable's categories (codes, or breakdown groups)."""
    if v.id in spec.code_groups:
        categories = dict(q.breakdowns[spec.code_groups[v.id]].groups.values())
    else:
        categories = {label: (code,) for code, label in _in_base(v, q).items()}
    segments = []
    for label, members in categories.items():
        rows = [est.route_total(v.id, route, "code", str(c)) for c in members]
        rows = [r for r in rows if r is not None and r["unweighted_base"]]
        if any(r["unweighted_count"] is None for r in rows):  # withheld (publication.disclosure)
            segments.append((label, None))
            continue
        count = sum(r["unweighted_count"] for r in rows)
        segments.append((label, 100.0 * count / rows[0]["unweighted_base"] if rows else None))
    return tuple(segments)


def _bar(v: Variable, route: str, route_label: str, spec: ChartSpec, q, est) -> Bar:
    item = v.item_label or q.questions[v.question_id].text
    stat = spec.stat
    if stat == "option" or stat.startswith("net:"):
        kind, category = ("option", "1") if stat == "option" else ("net", stat[4:])
        return Bar(
            item, route, ((route_label, _pct(est.route_total(v.id, route, kind, category))),)
        )
    if stat == "distribution":
        segments = tuple(
            (label, _pct(est.route_total(v.id, route, "code", str(code))))
            for code, label in _in_base(v, q).items()
        )
        return Bar(f"{item} ({route_label})", route, segments)
    if stat == "modal_rank":
        segments = tuple(
            (label, _pct(est.route_total(v.id, route, "rank", str(code))))
            for code, label in v.scale.codes.items()
        )
        modal = est.modal_rank(v.id, route)
        return Bar(f"{item} ({route_label}): most often ranked {modal}", route, segments)
    raise ValueError(f"chart {spec.id}: unknown stat {stat}")


def chart_panels(spec: ChartSpec, q: Questionnaire, est: Estimates) -> list[Panel]:
    routes = {r: s["label"] for r, s in q.routes.items()}
    variables = chart_variables(spec, q)
    if spec.stat == "composition":
        return [
            Panel(
                q.tables[v.table].title,
                tuple(
                    Bar(label, r, _composition(v, r, spec, q, est)) for r, label in routes.items()
                ),
                stacked=False,
            )
            for v in variables
        ]
    bars = tuple(_bar(v, r, label, spec, q, est) for v in variables for r, label in routes.items())
    return [Panel(None, bars, stacked=spec.stat in ("distribution", "modal_rank"))]


def bases_label(spec: ChartSpec, q: Questionnaire, est: Estimates) -> str:
    """'<route> minimum N = …' for each route, '; '-separated ('N = …' when every base is
    equal)."""
    ids = [v.id for v in chart_variables(spec, q)]
    parts = []
    for route, s in q.routes.items():
        bases = est.route_bases(ids, route)
        if not bases:
            parts.append(f"{s['label']} N not available")
        elif min(bases) == max(bases):
            parts.append(f"{s['label']} N = {int(min(bases)):,}")
        else:
            parts.append(f"{s['label']} minimum N = {int(min(bases)):,}")
    return "; ".join(parts)


def weighting_text(q: Questionnaire) -> str:
    """'<route> unweighted; <route> weighted', from the questionnaire's routes."""
    return "; ".join(
        f"{s['label']} {'weighted' if s['weighted'] else 'unweighted'}" for s in q.routes.values()
    )


def chart_drawings(
    charts: ChartSet, q: Questionnaire, est: Estimates, texts: list[FigureText]
) -> list[ChartDrawing]:
    """What each chart of the pack shows, as plain data (`chart_render` draws it); `texts` are
    the charts' alternative texts (`figure_texts`)."""
    by_id = {t.id: t for t in texts}
    route_labels = {r: s["label"] for r, s in q.routes.items()}
    drawings = []
    for spec in charts.charts:
        weighting = (
            "unweighted shares of respondents" if spec.stat == "composition" else weighting_text(q)
        )
        title = wrap(f"Figure {spec.id}: {spec.title}", 100)
        text = by_id[spec.id]
        drawings.append(
            ChartDrawing(
                spec.id,
                tuple(chart_panels(spec, q, est)),
                route_labels,
                charts.route_colours,
                f"{title}\n({bases_label(spec, q, est)}; {weighting})",
                (text.title, text.description),
            )
        )
    return drawings


def figure_texts(charts: ChartSet, q: Questionnaire, est: Estimates) -> list[FigureText]:
    """The alternative text of every chart of the pack."""
    return [describe(spec, q, est) for spec in charts.charts]


def write_charts(
    folder: Path,
    charts: ChartSet,
    q: Questionnaire,
    est: Estimates,
    texts: list[FigureText] | None = None,
) -> list[Path]:
    """`<folder>/<chart id>.png` and `.svg` (with its `<title>` and `<desc>`) for every chart of
    the pack, and `alt_text.csv` with the same texts (last in the list); nothing when the pack
    has no charts."""
    if not charts.charts:
        return []
    texts = texts if texts is not None else figure_texts(charts, q, est)
    paths = render(folder, chart_drawings(charts, q, est, texts))
    return [*paths, alt_text_csv(folder, charts, texts)]


def alt_text_csv(folder: Path, charts: ChartSet, texts: list[FigureText]) -> Path:
    """`<folder>/alt_text.csv`: the charts' alternative texts, in the pack's order."""
    by_id = {t.id: t for t in texts}
    return write_alt_text_csv(folder, [by_id[s.id] for s in charts.charts])
