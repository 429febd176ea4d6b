"""The weighting's assets in Dagster: its dbt models' materializations carry the diagnostics the
models wrote (orchestration/defs/weighting.py), and the run log the interim delivery's warning.
A stand-in multi-asset yields the three outputs as dagster-dbt does; no dbt runs here."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.weighting import MARGINS, POLL_WEIGHTS, SUMMARY, with_diagnostics
from survey.poll_weights import load_weighting_scheme

OTHER = dg.AssetKey(["marts", "mart_weighting"])
SCOPE = {
    "respondents": 3,
    "iterations": 7,
    "max_margin_error": 2e-6,
    "min_weight": 0.51234,
    "max_weight": 1.98766,
    "weight_sum": 3.0,
    "efficiency": 0.912345,
    "effective_n": 2.73704,
    "supplier_mean_abs_diff": None,
    "supplier_max_abs_diff": None,
    "supplier_correlation": None,
}
DIAGNOSTICS = {
    "weights": 3,
    "summary": [
        {"scope": "combined", **SCOPE},
        {"scope": "representative", **SCOPE, "supplier_mean_abs_diff": 0.123456},
    ],
    "margins": [
        {
            "margin": "age_band",
            "category": "age_25_34",
            "target_share": 0.5,
            "unweighted_share": 0.4,
            "weighted_share": 0.5,
        }
    ],
    "collapsed": ["age_band:age_16_24"],
}


def _run(diagnostics: dict | None, tmp_path: Path):
    path = tmp_path / "weighting_diagnostics.json"
    if diagnostics is not None:
        path.write_text(json.dumps(diagnostics))

    @dg.multi_asset(specs=[dg.AssetSpec(k) for k in (POLL_WEIGHTS, SUMMARY, MARGINS, OTHER)])
    def dbt_stand_in(context):
        outputs = [
            dg.Output(None, output_name=k.to_python_identifier(), metadata={"dbt": 1})
            for k in (POLL_WEIGHTS, MARGINS, SUMMARY, OTHER)
        ]
        yield from with_diagnostics(context, outputs, path)

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([dbt_stand_in], instance=instance)
    metadata = {
        e.asset_key: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    logs = [e.user_message for e in instance.all_logs(result.run_id)]
    return metadata, logs


def test_the_weighting_assets_carry_the_diagnostics(tmp_path: Path) -> None:
    metadata, logs = _run(DIAGNOSTICS, tmp_path)
    weights = metadata[POLL_WEIGHTS]
    assert weights["dbt"] == 1  # dagster-dbt's own metadata kept
    assert weights["dagster/row_count"] == 3
    assert weights["iterations"] == 7 and weights["max_margin_error"] == 2e-6
    assert (weights["min_weight"], weights["max_weight"]) == (0.5123, 1.9877)
    assert (weights["efficiency"], weights["effective_n"]) == (0.9123, 2.7)
    assert weights["supplier_mean_abs_diff"] == "no supplier weights"
    assert weights["representative_supplier_mean_abs_diff"] == 0.1235
    assert weights["targets_version"] == load_weighting_scheme().version
    assert weights["collapsed_targets"] == "age_band:age_16_24"
    assert weights["summary"].splitlines()[0].startswith("| scope | respondents | iterations |")
    assert metadata[SUMMARY]["dagster/row_count"] == 2
    assert metadata[MARGINS]["dagster/row_count"] == 1
    assert "| age_band | age_25_34 | 0.5 | 0.4 | 0.5 |" in metadata[MARGINS]["margins"]
    assert metadata[OTHER] == {"dbt": 1}
    warnings = [m for m in logs if "left out of this interim weighting" in m]
    assert warnings == [
        "Target categories without respondents left out of this interim weighting: "
        "age_band:age_16_24"
    ]


@pytest.mark.parametrize("written", [True, False])
def test_nothing_weighted_or_no_diagnostics(tmp_path: Path, written: bool) -> None:
    empty = {"weights": 0, "summary": [], "margins": [], "collapsed": []}
    metadata, logs = _run(empty if written else None, tmp_path)
    if written:
        assert {k: m["dagster/row_count"] for k, m in metadata.items() if k != OTHER} == {
            POLL_WEIGHTS: 0,
            SUMMARY: 0,
            MARGINS: 0,
        }
        assert any("nothing to weight" in m for m in logs)
    else:  # reported all the same, without diagnostics, and said so
        assert all(metadata[k] == {"dbt": 1} for k in (POLL_WEIGHTS, SUMMARY, MARGINS))
        assert sum("diagnostics are missing" in m for m in logs) == 3
