"""The questionnaire as the warehouse holds it (`ref.*`, written by the `questionnaire` asset),
rebuilt as a `Questionnaire` for publication: metadata reaches the workbook, CSVs, charts and BI
file by one route, the warehouse, never by parsing the pack's YAML again.

Only what publication reads is rebuilt: vendor details (export headers, SPSS names, screening
rules) stay empty. A missing `ref` table stops publication with a message naming it.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from survey.questionnaire import (
    BaseRule,
    Breakdown,
    Question,
    Questionnaire,
    Scale,
    TableSpec,
    Variable,
)

REF = "ref"
# The pack schema's key of a route's polls (`routes.<route>.polls` in questionnaire.yaml): the one
# place publication spells it (it coincides with the reference pack's weighted route's id).
POLLS_KEY = "polls"
TABLES = (
    "survey",
    "routes",
    "route_polls",
    "sources",
    "missing_codes",
    "base_rules",
    "no_suggestion",
    "codes",
    "nets",
    "questions",
    "variables",
    "breakdowns",
    "breakdown_groups",
    "tables",
    "analysis",
    "comparisons",
    "platform_metrics",
)


def route_polls(spec: dict) -> dict[str, dict]:
    """A route's polls (samples), poll id -> {label}, in questionnaire order."""
    return spec[POLLS_KEY]


class WarehouseMetadataError(RuntimeError):
    """The warehouse lacks a `ref` table publication needs."""


def _read(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    present = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = ?", [REF]
        ).fetchall()
    }
    if missing := [t for t in TABLES if t not in present]:
        raise WarehouseMetadataError(
            f"the warehouse has no {', '.join(f'{REF}.{t}' for t in missing)}: materialise the "
            "questionnaire asset (it writes the ref tables) before publishing"
        )
    return {t: con.sql(f"select * from {REF}.{t}").pl() for t in TABLES}


def _scales(ref: dict[str, pl.DataFrame]) -> dict[str, Scale]:
    codes: dict[str, dict[int, str]] = {}
    for r in ref["codes"].iter_rows(named=True):
        codes.setdefault(r["scale"], {})[int(r["code"])] = r["label"]
    nets: dict[str, dict[str, list[int]]] = {}
    for r in ref["nets"].sort("scale", "net_order", maintain_order=True).iter_rows(named=True):
        nets.setdefault(r["scale"], {}).setdefault(r["net"], []).append(int(r["code"]))
    return {
        sid: Scale(sid, c, {n: tuple(m) for n, m in nets.get(sid, {}).items()})
        for sid, c in codes.items()
    }


def _analysis(ref: dict[str, pl.DataFrame], breakdowns: dict[str, Breakdown]) -> dict:
    """The analysis settings; each test of `ref.comparisons` as a pair, with the routes it is
    run on when they are not all of its breakdown's."""
    (a,) = ref["analysis"].iter_rows(named=True)
    tests: dict[tuple, list[str]] = {}
    for r in ref["comparisons"].sort("position", maintain_order=True).iter_rows(named=True):
        key = (r["breakdown"], r["group_id"], r["compared_with"], bool(r["is_primary"]))
        tests.setdefault(key, []).append(r["route"])
    comparisons = []
    for (breakdown, group, other, primary), routes in tests.items():
        spec = {"breakdown": breakdown, "pair": [group, other], "primary": primary}
        if set(routes) != set(breakdowns[breakdown].routes):
            spec["routes"] = routes
        comparisons.append(spec)
    return {
        "small_base_threshold": int(a["small_base_threshold"]),
        "confidence_level": float(a["confidence_level"]),
        "z_critical": float(a["z_critical"]),
        "multiple_comparisons": str(a["multiple_comparisons"]),
        "comparisons": comparisons,
    }


def _routes(ref: dict[str, pl.DataFrame]) -> dict:
    polls: dict[str, dict] = {}
    rows = ref["route_polls"].sort("route", "position", maintain_order=True)
    for r in rows.iter_rows(named=True):
        polls.setdefault(r["route"], {})[r["poll"]] = {"label": r["label"]}
    return {
        r["route"]: {
            "label": r["label"],
            "weighted": bool(r["weighted"]),
            POLLS_KEY: polls.get(r["route"], {}),
        }
        for r in ref["routes"].sort("position", maintain_order=True).iter_rows(named=True)
    }


