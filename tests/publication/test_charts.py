"""Charts: one PNG and one SVG per chart of the list, labelled with routes and bases, and
byte-identical when drawn again."""

from __future__ import annotations

from pathlib import Path

import duckdb

from publication import charts
from publication.chart_specs import CHARTS
from publication.estimates import Estimates
from survey.questionnaire import Questionnaire

REPORT_FIGURES = {
    "B1.1", "B1.2", "D1.1", "D1.2", "D2.1", "D3.1", "E1.1", "E2.1", "E3.1",
    "F1.1", "F2.1", "F3.1", "G1.1", "G2.1", "G3.1", "H1.1",
}  # fmt: skip


def test_chart_list_covers_the_report(questionnaire: Questionnaire) -> None:
    ids = [c.id for c in CHARTS]
    assert len(ids) == len(set(ids))
    assert set(ids) >= REPORT_FIGURES | {"APP1"}
    assert any(c.variables == ("C_PROBLEM",) for c in CHARTS)
    for spec in CHARTS:
        assert charts.chart_variables(spec, questionnaire)


def test_png_and_svg_for_every_chart(release) -> None:
    folder = release.figures[0].parent
    assert folder == release.workbook.parent / "figures"
    expected = {f"{c.id}.{ext}" for c in CHARTS for ext in ("png", "svg")}
    assert {p.name for p in release.figures} == expected
    assert {p.name for p in folder.iterdir()} == expected
    for path in release.figures:
        head = path.read_bytes()[:400]
        if path.suffix == ".png":
            assert head.startswith(b"\x89PNG")
        else:
            assert b"<svg" in head


def test_bases_label(synthetic_warehouse: Path, questionnaire: Questionnaire) -> None:
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        est = Estimates.load(con)
    spec = next(c for c in CHARTS if c.id == "D1.1")
    assert charts.bases_label(spec, questionnaire, est) == "Talk London N = 1,033; Polls N = 1,693"


def test_rerun_gives_identical_bytes(
    tmp_path: Path, synthetic_warehouse: Path, questionnaire: Questionnaire, monkeypatch
) -> None:
    monkeypatch.setattr(charts, "CHARTS", tuple(c for c in CHARTS if c.id in ("B1.1", "D1.1")))
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        est = Estimates.load(con)
    first = charts.write_charts(tmp_path / "a", questionnaire, est)
    second = charts.write_charts(tmp_path / "b", questionnaire, est)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    svg = first[1].read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
