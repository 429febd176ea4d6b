"""Charts: one PNG and one SVG per chart of the list, labelled with routes and bases, and
byte-identical when drawn again."""

from __future__ import annotations

import csv
import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb

from publication import charts
from publication.alt_text import describe
from publication.chart_specs import ChartSet
from publication.estimates import Estimates
from survey.questionnaire import Questionnaire

REPORT_FIGURES = {
    "B1.1", "B1.2", "D1.1", "D1.2", "D2.1", "D3.1", "E1.1", "E2.1", "E3.1",
    "F1.1", "F2.1", "F3.1", "G1.1", "G2.1", "G3.1", "H1.1",
}  # fmt: skip


def test_chart_list_covers_the_report(questionnaire: Questionnaire, chart_set: ChartSet) -> None:
    ids = [c.id for c in chart_set.charts]
    assert len(ids) == 18 and len(ids) == len(set(ids))
    assert set(ids) >= REPORT_FIGURES | {"APP1"}
    assert any(c.variables == ("C_PROBLEM",) for c in chart_set.charts)
    assert chart_set.route_colours == {"talk_london": "#12436D", "polls": "#28A197"}
    for spec in chart_set.charts:
        assert charts.chart_variables(spec, questionnaire)


def test_png_and_svg_for_every_chart(release, chart_set: ChartSet) -> None:
    folder = release.figures[0].parent
    assert folder == release.workbook.parent / "figures"
    expected = {f"{c.id}.{ext}" for c in chart_set.charts for ext in ("png", "svg")}
    expected |= {"alt_text.csv"}
    assert {p.name for p in release.figures} == expected
    assert {p.name for p in folder.iterdir()} == expected
    for path in release.figures:
        if path.suffix == ".csv":
            continue
        head = path.read_bytes()[:400]
        if path.suffix == ".png":
            assert head.startswith(b"\x89PNG")
        else:
            assert b"<svg" in head


def test_bases_label(
    synthetic_warehouse: Path, questionnaire: Questionnaire, chart_set: ChartSet
) -> None:
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        est = Estimates.load(con)
    spec = next(c for c in chart_set.charts if c.id == "D1.1")
    assert charts.bases_label(spec, questionnaire, est) == "Talk London N = 1,033; Polls N = 1,693"


def test_rerun_gives_identical_bytes(
    tmp_path: Path, synthetic_warehouse: Path, questionnaire: Questionnaire, chart_set: ChartSet
) -> None:
    two = dataclasses.replace(
        chart_set, charts=tuple(c for c in chart_set.charts if c.id in ("B1.1", "D1.1"))
    )
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        est = Estimates.load(con)
    first = charts.write_charts(tmp_path / "a", two, questionnaire, est)
    second = charts.write_charts(tmp_path / "b", two, questionnaire, est)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    svg = first[1].read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_every_chart_has_alt_text_in_svg_csv_and_workbook(
    release, workbook, chart_set: ChartSet
) -> None:
    folder = release.figures[0].parent
    with open(folder / "alt_text.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["figure"] for r in rows] == [c.id for c in chart_set.charts]
    sheet = {r[0]: (r[1], r[2]) for r in workbook["Figures"].iter_rows(min_row=4, values_only=True)}
    for row in rows:
        svg = ET.parse(folder / row["svg"]).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        assert svg[0].tag == f"{ns}title" and svg[1].tag == f"{ns}desc"
        assert svg[0].text == row["title"] and svg[1].text == row["description"]
        assert svg.get("role") == "img"
        assert sheet[row["figure"]] == (row["title"], row["description"])
        assert row["title"].startswith(f"Figure {row['figure']}: ")
        assert "Bases: Talk London" in row["description"]
    d11 = next(r["description"] for r in rows if r["figure"] == "D1.1")
    assert re.search(r": Talk London \d+%, Polls \d+%", d11)  # each item's figures, in words


def test_alt_text_states_the_figures(
    synthetic_warehouse: Path, questionnaire: Questionnaire, chart_set: ChartSet
) -> None:
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        est = Estimates.load(con)
    spec = next(c for c in chart_set.charts if c.id == "D1.1")
    text = describe(spec, questionnaire, est)
    variable = charts.chart_variables(spec, questionnaire)[0]
    row = est.route_total(variable.id, "polls", "net", "safe")
    assert f"{variable.item_label}: Talk London " in text.description
    assert f"Polls {row['pct']:.0f}%" in text.description
