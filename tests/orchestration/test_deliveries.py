"""End to end: deliveries of other sizes, cumulative during fieldwork (issue 12).

One landing folder and one build folder take three deliveries in turn, made by the project's
generator: a first Talk London export of 200 respondents (plus two rows ingest quarantines) with
both polls (300 and 150) -> release 1, provisional; an export 10 respondents larger -> held
(fewer than the small-base threshold added); the export dated on the last day of fieldwork ->
release 2, final. Figures are checked against a calculation from the export files alone.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from sample_generator.scale import write_scaled
from survey.questionnaire import load_questionnaire

pytestmark = pytest.mark.slow

SIZES = {"talk_london": 360, "representative": 300, "boost": 150}
SERIES = [200, 210]


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generator's files: 'first' (with two rows to quarantine), 'second', 'final', polls."""
    folder = tmp_path_factory.mktemp("generated")
    written = write_scaled(folder, sizes=SIZES, series=SERIES)
    tl = sorted(p for p in written if p.name.startswith("talk_london"))
    first, second, final = tl  # dated in order; the final export is the last day of fieldwork
    table = pl.read_csv(first, infer_schema=False)
    copy = table.head(1)  # delivered twice, every cell identical
    test = table.head(1).with_columns(
        pl.lit(str(10_000)).alias("Response ID"), pl.lit("Test").alias("Status")
    )
    pl.concat([table, copy, test]).write_csv(first, line_terminator="\r\n")
    polls = [p for p in written if p.suffix == ".sav"]
    return {"first": first, "second": second, "final": final, "polls": polls}


def _run(defs, landing: Path, build: Path, instance) -> dg.ExecuteInProcessResult:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SURVEY_LANDING_DIR", str(landing))
        mp.setenv("SURVEY_BUILD_DIR", str(build))
        return defs.resolve_job_def("full_pipeline").execute_in_process(
            instance=instance, raise_on_error=False
        )


