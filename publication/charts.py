"""The pack's charts (`chart_specs.ChartSet`) as PNG and SVG, drawn from the marts' route totals.

Deterministic: matplotlib's Agg canvas, the bundled DejaVu Sans font, a fixed SVG hash salt and no
dates or software versions in the files, so a rerun on the same data writes the same bytes.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from publication.alt_text import FigureText, add_to_svg, describe, write_alt_text_csv
from publication.chart_specs import ChartSet, ChartSpec
from publication.estimates import Estimates
from survey.questionnaire import Questionnaire, Variable

CATEGORY_COLOURS = ("#12436D", "#2073BC", "#28A197", "#A285D1", "#801650", "#F46A25", "#3D3D3D")
MISSING_COLOUR = "#BFBFBF"
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "consultation-publication",
    "svg.fonttype": "path",
}
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}
DPI = 150
WIDTH = 10.0


@dataclass(frozen=True)
class Bar:
    """One bar, or one stacked bar: (segment label, percentage) pairs."""

    label: str
    route: str
    segments: tuple[tuple[str, float | None], ...]


@dataclass(frozen=True)
class Panel:
    title: str | None
    bars: tuple[Bar, ...]
    stacked: bool


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


def _wrap(text: str, width: int = 48) -> str:
    return textwrap.fill(text, width)


def _bars(ax, rects: list[tuple[float, float, float, float]], colour: str, label) -> None:
    """Horizontal bars (left, y centre, width, height) as one collection: far cheaper to draw
    than one patch per bar, and the same pixels."""
    verts = [
        [(x, y - h / 2), (x, y + h / 2), (x + w, y + h / 2), (x + w, y - h / 2)]
        for x, y, w, h in rects
    ]
    ax.add_collection(PolyCollection(verts, facecolors=colour, edgecolors="none", label=label))


def weighting_text(q: Questionnaire) -> str:
    """'<route> unweighted; <route> weighted', from the questionnaire's routes."""
    return "; ".join(
        f"{s['label']} {'weighted' if s['weighted'] else 'unweighted'}" for s in q.routes.values()
    )


def _draw_grouped(ax, panel: Panel, route_labels: dict[str, str], colours: dict[str, str]) -> int:
    """Categories down the axis, one bar per route beside each other; returns the row count."""
    if len(panel.bars[0].segments) == 1:  # one bar per item and route: items are the categories
        labels = list(dict.fromkeys(b.label for b in panel.bars))
        values = {r: [b.segments[0][1] for b in panel.bars if b.route == r] for r in route_labels}
    else:  # one bar per route holding every category (composition)
        labels = [label for label, _ in panel.bars[0].segments]
        values = {b.route: [v for _, v in b.segments] for b in panel.bars}
    height = 0.8 / len(values)
    for j, (route, vals) in enumerate(values.items()):
        ys = [i - 0.4 + (j + 0.5) * height for i in range(len(labels))]
        rects = [(0.0, y, v or 0.0, height) for y, v in zip(ys, vals, strict=True)]
        _bars(ax, rects, colours[route], route_labels[route])
        for y, v in zip(ys, vals, strict=True):
            ax.text((v or 0) + 1, y, "n/a" if v is None else f"{v:.0f}%", va="center", fontsize=7)
    ax.set_yticks(range(len(labels)), [_wrap(x) for x in labels])
    ax.set_xlim(0, 110)
    return len(labels)


def _draw_stacked(ax, panel: Panel) -> int:
    """One stacked bar per item and route, answer categories left to right."""
    categories = list(dict.fromkeys(label for b in panel.bars for label, _ in b.segments))
    colours = {
        c: MISSING_COLOUR if c.lower().startswith(("don't know", "i don't know")) else colour
        for c, colour in zip(categories, CATEGORY_COLOURS * 3, strict=False)
    }
    rects: dict[str, list] = {c: [] for c in categories}
    for i, bar in enumerate(panel.bars):
        left = 0.0
        for label, value in bar.segments:
            width = value or 0.0
            rects[label].append((left, i, width, 0.8))
            if width >= 5:
                ax.text(
                    left + width / 2,
                    i,
                    f"{width:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white",
                )
            left += width
    for label, bars in rects.items():
        _bars(ax, bars, colours[label], label)
    ax.set_yticks(range(len(panel.bars)), [_wrap(b.label, 60) for b in panel.bars])
    ax.set_xlim(0, 100)
    return len(panel.bars)


def draw_chart(
    spec: ChartSpec, q: Questionnaire, est: Estimates, colours: dict[str, str]
) -> Figure:
    panels = chart_panels(spec, q, est)
    route_labels = {r: s["label"] for r, s in q.routes.items()}
    rows = max(len(p.bars) * (1 if p.stacked else len(p.bars[0].segments)) for p in panels)
    ncols = 2 if len(panels) > 1 else 1
    nrows = -(-len(panels) // ncols)
    fig = Figure(figsize=(WIDTH, 1.6 + nrows * (0.9 + 0.32 * rows)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        count = (
            _draw_stacked(ax, panel)
            if panel.stacked
            else _draw_grouped(ax, panel, route_labels, colours)
        )
        ax.set_ylim(count - 0.5, -0.5)
        ax.set_xlabel("%")
        ax.spines[["top", "right"]].set_visible(False)
        if panel.title:
            ax.set_title(panel.title, loc="left", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncols=min(len(labels), 6), frameon=False
    )
    weighting = (
        "unweighted shares of respondents" if spec.stat == "composition" else weighting_text(q)
    )
    title = _wrap(f"Figure {spec.id}: {spec.title}", 100)
    fig.suptitle(
        f"{title}\n({bases_label(spec, q, est)}; {weighting})", x=0.01, ha="left", fontsize=10
    )
    return fig


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
    folder.mkdir(parents=True, exist_ok=True)
    texts = texts if texts is not None else figure_texts(charts, q, est)
    by_id = {t.id: t for t in texts}
    paths = []
    with mpl.rc_context(RC):
        for spec in charts.charts:
            fig = draw_chart(spec, q, est, charts.route_colours)
            png, svg = folder / f"{spec.id}.png", folder / f"{spec.id}.svg"
            fig.savefig(png, format="png", dpi=DPI, metadata=PNG_METADATA)
            # the layout is fixed by the first save: the second does not solve it again
            fig.set_layout_engine("none")
            fig.savefig(svg, format="svg", metadata=SVG_METADATA)
            add_to_svg(svg, by_id[spec.id])
            paths += [png, svg]
    return [*paths, write_alt_text_csv(folder, [by_id[s.id] for s in charts.charts])]
