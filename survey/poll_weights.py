"""Weights for the respondents of a pack's weighted routes: rim weighting to the pack's
`weighting_targets.yaml`.

The respondents of every weighted route (`routes.<route>.weighted`, e.g. the reference pack's
two polls) are raked together to one scheme's margins; a pack without a weighted route has no
weights. Both the pipeline's weighting (the dbt Python models of dbt_project/models/weights,
through `weigh_warehouse`) and the sample generator call `derive_poll_weights`, so the weights
that calibrate the sample are the weights the pipeline derives.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from survey.questionnaire import Questionnaire, line_of, load_marked_yaml, load_questionnaire
from survey.weighting import Margin, RakeResult, WeightingError, rake


@dataclass(frozen=True)
class WeightingScheme:
    version: str
    margins: dict
    settings: dict


def targets_path() -> Path:
    from survey.pack import pack_file

    return pack_file("weighting_targets.yaml")


def load_weighting_scheme(path: Path | None = None) -> WeightingScheme:
    """The weighting targets at `path`, by default the current pack's; loaded once per file."""
    return _load_weighting_scheme((path or targets_path()).resolve())


@cache
def _load_weighting_scheme(path: Path) -> WeightingScheme:
    """The scheme at `path`; a bad file is a `WeightingError` naming the file, key and line."""

    def error(message: str, key: str, container: object, item: object = None):
        line = line_of(container, item)
        return WeightingError(
            f"{path}: {key}" + (f" (line {line})" if line else "") + f": {message}"
        )

    try:
        raw = load_marked_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f": line {mark.line + 1}" if mark else ""
        raise WeightingError(f"{path}{where}: not valid YAML") from None
    for key in ("version", "margins", "settings"):
        if not isinstance(raw, dict) or raw.get(key) is None:
            raise error(f"required key {key} missing", key, raw)
    for name, m in raw["margins"].items():
        if not isinstance(m, dict) or not isinstance(m.get("targets"), dict) or not m["targets"]:
            raise error("needs breakdown and targets {group: percent}", f"margins.{name}", m)
        if "breakdown" not in m:
            raise error("required key breakdown missing", f"margins.{name}.breakdown", m)
        total = sum(m["targets"].values())
        if m.get("unmatched") != "keep_sample_share" and abs(total - 100) > 0.05:
            raise error(f"targets sum to {total}, not 100", f"margins.{name}.targets", m, "targets")
    for key in ("convergence", "max_iterations", "cap"):
        if key not in raw["settings"]:
            raise error(f"required key {key} missing", f"settings.{key}", raw["settings"])
    return WeightingScheme(str(raw["version"]), raw["margins"], raw["settings"])


def build_margins(
    profile: dict[str, np.ndarray],
    q: Questionnaire,
    scheme: WeightingScheme,
    collapse_empty: bool = False,
    collapsed: list[str] | None = None,
) -> list[Margin]:
    """Margins from profile codes (question id -> code per respondent).

    A target category with no respondent cannot be weighted to. With `collapse_empty` (an
    interim delivery: a weighted source's fieldwork is still open) its target is left out and the
    margin's other targets are scaled up to sum to 1; each such category is appended to
    `collapsed` as `margin:category`. Without it (the final delivery) it is an error naming the
    margin and the category."""
    margins = []
    for name, spec in scheme.margins.items():
        breakdown = q.breakdowns.get(spec["breakdown"])
        if breakdown is None:
            raise WeightingError(
                f"weighting_targets.yaml: margins.{name}.breakdown: the questionnaire has no "
                f"breakdown {spec['breakdown']}"
            )
        unknown = [gid for gid in spec["targets"] if gid not in breakdown.groups]
        if unknown:
            raise WeightingError(
                f"weighting_targets.yaml: margins.{name}.targets: breakdown {breakdown.id} has "
                f"no group {', '.join(unknown)}"
            )
        codes = profile[breakdown.source]
        groups = list(spec["targets"])
        counts = [int(np.isin(codes, breakdown.groups[gid][1]).sum()) for gid in groups]
        empty = [gid for gid, n in zip(groups, counts, strict=True) if n == 0]
        if empty and len(codes) and not collapse_empty:
            gid = empty[0]
            raise WeightingError(
                f"margin {name}: no respondent in the target category {gid} "
                f"({breakdown.groups[gid][0]}, target {spec['targets'][gid]}%)"
                + (f" nor in {', '.join(empty[1:])}" if len(empty) > 1 else "")
                + "; in the final delivery every target category needs respondents"
            )
        if collapsed is not None:
            collapsed += [f"{name}:{gid}" for gid in empty]
        groups = [gid for gid in groups if gid not in empty]
        category = np.full(len(codes), -1)
        for i, gid in enumerate(groups):
            category[np.isin(codes, breakdown.groups[gid][1])] = i
        targets = np.array([spec["targets"][g] for g in groups], dtype=float)
        targets = targets / targets.sum() if empty else targets / 100
        unmatched = category < 0
        if unmatched.any():
            if spec.get("unmatched") != "keep_sample_share":
                raise WeightingError(
                    f"margin {name}: {int(unmatched.sum())} respondents fall in no target category"
                )
            share = unmatched.mean()
            category[unmatched] = len(groups)
            targets = np.append(targets * (1 - share) / targets.sum(), share)
        margins.append(Margin(name, category, targets))
    return margins