def _publish_meta(result: dg.ExecuteInProcessResult) -> dict:
    (event,) = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["published", "supplementary_tables"])
    ]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def series(defs, deliveries, tmp_path_factory: pytest.TempPathFactory) -> dict:
    landing = tmp_path_factory.mktemp("landing")
    build = tmp_path_factory.mktemp("deliveries") / "build"
    instance = dg.DagsterInstance.ephemeral()
    out: dict = {"build": build}
    for poll in deliveries["polls"]:
        shutil.copy(poll, landing)
    for step in ("first", "second", "final"):
        shutil.copy(deliveries[step], landing)
        result = _run(defs, landing, build, instance)
        out[step] = result
        if step == "first":
            out["first_release_files"] = _hashes(build / "releases" / "1")
        out[f"releases_after_{step}"] = sorted(p.name for p in (build / "releases").iterdir())
    releases = {n: _hashes(build / "releases" / n) for n in ("1", "2")}
    # a damaged delivery: an export cut off mid-row, dated after the final one
    data = deliveries["final"].read_bytes()
    (landing / "talk_london_export_20220125.csv").write_bytes(data[: len(data) // 2])
    out["damaged"] = _run(defs, landing, build, instance)
    out["releases_before_damaged"] = releases
    out["releases_after_damaged"] = {n: _hashes(build / "releases" / n) for n in ("1", "2")}
    out["first_release_after"] = _hashes(build / "releases" / "1")
    return out


def test_first_delivery_publishes_a_provisional_release(series) -> None:
    result, build = series["first"], series["build"]
    assert result.success
    meta = _publish_meta(result)
    assert meta["outcome"] == "published" and meta["release"] == 1
    record = json.loads((build / "releases" / "1" / "release.json").read_text())
    assert record["release"] == 1 and record["status"] == "provisional"
    tl = record["data_as_of"]["talk_london"]
    assert (tl["rows"], tl["rows_quarantined"], tl["respondents_analysed"]) == (202, 2, 200)
    assert tl["quarantined_by_reason"] == {"duplicate_identical": 1, "test_or_preview": 1}
    assert record["routes"] == {"talk_london": 200, "polls": 450}
    assert any("Talk London" in why for why in record["why_provisional"])
    assert "marts.fct_estimates.route_totals" in record["gates_passed"]
    a1 = pl.read_csv(build / "releases" / "1" / "csv" / "A1.csv", infer_schema=False)
    assert set(a1["release"]) == {"1"} and set(a1["status"]) == {"provisional"}


def test_published_figures_match_a_calculation_from_the_export(series, deliveries) -> None:
    """Talk London shares of every single-choice variable with the default base rule, from the
    raw export (labels, blanks, Don't know and Prefer not to say excluded), against the CSVs."""
    q = load_questionnaire()
    export = pl.read_csv(deliveries["first"], infer_schema=False).unique(keep="first")
    export = export.filter(pl.col("Status") == "Complete")
    missing = {
        q.scales[s].codes[c]
        for s in q.scales
        for c in q.scales[s].codes
        if q.missing_kind(c) in ("dont_know", "prefer_not_to_say")
    }
    csvs = Path(series["build"]) / "releases" / "1" / "csv"
    checked = 0
    for v in q.variables.values():
        if v.kind != "single" or v.base_rule != "default" or not v.table or v.asked_if:
            continue
        path = csvs / f"{v.table}.csv"
        if not path.exists():
            continue
        answers = export[v.tl_header].drop_nulls()
        valid = answers.filter(~answers.is_in(list(missing)))
        published = pl.read_csv(path, infer_schema=False).filter(
            (pl.col("variable") == v.id)
            & (pl.col("route") == "talk_london")
            & (pl.col("breakdown") == "total")
            & (pl.col("category_kind") == "code")
            & (pl.col("measure") == "percent")
        )
        for code, label in v.scale.codes.items():
            if q.missing_kind(code) is not None:
                continue
            row = published.filter(pl.col("category") == str(code))
            if row.is_empty() or not valid.len():
                continue
            expected = 100 * (valid == label).sum() / valid.len()
            assert float(row["value"][0]) == pytest.approx(expected, abs=1e-9), (v.id, code)
            checked += 1
    assert checked >= 20


def test_a_few_more_respondents_are_held(series, deliveries) -> None:
    result, build = series["second"], series["build"]
    assert result.success
    meta = _publish_meta(result)
    assert meta["outcome"] == "held" and meta["release"] == 1
    assert "200 -> 210" in meta["summary"] and "release 1 stays published" in meta["summary"]
    assert [p for p in series["releases_after_second"] if p.isdigit()] == ["1"]
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        held = con.execute(
            "select outcome, release from releases.delivery_ledger where file_name = ?",
            [deliveries["second"].name],
        ).fetchall()
    assert held == [("held", 1), ("published", 2)]


def test_the_export_after_the_close_gives_a_final_release(series) -> None:
    result, build = series["final"], series["build"]
    assert result.success
    meta = _publish_meta(result)
    assert meta["outcome"] == "published" and meta["release"] == 2
    record = json.loads((build / "published" / "release.json").read_text())
    assert record["status"] == "final" and record["previous_release"] == 1
    assert record["routes"] == {"talk_london": 360, "polls": 450}
    assert record["why_provisional"] == [] and record["suppressed_cells"] == 0
    changes = pl.read_csv(build / "published" / "changes.csv", infer_schema=False).with_columns(
        pl.col("previous_value", "value", "difference").cast(pl.Float64),
        pl.col("changed") == "true",
    )
    assert changes.filter(pl.col("route") == "polls")["changed"].sum() == 0  # polls unchanged
    moved = changes.filter(pl.col("changed") & pl.col("previous_value").is_not_null())
    assert moved.height > 0
    assert (moved["value"] - moved["previous_value"] - moved["difference"]).abs().max() < 1e-9
    with duckdb.connect(
        str(build / "published" / "consultation_marts.duckdb"), read_only=True
    ) as con:
        assert con.execute("select release, status from marts.release").fetchall() == [(2, "final")]
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        outcomes = dict(
            con.execute(
                "select file_name, outcome from releases.delivery_ledger "
                "qualify row_number() over (partition by file_name order by decided_at desc) = 1"
            ).fetchall()
        )
    outcomes.pop("talk_london_export_20220125.csv")  # the damaged one, delivered afterwards
    assert set(outcomes.values()) == {"published"}


def test_a_damaged_delivery_is_refused_and_the_release_stays(series) -> None:
    result, build = series["damaged"], series["build"]
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    text = failure.event_specific_data.user_failure_data.description
    assert "talk_london_export_20220125.csv: row " in text
    assert "release 2 stays published" in text
    assert (build / "published").resolve().name == "2"
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        refused = con.execute(
            "select outcome, release from releases.delivery_ledger where file_name = ?",
            ["talk_london_export_20220125.csv"],
        ).fetchall()
    assert refused == [("refused", 2)]


def test_earlier_releases_never_change(series) -> None:
    assert series["first_release_after"] == series["first_release_files"]
    assert series["releases_after_damaged"] == series["releases_before_damaged"]


def _sheet_texts(path: Path, names: tuple[str, ...]) -> dict[str, list[str]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return {
        name: [str(c) for row in book[name].iter_rows(values_only=True) for c in row if c]
        for name in names
    }


def test_the_workbook_says_provisional_then_revised(series) -> None:
    build = series["build"]
    first = _sheet_texts(build / "releases" / "1" / "supplementary_tables.xlsx", ("Cover", "B1"))
    assert any(t.startswith("Release 1, provisional [p]") for t in first["Cover"])
    assert first["B1"][0].endswith("(provisional)")  # the title in A1
    assert any(t.endswith("(%) [p]") for t in first["B1"])
    final = _sheet_texts(build / "releases" / "2" / "supplementary_tables.xlsx", ("Cover", "B1"))
    assert any(t.startswith("Release 2, final") for t in final["Cover"])
    assert any("[r]" in t for t in final["B1"])  # Talk London's figures moved
    assert not any(t.endswith("[p]") for t in final["B1"])  # no provisional heading
