"""Alternative text of the charts: a title and a description of what each chart shows, with its
figures, made from the same panels the chart draws (`charts.chart_panels`). The same text goes
into each SVG (`<title>`, `<desc>`), into `figures/alt_text.csv` beside the PNGs, and onto the
workbook's Figures sheet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from publication.chart_specs import ChartSpec
from publication.estimates import Estimates
from survey.questionnaire import Questionnaire

ALT_TEXT_CSV = "alt_text.csv"


@dataclass(frozen=True)
class FigureText:
    id: str
    title: str
    description: str


def _pct(value: float | None) -> str:
    return "not available" if value is None else f"{value:.0f}%"


def describe(spec: ChartSpec, q: Questionnaire, est: Estimates) -> FigureText:
    # charts imports this module
    from publication.charts import bases_label, chart_panels, weighting_text

    panels = chart_panels(spec, q, est)
    parts = []
    for panel in panels:
        if panel.stacked:
            bars = "; ".join(
                f"{b.label}: " + ", ".join(f"{label} {_pct(v)}" for label, v in b.segments)
                for b in panel.bars
            )
            parts.append(
                "Stacked horizontal bars, one per item and route, split into the answer "
                f"categories (percentages of the base). {bars}."
            )
        else:
            if len(panel.bars[0].segments) == 1:
                items = dict.fromkeys(b.label for b in panel.bars)
                text = "; ".join(
                    f"{item}: "
                    + ", ".join(
                        f"{b.segments[0][0]} {_pct(b.segments[0][1])}"
                        for b in panel.bars
                        if b.label == item
                    )
                    for item in items
                )
            else:
                text = "; ".join(
                    f"{b.label}: " + ", ".join(f"{label} {_pct(v)}" for label, v in b.segments)
                    for b in panel.bars
                )
            head = f"{panel.title}: " if panel.title else ""
            side = " beside ".join(s["label"] for s in q.routes.values())
            bars = f"Horizontal bars, {side}" if len(q.routes) > 1 else "Horizontal bars"
            parts.append(f"{head}{bars} (percentages). {text}.")
    weighting = (
        "Unweighted shares of respondents" if spec.stat == "composition" else weighting_text(q)
    )
    description = " ".join(parts) + f" Bases: {bases_label(spec, q, est)}. {weighting}."
    return FigureText(spec.id, f"Figure {spec.id}: {spec.title}", description)


def write_alt_text_csv(folder: Path, texts: list[FigureText]) -> Path:
    path = folder / ALT_TEXT_CSV
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["figure", "png", "svg", "title", "description"])
        for t in texts:
            writer.writerow([t.id, f"{t.id}.png", f"{t.id}.svg", t.title, t.description])
    return path
