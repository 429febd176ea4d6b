"""The pack's publication files: charts.yaml and publication.yaml are checked on load, their
errors naming the file, the key and the line; a pack without charts publishes none and says so;
questionnaire metadata comes from the warehouse's ref tables."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from publication.accessibility import check_workbook
from publication.chart_specs import CHARTS_FILE, load_chart_set
from publication.metadata import PUBLICATION_FILE, load_publication_info, template_values
from publication.pack_yaml import PackFileError
from publication.release import publish_release
from publication.warehouse_questionnaire import (
    WarehouseMetadataError,
    questionnaire_from_warehouse,
)
from survey.questionnaire import Questionnaire

from .conftest import pack_copy

CHART = """route_colours:
  talk_london: "#112233"
charts:
  - id: C2.1
    title: Crime issues seen as a 'major problem'
    variables: [C_PROBLEM]
    stat: {stat}
"""


def _charts(tmp_path: Path, text: str, q: Questionnaire):
    path = tmp_path / CHARTS_FILE
    path.write_text(text, encoding="utf-8")
    return load_chart_set(path, q)


def test_charts_are_read_with_route_colours(tmp_path: Path, questionnaire) -> None:
    charts = _charts(tmp_path, CHART.format(stat="net:major_problem"), questionnaire)
    (spec,) = charts.charts
    assert (spec.id, spec.variables, spec.stat) == ("C2.1", ("C_PROBLEM",), "net:major_problem")
    # a route the file gives no colour takes the first default colour not already used
    assert charts.route_colours == {"talk_london": "#112233", "polls": "#12436D"}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (CHART.format(stat="net:no_such_net"), "charts.yaml, charts[0].stat (line 7)"),
        (CHART.format(stat="median"), "charts.yaml, charts[0].stat (line 7)"),
        (
            CHART.format(stat="option").replace("[C_PROBLEM]", "[C_PROBLEM, NOT_A_QUESTION]"),
            "charts.yaml, charts[0].variables[1] (line 6)",
        ),
        (CHART.format(stat="option").replace("#112233", "navy"), "route_colours.talk_london"),
        (
            CHART.format(stat="option").replace("talk_london:", "a_route:"),
            "charts.yaml, route_colours.a_route (line 2)",
        ),
        (CHART.format(stat="option").replace("    title:", "    titel:"), "charts[0] (line 4)"),
        ("charts: [\n", "charts.yaml (line 2): not valid YAML"),
    ],
)
def test_chart_errors_name_file_key_and_line(
    tmp_path: Path, questionnaire, text: str, where: str
) -> None:
    with pytest.raises(PackFileError) as raised:
        _charts(tmp_path, text, questionnaire)
    assert where in str(raised.value)


def test_no_charts_file_no_charts(tmp_path: Path, questionnaire) -> None:
    charts = load_chart_set(tmp_path / CHARTS_FILE, questionnaire)
    assert charts.charts == () and set(charts.route_colours) == set(questionnaire.routes)


def _publication_yaml(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / PUBLICATION_FILE
    path.write_text(
        "release_description: Tables.\npublished: '2022-03-24'\nnext_update: None.\n"
        "contact: {team: Team, web: 'https://example.org'}\nsubject: S\nlanguage: en-GB\n" + extra,
        encoding="utf-8",
    )
    return path


def test_method_template_filled_from_the_warehouse_counts(tmp_path: Path, questionnaire) -> None:
    path = _publication_yaml(
        tmp_path,
        "method:\n  - '{routes[polls][label]}: {routes[polls][respondents]:,} respondents, "
        "{routes[polls][weighting]}; {poll[boost][label]} {poll[boost][respondents]}.'\n",
    )
    (method,) = load_publication_info(path).method
    values = template_values(questionnaire, {"polls": 1693}, {"boost": 532}, 116)
    assert method.render(values) == "Polls: 1,693 respondents, weighted; BAME Boost Poll 532."


def test_unknown_placeholder_names_file_key_and_line(tmp_path: Path, questionnaire) -> None:
    path = _publication_yaml(tmp_path, "method:\n  - One.\n  - 'By {routes[phone][label]}.'\n")
    (_, second) = load_publication_info(path).method
    values = template_values(questionnaire, {}, {}, 1)
    with pytest.raises(PackFileError) as raised:
        second.render(values)
    assert str(raised.value).startswith("publication.yaml, method[1] (line 9): no placeholder")
    broken = _publication_yaml(tmp_path, "routes_note: 'An {unclosed brace.'\n")
    with pytest.raises(PackFileError, match=r"publication.yaml, routes_note \(line 7\)"):
        load_publication_info(broken)


def test_questionnaire_from_the_warehouse_equals_the_packs(
    synthetic_warehouse: Path, questionnaire
) -> None:
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        q = questionnaire_from_warehouse(con)
    assert (q.version, q.survey["title"], q.survey["owner"]) == (
        questionnaire.version,
        questionnaire.survey["title"],
        questionnaire.survey["owner"],
    )
    assert list(q.tables) == list(questionnaire.tables) and q.tables == questionnaire.tables
    assert q.breakdowns == questionnaire.breakdowns
    assert q.base_rules == questionnaire.base_rules
    assert q.missing_codes == questionnaire.missing_codes
    for vid, v in questionnaire.variables.items():
        w = q.variables[vid]
        assert (w.text, w.item_label, w.base_rule, w.table, w.asked_if, w.kind) == (
            v.text,
            v.item_label,
            v.base_rule,
            v.table,
            v.asked_if,
            v.kind,
        )
        if v.scale:
            assert (w.scale.codes, w.scale.nets) == (v.scale.codes, v.scale.nets)
    assert {r: (s["label"], s["weighted"], list(s["polls"])) for r, s in q.routes.items()} == {
        r: (s["label"], s["weighted"], list(s["polls"])) for r, s in questionnaire.routes.items()
    }
    assert q.fieldwork("talk_london") == questionnaire.fieldwork("talk_london")
    assert q.platform_statistics["metrics"] == questionnaire.platform_statistics["metrics"]
    assert q.analysis["small_base_threshold"] == questionnaire.analysis["small_base_threshold"]


def test_a_warehouse_without_ref_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema ref; create table ref.survey as select 1 as x")
        with pytest.raises(WarehouseMetadataError, match=r"no ref\.routes, ref\.route_polls"):
            questionnaire_from_warehouse(con)


@pytest.mark.slow  # a whole publication besides the session's shared release
def test_a_pack_without_charts_publishes_none_and_says_so(
    tmp_path: Path, synthetic_warehouse: Path, questionnaire
) -> None:
    pack = pack_copy(tmp_path / "pack", charts=None)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(synthetic_warehouse, warehouse)
    outcome = publish_release(warehouse, tmp_path / "build", "no-charts", consultation=pack)
    release = outcome.release
    assert outcome.state == "published" and release.figures == []
    assert not (release.folder / "figures").exists()
    wb = openpyxl.load_workbook(release.workbook)
    assert "Figures" not in wb.sheetnames
    notes = [r[1] for r in wb["Notes"].iter_rows(min_row=4, values_only=True)]
    assert any(n.startswith("This release has no charts: the consultation pack has no charts.yaml")
               for n in notes)  # fmt: skip
    assert check_workbook(wb) == []
    record = json.loads((release.folder / "release.json").read_text())
    assert record["consultation"] == {
        "id": "pack",
        "version": "1.0.0",
        "fingerprint": pack.fingerprint,
        "title": questionnaire.survey["title"],
    }
    with duckdb.connect(str(release.marts.path), read_only=True) as con:
        row = con.execute(
            "select consultation_id, consultation_version, consultation_fingerprint "
            "from marts.release"
        ).fetchone()
    assert row == ("pack", "1.0.0", pack.fingerprint)


def test_route_wording_follows_the_packs_routes(questionnaire) -> None:
    """One unweighted route, or three: the text names the pack's routes and their weighting."""
    from publication.cover import significance_text
    from publication.notes import route_labels, routes_note

    one = dataclasses.replace(
        questionnaire,
        routes={"web": {"label": "Online survey", "weighted": False, "polls": {}}},
    )
    assert routes_note(one) == "Online survey is unweighted."
    assert route_labels(one, weighted=True) == ""
    text = significance_text(one)
    assert "for the unweighted routes (Online survey) by Pearson's chi-square" in text
    assert "Rao-Scott" not in text and "(Wilson for Online survey)" in text
    three = dataclasses.replace(
        questionnaire,
        routes={
            "a": {"label": "A", "weighted": False, "polls": {}},
            "b": {"label": "B", "weighted": True, "polls": {}},
            "c": {"label": "C", "weighted": True, "polls": {}},
        },
    )
    assert route_labels(three) == "A, B and C" and route_labels(three, weighted=True) == "B and C"
    assert routes_note(three) == (
        "The routes are reported separately and never combined: A is unweighted; B is weighted; "
        "C is weighted."
    )