def derive_poll_weights(
    profile: dict[str, np.ndarray],
    q: Questionnaire,
    scheme: WeightingScheme | None = None,
    collapse_empty: bool = False,
) -> RakeResult:
    scheme = scheme or load_weighting_scheme()
    s = scheme.settings
    return rake(
        build_margins(profile, q, scheme, collapse_empty),
        tolerance=s["convergence"],
        max_iterations=s["max_iterations"],
        cap=tuple(s["cap"]),
    )


@dataclass(frozen=True)
class PollWeighting:
    """Weights for the weighted routes' respondents, with the diagnostics the marts and metadata
    report."""

    weights: pl.DataFrame  # respondent_id, poll, weight, supplier_weight
    summary: pl.DataFrame  # one row per scope: combined, then each poll of a weighted route
    margins: pl.DataFrame  # margin, category, target_share, unweighted_share, weighted_share
    result: RakeResult | None  # None when there was no one to weight
    collapsed: tuple[str, ...] = ()  # `margin:category` targets left out (no respondent yet)


WEIGHTS_SCHEMA = {
    "respondent_id": pl.String,
    "poll": pl.String,
    "weight": pl.Float64,
    "supplier_weight": pl.Float64,
}
SUMMARY_SCHEMA = {
    "scope": pl.String,
    "respondents": pl.Int64,
    "iterations": pl.Int64,
    "max_margin_error": pl.Float64,
    "min_weight": pl.Float64,
    "max_weight": pl.Float64,
    "weight_sum": pl.Float64,
    "efficiency": pl.Float64,
    "effective_n": pl.Float64,
    "supplier_mean_abs_diff": pl.Float64,
    "supplier_max_abs_diff": pl.Float64,
    "supplier_correlation": pl.Float64,
}
MARGINS_SCHEMA = {
    "margin": pl.String,
    "category": pl.String,
    "target_share": pl.Float64,
    "unweighted_share": pl.Float64,
    "weighted_share": pl.Float64,
}


def weight_polls(
    respondents: pl.DataFrame, q: Questionnaire, collapse_empty: bool = False
) -> PollWeighting:
    """Rake the respondents of the weighted routes together. `respondents` has respondent_id,
    poll, supplier_weight (null where the export carries none) and the profile codes of the
    margins' breakdown sources (question ids lower-cased, as in int_respondents). With no
    respondent (no weighted route, or none delivered yet) the tables are empty and the scheme is
    not read; `collapse_empty`: see `build_margins`. Scopes of the summary: `combined` (every
    weighted respondent), then each poll of a weighted route that has respondents."""
    if respondents.is_empty():
        return PollWeighting(
            pl.DataFrame(schema=WEIGHTS_SCHEMA),
            pl.DataFrame(schema=SUMMARY_SCHEMA),
            pl.DataFrame(schema=MARGINS_SCHEMA),
            None,
        )
    scheme = load_weighting_scheme()
    profile = {
        q.breakdowns[m["breakdown"]].source: respondents[
            q.breakdowns[m["breakdown"]].source.lower()
        ]
        .fill_null(-1)
        .to_numpy()
        for m in scheme.margins.values()
    }
    collapsed: list[str] = []
    margins = build_margins(profile, q, scheme, collapse_empty, collapsed)
    result = derive_poll_weights(profile, q, scheme, collapse_empty)
    weights = respondents.select("respondent_id", "poll", "supplier_weight").with_columns(
        pl.Series("weight", result.weights)
    )
    scopes = [("combined", pl.lit(True))] + [
        (poll, pl.col("poll") == poll) for poll in q.polls_of(q.weighted_routes())
    ]
    summary = pl.DataFrame(
        [
            _scope_summary(weights.filter(cond), scope, result)
            for scope, cond in scopes
            if not weights.filter(cond).is_empty()  # a poll not delivered yet has no row
        ],
        schema=SUMMARY_SCHEMA,
    )
    return PollWeighting(
        weights.select("respondent_id", "poll", "weight", "supplier_weight"),
        summary,
        _margin_table(margins, scheme, result.weights, collapsed),
        result,
        tuple(collapsed),
    )


