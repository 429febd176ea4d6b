"""Charts drawn from plain data (`ChartDrawing`: panels of bars, labels, colours and the title
line), written as PNG and SVG with matplotlib. `charts` makes the drawings from the warehouse's
figures; this module needs nothing else, so a separate process can draw them (imported there, it
loads matplotlib and no data library).

Deterministic: matplotlib's Agg canvas, the bundled DejaVu Sans font, a fixed SVG hash salt and no
dates or software versions in the files, so a rerun on the same data writes the same bytes.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

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
SVG_OPEN = "<svg "


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


@dataclass(frozen=True)
class ChartDrawing:
    """Everything one chart shows: `title` is the figure's title line(s), `alt` its alternative
    text (title, description) for the SVG."""

    id: str
    panels: tuple[Panel, ...]
    route_labels: dict[str, str]
    route_colours: dict[str, str]
    title: str
    alt: tuple[str, str]


def wrap(text: str, width: int = 48) -> str:
    return textwrap.fill(text, width)


def _bars(ax, rects: list[tuple[float, float, float, float]], colour: str, label) -> None:
    """Horizontal bars (left, y centre, width, height) as one collection: far cheaper to draw
    than one patch per bar, and the same pixels."""
    from matplotlib.collections import PolyCollection

    verts = [
        [(x, y - h / 2), (x, y + h / 2), (x + w, y + h / 2), (x + w, y - h / 2)]
        for x, y, w, h in rects
    ]
    ax.add_collection(PolyCollection(verts, facecolors=colour, edgecolors="none", label=label))


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
    ax.set_yticks(range(len(labels)), [wrap(x) for x in labels])
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
    ax.set_yticks(range(len(panel.bars)), [wrap(b.label, 60) for b in panel.bars])
    ax.set_xlim(0, 100)
    return len(panel.bars)


def draw(chart: ChartDrawing):
    """The chart as a matplotlib Figure on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = chart.panels
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
            else _draw_grouped(ax, panel, chart.route_labels, chart.route_colours)
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
    fig.suptitle(chart.title, x=0.01, ha="left", fontsize=10)
    return fig


def add_to_svg(path: Path, title: str, description: str) -> None:
    """Put `<title>` and `<desc>` first inside the SVG's root element, referenced by it."""
    svg = path.read_text(encoding="utf-8")
    start = svg.index(SVG_OPEN)
    end = svg.index(">", start)
    opening = svg[start:end]
    labelled = f'{opening} role="img" aria-labelledby="chart-title chart-desc"'
    inner = (
        f'\n <title id="chart-title">{escape(title)}</title>'
        f'\n <desc id="chart-desc">{escape(description)}</desc>'
    )
    path.write_text(svg[:start] + labelled + ">" + inner + svg[end + 1 :], encoding="utf-8")


def warm_up() -> None:
    """Load matplotlib and find the font: run first in a drawing process, while the data for
    the charts is read."""
    import matplotlib as mpl
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401

    with mpl.rc_context(RC):
        font_manager.findfont(font_manager.FontProperties(family=RC["font.family"]))


def render(folder: Path, charts: list[ChartDrawing]) -> list[Path]:
    """`<folder>/<chart id>.png` and `.svg` (with its `<title>` and `<desc>`) for each chart,
    in order; returns the paths."""
    import matplotlib as mpl

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with mpl.rc_context(RC):
        for chart in charts:
            fig = draw(chart)
            png, svg = folder / f"{chart.id}.png", folder / f"{chart.id}.svg"
            fig.savefig(png, format="png", dpi=DPI, metadata=PNG_METADATA)
            # the layout is fixed by the first save: the second does not solve it again
            fig.set_layout_engine(None)
            fig.savefig(svg, format="svg", metadata=SVG_METADATA)
            add_to_svg(svg, *chart.alt)
            paths += [png, svg]
    return paths
