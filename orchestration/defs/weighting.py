"""Weighting: a Python step between the intermediate dbt models and the marts.

The respondents of every weighted route of the pack (`routes.<route>.weighted`) are raked to the
pack's weighting targets (`survey/poll_weights.py`); a pack without a weighted route gets the
three tables empty."""

from __future__ import annotations

import dagster as dg

from infra.warehouse import connect_warehouse
from orchestration.resources import SurveyPaths
from survey.poll_weights import load_weighting_scheme, weight_polls
from survey.questionnaire import load_questionnaire

WEIGHTS_SCHEMA = "weights"
INT_RESPONDENTS = dg.AssetKey(["intermediate", "int_respondents"])
POLL_WEIGHTS = dg.AssetKey([WEIGHTS_SCHEMA, "poll_weights"])
SUMMARY = dg.AssetKey([WEIGHTS_SCHEMA, "weighting_summary"])
MARGINS = dg.AssetKey([WEIGHTS_SCHEMA, "weighting_margins"])


def polls_fieldwork_open(con, q) -> bool:
    """Whether some delivered source of a weighted route has a latest export that predates the
    end of its fieldwork (an interim delivery: an empty target category is then left out, not
    an error)."""
    latest = dict(
        con.execute(
            "select source_id, max(export_date) from raw.ingest_log group by source_id"
        ).fetchall()
    )
    return any(
        source_id in latest and latest[source_id] < q.fieldwork(source_id)[1]
        for source_id, export in q.exports.items()
        if q.routes[export["route"]]["weighted"]
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            POLL_WEIGHTS,
            deps=[INT_RESPONDENTS],
            group_name="weighting",
            kinds={"python", "duckdb"},
            description="Rim weights for the respondents of the pack's weighted routes (the "
            "pack's weighting_targets.yaml); empty when no route is weighted.",
        ),
        dg.AssetSpec(
            SUMMARY,
            deps=[INT_RESPONDENTS],
            group_name="weighting",
            kinds={"duckdb"},
            description="The weighting's diagnostics per scope (every weighted respondent, "
            "each poll of a weighted route): "
            "respondents, iterations, largest margin error, weight range, Kish efficiency and "
            "effective sample size, agreement with the supplier's weights.",
        ),
        dg.AssetSpec(
            MARGINS,
            deps=[INT_RESPONDENTS],
            group_name="weighting",
            kinds={"duckdb"},
            description="Each weighting margin's categories: population target, unweighted and "
            "weighted sample shares.",
        ),
    ]
)
def poll_weighting(context, paths: SurveyPaths):
    """Rake the weighted routes' respondents to the population targets; record the diagnostics."""
    q = load_questionnaire()
    with connect_warehouse(paths.warehouse_path) as con:  # owner-only; lock errors retried
        respondents = con.sql(
            "select * from intermediate.int_respondents where route in "
            "(select route from ref.sources where weighted) order by respondent_id"
        ).pl()
        interim = polls_fieldwork_open(con, q)
        result = weight_polls(respondents, q, collapse_empty=interim)
        con.execute(f"create schema if not exists {WEIGHTS_SCHEMA}")
        for name, frame in (
            ("poll_weights", result.weights),
            ("weighting_summary", result.summary),
            ("weighting_margins", result.margins),
        ):
            con.register("frame", frame)
            con.execute(f"create or replace table {WEIGHTS_SCHEMA}.{name} as select * from frame")
            con.unregister("frame")
    if result.result is None:
        context.log.info(
            "No respondent of a weighted route (none weighted, or not delivered yet): "
            "nothing to weight."
        )
        for key in (POLL_WEIGHTS, SUMMARY, MARGINS):
            yield dg.MaterializeResult(
                asset_key=key, metadata={"dagster/row_count": dg.MetadataValue.int(0)}
            )
        return
    if result.collapsed:
        context.log.warning(
            "Target categories without respondents left out of this interim weighting: "
            + ", ".join(result.collapsed)
        )
    combined = result.summary.row(0, named=True)
    scheme = load_weighting_scheme()
    per_poll = {
        f"{row['scope']}_{k}": dg.MetadataValue.float(round(row[k], 4))
        for row in result.summary.iter_rows(named=True)
        if row["scope"] != "combined"
        for k in ("efficiency", "effective_n", "weight_sum", "supplier_mean_abs_diff")
        if row[k] is not None
    }
    yield dg.MaterializeResult(
        asset_key=POLL_WEIGHTS,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(result.weights.height),
            "targets_version": dg.MetadataValue.text(scheme.version),
            "iterations": dg.MetadataValue.int(combined["iterations"]),
            "max_margin_error": dg.MetadataValue.float(combined["max_margin_error"]),
            "min_weight": dg.MetadataValue.float(round(combined["min_weight"], 4)),
            "max_weight": dg.MetadataValue.float(round(combined["max_weight"], 4)),
            "efficiency": dg.MetadataValue.float(round(combined["efficiency"], 4)),
            "effective_n": dg.MetadataValue.float(round(combined["effective_n"], 1)),
            "supplier_mean_abs_diff": (
                dg.MetadataValue.float(round(combined["supplier_mean_abs_diff"], 4))
                if combined["supplier_mean_abs_diff"] is not None
                else dg.MetadataValue.text("no supplier weights")
            ),
            **per_poll,
            "summary": dg.MetadataValue.md(result.summary.to_pandas().to_markdown(index=False)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=SUMMARY,
        metadata={"dagster/row_count": dg.MetadataValue.int(result.summary.height)},
    )
    yield dg.MaterializeResult(
        asset_key=MARGINS,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(result.margins.height),
            "margins": dg.MetadataValue.md(result.margins.to_pandas().to_markdown(index=False)),
        },
    )


assets = [poll_weighting]
