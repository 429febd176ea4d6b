"""The weighting asks the pack which routes are weighted and which polls they have: scopes of the
summary follow the pack, and a weighted source without supplier weights is not compared. The
weighting models (dbt_project/models/weights) weigh the warehouse's weighted routes, leaving an
empty target category out while a weighted source's fieldwork is open."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from itertools import product

import duckdb
import numpy as np
import polars as pl
import pytest

from survey.poll_weights import weight_polls
from survey.questionnaire import load_questionnaire, parse_questionnaire, questionnaire_path
from survey.weighting import WeightingError


def _respondents(polls: list[str], supplier: list[float | None]) -> pl.DataFrame:
    """One respondent per cell of the reference scheme's margins (gender x age band x ethnic
    group x area: 144), so raking has a solution; polls and supplier weights alternate."""
    cells = list(product([1, 2], range(1, 7), [1, 2, 10, 15, 6, 18], [1, 2]))
    n = len(cells)
    return pl.DataFrame(
        {
            "respondent_id": [f"x-{i}" for i in range(n)],
            "poll": [polls[i % len(polls)] for i in range(n)],
            "supplier_weight": pl.Series(
                [supplier[i % len(supplier)] for i in range(n)], dtype=pl.Float64
            ),
            "gender": [c[0] for c in cells],
            "age_band": [c[1] for c in cells],
            "ethnicity": [c[2] for c in cells],
            "borough": [c[3] for c in cells],
        }
    )


def _pack_with_polls(weighted: dict[str, bool], poll_of: dict[str, str]):
    import yaml

    raw = yaml.safe_load(questionnaire_path().read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    for route, flag in weighted.items():
        raw["routes"][route]["weighted"] = flag
    for source, poll in poll_of.items():
        route = raw["exports"][source]["route"]
        old = raw["exports"][source]["poll"]
        polls = raw["routes"][route]["polls"]
        polls[poll] = polls.pop(old)
        raw["exports"][source]["poll"] = poll
    return parse_questionnaire(raw)


def test_weighted_routes_and_their_polls_come_from_the_pack():
    q = load_questionnaire()
    assert q.weighted_routes() == ["polls"]
    assert q.polls_of(q.weighted_routes()) == ["representative", "boost"]
    renamed = _pack_with_polls({}, {"yougov_bame_boost": "top_up"})
    assert renamed.polls_of(renamed.weighted_routes()) == ["representative", "top_up"]
    none = _pack_with_polls({"polls": False}, {})
    assert none.weighted_routes() == [] and none.polls_of([]) == []


def test_summary_scopes_follow_the_pack_polls():
    q = _pack_with_polls({}, {"yougov_bame_boost": "top_up"})
    result = weight_polls(_respondents(["representative", "top_up"], [1.0, 2.0]), q)
    scopes = result.summary["scope"].to_list()
    assert scopes == ["combined", "representative", "top_up"]
    assert result.summary.filter(pl.col("scope") == "top_up")["respondents"].item() == 72
    assert result.weights["weight"].sum() == pytest.approx(144.0)


def test_missing_supplier_weights_leave_the_comparison_null():
    q = load_questionnaire()
    result = weight_polls(_respondents(["representative", "boost"], [1.0, None]), q)
    summary = {row["scope"]: row for row in result.summary.iter_rows(named=True)}
    # 'boost' respondents carry no supplier weight: neither it nor the combined scope compares
    assert summary["combined"]["supplier_mean_abs_diff"] is None
    assert summary["boost"]["supplier_correlation"] is None
    # the representative ones all have weight 1: compared, against a constant
    assert summary["representative"]["supplier_mean_abs_diff"] == pytest.approx(
        float(
            np.abs(
                result.weights.filter(pl.col("poll") == "representative")["weight"].to_numpy()
                / result.weights.filter(pl.col("poll") == "representative")["weight"].mean()
                - 1
            ).mean()
        )
    )


def test_a_bad_weighting_targets_file_names_file_key_and_line(tmp_path):
    from survey.poll_weights import load_weighting_scheme, targets_path
    from survey.weighting import WeightingError

    text = targets_path().read_text(encoding="utf-8")
    bad = text.replace("targets: {male: 48.5, female: 51.5}", "targets: {male: 48.5, female: 41.5}")
    # the gender margin keeps its sample share for the unmatched: break area instead
    bad = bad.replace("inner_london: 37.85, outer_london: 62.15", "inner_london: 37.85")
    path = tmp_path / "weighting_targets.yaml"
    path.write_text(bad, encoding="utf-8")
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "inner_london: 37.85}" in t)
    with pytest.raises(WeightingError) as error:
        load_weighting_scheme(path)
    assert str(error.value) == (
        f"{path}: margins.area.targets (line {line}): targets sum to 37.85, not 100"
    )


def test_a_margin_on_an_unknown_group_is_named():
    from dataclasses import replace

    from survey.poll_weights import build_margins, load_weighting_scheme
    from survey.weighting import WeightingError

    scheme = load_weighting_scheme()
    margins = {"area": {**scheme.margins["area"], "targets": {"north": 100}}}
    with pytest.raises(WeightingError, match="margins.area.targets: breakdown area has no group"):
        build_margins({}, load_questionnaire(), replace(scheme, margins=margins))


# ------------------------------------------- the weighting models' input (survey.poll_weights)


def _warehouse(respondents: pl.DataFrame, weighted: bool, exported: dict[str, date]):
    """An in-memory warehouse with what the weighting models read: int_respondents (every
    respondent on the polls route, plus two of an unweighted route), ref.sources, ingest_log."""
    con = duckdb.connect()
    for schema in ("intermediate", "ref", "raw"):
        con.execute(f"create schema {schema}")
    tl = respondents.head(2).with_columns(pl.Series("respondent_id", ["tl-1", "tl-2"]))
    frame = pl.concat(
        [
            respondents.with_columns(route=pl.lit("polls")),
            tl.with_columns(route=pl.lit("talk_london")),
        ]
    )
    con.register("frame", frame)
    con.execute("create table intermediate.int_respondents as select * from frame")
    con.execute(
        "create table ref.sources as select * from (values ('yougov_representative', 'polls', "
        f"{weighted}), ('talk_london', 'talk_london', false)) as t(source_id, route, weighted)"
    )
    con.execute("create table raw.ingest_log (source_id varchar, export_date date)")
    for row in exported.items():
        con.execute("insert into raw.ingest_log values (?, ?)", row)
    return con


def _weigh(con):
    from survey.poll_weights import weigh_warehouse

    return weigh_warehouse(con.table("intermediate.int_respondents"), con.table("ref.sources"), con)


def test_an_interim_delivery_leaves_an_empty_target_category_out(tmp_path, monkeypatch):
    from survey.poll_weights import DIAGNOSTICS_SETTING

    q = load_questionnaire()
    end = q.fieldwork("yougov_representative")[1]
    # no respondent aged 16-24 (age band code 1): the reference scheme's age_16_24 target
    respondents = _respondents(["representative", "boost"], [1.0, 2.0]).filter(
        pl.col("age_band") != 1
    )
    diagnostics = tmp_path / "diagnostics.json"
    monkeypatch.setenv(DIAGNOSTICS_SETTING, str(diagnostics))
    before_the_end = {"yougov_representative": end - timedelta(days=1)}
    result = _weigh(_warehouse(respondents, True, before_the_end))
    assert result.collapsed == ("age_band:age_16_24",)
    assert result.weights["respondent_id"].to_list() == sorted(respondents["respondent_id"])
    assert result.weights["weight"].sum() == pytest.approx(respondents.height)
    written = json.loads(diagnostics.read_text())
    assert written["weights"] == respondents.height == 120
    assert written["collapsed"] == ["age_band:age_16_24"]
    assert [row["scope"] for row in written["summary"]] == ["combined", "representative", "boost"]
    assert ("age_band", "age_16_24") not in {
        (m["margin"], m["category"]) for m in written["margins"]
    }
    # the export of the last day of fieldwork is the final delivery: an empty target is an error
    with pytest.raises(WeightingError, match="age_16_24"):
        _weigh(_warehouse(respondents, True, {"yougov_representative": end}))


def test_equal_inputs_are_raked_once(tmp_path, monkeypatch):
    """The three weighting models of one dbt build read the same inputs: the first rakes and
    writes the diagnostics, the others reuse them; other respondents are weighed anew."""
    from survey.poll_weights import DIAGNOSTICS_SETTING

    respondents = _respondents(["representative", "boost"], [1.0, 2.0])
    diagnostics = tmp_path / "diagnostics.json"
    monkeypatch.setenv(DIAGNOSTICS_SETTING, str(diagnostics))
    con = _warehouse(respondents, True, {})
    first = _weigh(con)
    diagnostics.unlink()
    assert _weigh(con) is first and not diagnostics.exists()
    renamed = respondents.with_columns(pl.col("respondent_id") + "-b")
    other = _weigh(_warehouse(renamed, True, {}))
    assert other is not first and diagnostics.exists()
    assert other.weights["respondent_id"].to_list() == sorted(renamed["respondent_id"])
    assert other.weights["weight"].to_list() == first.weights["weight"].to_list()


def test_no_weighted_route_in_the_warehouse_weighs_no_one():
    respondents = _respondents(["representative", "boost"], [1.0, 2.0])
    result = _weigh(_warehouse(respondents, False, {}))
    assert result.result is None and result.weights.is_empty() and result.summary.is_empty()


def test_fieldwork_is_open_while_a_weighted_source_lags_its_end():
    from survey.poll_weights import polls_fieldwork_open

    q = load_questionnaire()
    ends = {s: q.fieldwork(s)[1] for s in ("yougov_representative", "yougov_bame_boost")}
    assert not polls_fieldwork_open(ends, q)
    assert polls_fieldwork_open({**ends, "yougov_bame_boost": date(2000, 1, 1)}, q)
    # an unweighted source (Talk London) lagging its fieldwork does not count; nor one not yet
    # delivered
    assert not polls_fieldwork_open({**ends, "talk_london": date(2000, 1, 1)}, q)
    assert not polls_fieldwork_open({"yougov_representative": ends["yougov_representative"]}, q)