def _scope_summary(w: pl.DataFrame, scope: str, result: RakeResult) -> dict:
    """Diagnostics of one scope. The supplier weights are per poll: both weight sets are scaled
    to mean 1 within the scope before they are compared (not compared, null, when some
    respondent of the scope has no supplier weight)."""
    ours = w["weight"].to_numpy()
    kish = ours.sum() ** 2 / (ours**2).sum()
    ours_m = ours / ours.mean()
    if w["supplier_weight"].null_count():
        diff, sup_m = None, None
    else:
        supplier = w["supplier_weight"].to_numpy()
        sup_m = supplier / supplier.mean()
        diff = np.abs(ours_m - sup_m)
    return {
        "scope": scope,
        "respondents": len(ours),
        "iterations": result.iterations,
        "max_margin_error": result.max_margin_error,
        "min_weight": float(ours.min()),
        "max_weight": float(ours.max()),
        "weight_sum": float(ours.sum()),
        "efficiency": float(kish / len(ours)),
        "effective_n": float(kish),
        "supplier_mean_abs_diff": float(diff.mean()) if diff is not None else None,
        "supplier_max_abs_diff": float(diff.max()) if diff is not None else None,
        "supplier_correlation": (
            float(np.corrcoef(ours_m, sup_m)[0, 1])
            if sup_m is not None and ours_m.std() and sup_m.std()
            else None
        ),
    }


def _margin_table(
    margins: list[Margin], scheme: WeightingScheme, w: np.ndarray, collapsed: list[str]
) -> pl.DataFrame:
    rows = []
    for m in margins:
        labels = [
            g for g in scheme.margins[m.name]["targets"] if f"{m.name}:{g}" not in collapsed
        ] + ["not_targeted"]
        unweighted = np.bincount(m.category, minlength=len(m.targets)) / len(w)
        weighted = np.bincount(m.category, weights=w, minlength=len(m.targets)) / w.sum()
        for i, target in enumerate(m.targets):
            rows.append(
                {
                    "margin": m.name,
                    "category": labels[i],
                    "target_share": float(target),
                    "unweighted_share": float(unweighted[i]),
                    "weighted_share": float(weighted[i]),
                }
            )
    return pl.DataFrame(rows, schema=MARGINS_SCHEMA)


def polls_fieldwork_open(latest_exports: dict, q: Questionnaire) -> bool:
    """Whether some delivered source of a weighted route has a latest export (`latest_exports`:
    source id -> date of its latest export) that predates the end of its fieldwork (an interim
    delivery: an empty target category is then left out, not an error)."""
    return any(
        source_id in latest_exports and latest_exports[source_id] < q.fieldwork(source_id)[1]
        for source_id, export in q.exports.items()
        if q.routes[export["route"]]["weighted"]
    )


# Where the weighting models write their diagnostics (`write_diagnostics`), when set: the Dagster
# dbt asset sets it for its `dbt build` and puts them on the weighting's assets as dbt reports
# each model done (dbt holds the warehouse until it exits, so they cannot be read from there).
DIAGNOSTICS_SETTING = "SURVEY_WEIGHTING_DIAGNOSTICS"


def write_diagnostics(weighting: PollWeighting, path: Path) -> None:
    """The weighting's row counts, summary, margins and the target categories left out, as JSON
    (no respondent-level data), written whole (a reader never sees a partial file)."""
    data = {
        "weights": weighting.weights.height,
        "summary": weighting.summary.to_dicts(),
        "margins": weighting.margins.to_dicts(),
        "collapsed": list(weighting.collapsed),
    }
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(data), encoding="utf-8")
    partial.replace(path)


def weigh_warehouse(respondents, sources, con) -> PollWeighting:
    """The weighting of the warehouse's weighted routes, as the dbt Python models of
    dbt_project/models/weights compute it (each model keeps one of the three tables), and its
    diagnostics written where `DIAGNOSTICS_SETTING` says. `respondents`, `sources`: DuckDB
    relations of intermediate.int_respondents and ref.sources; `con`: the warehouse connection,
    for the latest export date of each source (raw.ingest_log: an interim delivery leaves an
    empty target category out).

    The three models run in one dbt process: the raking is done by the first and reused by the
    others when their inputs are equal (the same respondents, export dates and questionnaire)."""
    routes = [r for (r,) in sources.filter("weighted").project("route").distinct().fetchall()]
    quoted = ", ".join("'" + r.replace("'", "''") + "'" for r in routes) or "null"
    frame = respondents.filter(f"route in ({quoted})").order("respondent_id").pl()
    q = load_questionnaire()
    latest = None  # no weighted route, or none delivered yet: no export dates to read
    if not frame.is_empty():
        latest = dict(
            con.sql(
                "select source_id, max(export_date) from raw.ingest_log group by source_id"
            ).fetchall()
        )
    diagnostics = os.environ.get(DIAGNOSTICS_SETTING)
    if _last and _last[0] is q and _last[1] == latest and _last[2].equals(frame):
        weighting, written = _last[3], _last[4]
    elif latest is None:
        weighting, written = weight_polls(frame, q), None
    else:
        weighting = weight_polls(frame, q, collapse_empty=polls_fieldwork_open(latest, q))
        written = None
    if diagnostics and diagnostics != written:
        write_diagnostics(weighting, Path(diagnostics))
    _last[:] = [q, latest, frame, weighting, diagnostics]
    return weighting


# The last weighting in this process: its inputs, result and where its diagnostics were written.
_last: list = []