def _exports(ref: dict[str, pl.DataFrame]) -> dict:
    return {
        r["source_id"]: {
            "label": r["label"],
            "route": r["route"],
            "poll": r["poll"],
            "values": r["values"],
            "file_pattern": r["file_pattern"],
            "fieldwork": {
                "start": _iso(r["fieldwork_start"]),
                "end": _iso(r["fieldwork_end"]),
            },
        }
        for r in ref["sources"].iter_rows(named=True)
    }


def _iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _platform_statistics(ref: dict[str, pl.DataFrame]) -> dict:
    metrics = ref["platform_metrics"].sort("position", maintain_order=True)
    if metrics.is_empty():
        return {}
    return {
        "source": metrics["source_id"][0],
        "metrics": dict(zip(metrics["metric"], metrics["label"], strict=True)),
    }


def questionnaire_from_warehouse(con: duckdb.DuckDBPyConnection) -> Questionnaire:
    """The questionnaire the warehouse's figures were computed with (its `ref` tables)."""
    ref = _read(con)
    scales = _scales(ref)
    phrases: dict[str, list[str]] = {}
    for r in ref["no_suggestion"].iter_rows(named=True):
        phrases.setdefault(r["base_rule"], []).append(r["phrase"])
    base_rules = {
        r["base_rule"]: BaseRule(
            r["base_rule"],
            tuple(r["exclude"]),
            r["footnote"],
            tuple(phrases.get(r["base_rule"], ())),
        )
        for r in ref["base_rules"].iter_rows(named=True)
    }
    questions = {
        r["question_id"]: Question(
            id=r["question_id"],
            section=r["section"],
            type=r["type"],
            text=r["text"],
            scale=scales.get(r["scale"]) if r["scale"] else None,
            base_rule=r["base_rule"],
            table=r["table_id"],
            yg=None,
            tl=None,
        )
        for r in ref["questions"].sort("position", maintain_order=True).iter_rows(named=True)
    }
    variables = {}
    for r in ref["variables"].sort("position", maintain_order=True).iter_rows(named=True):
        asked_if = (
            {"question": r["asked_if_question"], "codes": list(r["asked_if_codes"] or [])}
            if r["asked_if_question"]
            else None
        )
        variables[r["variable_id"]] = Variable(
            id=r["variable_id"],
            question_id=r["question_id"],
            section=r["section"],
            kind=r["kind"],
            text=r["text"],
            item_label=r["item_label"],
            scale=scales.get(r["scale"]) if r["scale"] else None,
            base_rule=r["base_rule"],
            table=r["table_id"],
            tl_header=r["tl_header"] or "",
            yg_name=r["yg_name"] or "",
            option_code=r["option_code"],
            exclusive=bool(r["exclusive"]),
            skippable=bool(r["skippable"]),
            asked_if=asked_if,
            max_length=r["max_length"],
        )
    groups: dict[str, dict[str, tuple[str, list[int]]]] = {}
    for r in (
        ref["breakdown_groups"]
        .sort("breakdown", "group_order", maintain_order=True)
        .iter_rows(named=True)
    ):
        group = groups.setdefault(r["breakdown"], {}).setdefault(
            r["group_id"], (r["group_label"], [])
        )
        group[1].append(int(r["code"]))
    breakdowns = {
        r["breakdown"]: Breakdown(
            r["breakdown"],
            r["label"],
            r["source_variable"],
            tuple(r["routes"]),
            {g: (label, tuple(c)) for g, (label, c) in groups.get(r["breakdown"], {}).items()},
        )
        for r in ref["breakdowns"].sort("position", maintain_order=True).iter_rows(named=True)
    }
    tables = {
        r["table_id"]: TableSpec(
            r["table_id"],
            r["section"],
            r["title"],
            r["kind"],
            tuple(r["variables"]),
            tuple(r["questions"]),
        )
        for r in ref["tables"].iter_rows(named=True)  # written in questionnaire order
    }
    (survey,) = ref["survey"].iter_rows(named=True)
    return Questionnaire(
        version=survey["questionnaire_version"],
        survey={
            "id": survey["survey_id"],
            "title": survey["title"],
            "owner": survey["owner"],
            "fieldwork_start": survey["fieldwork_start"],
            "fieldwork_end": survey["fieldwork_end"],
        },
        routes=_routes(ref),
        missing_codes={
            r["missing_kind"]: int(r["code"]) for r in ref["missing_codes"].iter_rows(named=True)
        },
        base_rules=base_rules,
        scales=scales,
        breakdowns=breakdowns,
        questions=questions,
        variables=variables,
        tables=tables,
        exports=_exports(ref),
        analysis=_analysis(ref, breakdowns),
        platform_statistics=_platform_statistics(ref),
    )
