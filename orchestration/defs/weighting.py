"""The weighting's diagnostics on its Dagster assets.

The weighting itself runs inside the one `dbt build` (dbt Python models in
dbt_project/models/weights, survey/poll_weights.py): weights.poll_weights, weights.weighting_summary
and weights.weighting_margins are assets of the dbt multi-asset (orchestration/defs/dbt.py).
dbt holds the warehouse until it exits, so the models also write their diagnostics to a JSON
file (`survey.poll_weights.DIAGNOSTICS_SETTING`); as dbt reports each weighting model done, its
materialization gets them as metadata (iterations, margin error, weight range, efficiency,
effective n, the supplier comparison, the margins), and the run log the interim delivery's
warning about target categories left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import dagster as dg

WEIGHTS_SCHEMA = "weights"
POLL_WEIGHTS = dg.AssetKey([WEIGHTS_SCHEMA, "poll_weights"])
SUMMARY = dg.AssetKey([WEIGHTS_SCHEMA, "weighting_summary"])
MARGINS = dg.AssetKey([WEIGHTS_SCHEMA, "weighting_margins"])
WEIGHTING_KEYS = (POLL_WEIGHTS, SUMMARY, MARGINS)
DIAGNOSTICS_FILE = "weighting_diagnostics.json"


def _markdown(rows: list[dict]) -> str:
    if not rows:
        return "none"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += [
        "| " + " | ".join("" if r[k] is None else str(r[k]) for k in head) + " |" for r in rows
    ]
    return "\n".join(lines)


def metadata_of(diagnostics: dict) -> dict[dg.AssetKey, dict[str, dg.MetadataValue]]:
    """Metadata of the three weighting assets from the models' diagnostics
    (`survey.poll_weights.write_diagnostics`)."""
    summary, margins = diagnostics["summary"], diagnostics["margins"]
    counts = {POLL_WEIGHTS: diagnostics["weights"], SUMMARY: len(summary), MARGINS: len(margins)}
    metadata = {key: {"dagster/row_count": dg.MetadataValue.int(n)} for key, n in counts.items()}
    if not summary:
        return metadata
    from survey.poll_weights import load_weighting_scheme

    combined = next(row for row in summary if row["scope"] == "combined")
    per_poll = {
        f"{row['scope']}_{k}": dg.MetadataValue.float(round(row[k], 4))
        for row in summary
        if row["scope"] != "combined"
        for k in ("efficiency", "effective_n", "weight_sum", "supplier_mean_abs_diff")
        if row[k] is not None
    }
    metadata[POLL_WEIGHTS] |= {
        "targets_version": dg.MetadataValue.text(load_weighting_scheme().version),
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
        "summary": dg.MetadataValue.md(_markdown(summary)),
    }
    if diagnostics["collapsed"]:
        metadata[POLL_WEIGHTS]["collapsed_targets"] = dg.MetadataValue.text(
            ", ".join(diagnostics["collapsed"])
        )
    metadata[SUMMARY]["summary"] = dg.MetadataValue.md(_markdown(summary))
    metadata[MARGINS]["margins"] = dg.MetadataValue.md(_markdown(margins))
    return metadata


def _log(context: dg.AssetExecutionContext, diagnostics: dict) -> None:
    if not diagnostics["summary"]:
        context.log.info(
            "No respondent of a weighted route (none weighted, or not delivered yet): "
            "nothing to weight."
        )
    if diagnostics["collapsed"]:
        context.log.warning(
            "Target categories without respondents left out of this interim weighting: "
            + ", ".join(diagnostics["collapsed"])
        )


def with_diagnostics(
    context: dg.AssetExecutionContext, events: Iterable, diagnostics_path: Path
) -> Iterator:
    """`events` of a dbt build, each weighting model's materialization with the diagnostics the
    weighting models wrote to `diagnostics_path`; the run log says once what the weighting
    left out or why nothing was weighted."""
    logged = False
    for event in events:
        if not isinstance(event, dg.Output):
            yield event
            continue
        key = context.asset_key_for_output(event.output_name)
        if key not in WEIGHTING_KEYS:
            yield event
            continue
        try:
            diagnostics = json.loads(diagnostics_path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # written by every weighting model before dbt reports it
            context.log.warning(f"The weighting's diagnostics are missing: {diagnostics_path}")
            yield event
            continue
        if not logged:
            _log(context, diagnostics)
            logged = True
        yield event.with_metadata({**event.metadata, **metadata_of(diagnostics)[key]})
