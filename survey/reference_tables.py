"""The questionnaire as relational reference tables (warehouse schema `ref`).

Plain functions from a `Questionnaire` to polars frames, plus one writer. dbt staging decodes
answers and checks codes against these tables, so SQL never repeats the questionnaire.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import yaml

from survey.questionnaire import Questionnaire, QuestionnaireError, Variable

REF_SCHEMA = "ref"

# The comparator of an "each group vs the rest" test: every other respondent of the route's base.
REST = "rest"
# The comparisons the report tests for significance. `analysis.multiple_comparisons` in the
# questionnaire lists them in prose; a structured `analysis.comparisons` there, if present, takes
# precedence over this default. Each spec names a breakdown and either
#   pair: [group, compared_with]   one test; its primary comparison for both groups' rows
#                                  (the second group's row shows it mirrored)
#   each_vs: <group> | rest        every other group of the breakdown against one group, or
#                                  against the rest of the route's base
# `routes` narrows the breakdown's routes; `primary: false` keeps the test out of the primary
# comparison columns of fct_estimates (it stays in fct_significance).


def variables(q: Questionnaire) -> pl.DataFrame:
    """One row per variable (export column or derived), in questionnaire order."""
    rows = []
    for position, v in enumerate(q.variables.values(), start=1):
        asked_if = v.asked_if or {}
        rows.append(
            {
                "variable_id": v.id,
                "position": position,
                "question_id": v.question_id,
                "section": v.section,
                "kind": v.kind,
                "scale": v.scale.id if v.scale else None,
                "base_rule": v.base_rule,
                "table_id": v.table,
                "text": v.text,
                "item_label": v.item_label,
                "option_code": v.option_code,
                "exclusive": v.exclusive,
                "skippable": v.skippable,
                "asked_if_question": asked_if.get("question"),
                "asked_if_codes": asked_if.get("codes"),
                "max_length": v.max_length,
                "exported": v.kind != "derived",
                "raw_column": v.id.lower() if v.kind != "derived" else None,
                "tl_header": v.tl_header if v.kind != "derived" else None,
                "yg_name": v.yg_name or None,
                "yg_numeric": v.yg_numeric,
            }
        )
    return pl.DataFrame(
        rows,
        schema_overrides={
            "position": pl.Int32,
            "option_code": pl.Int32,
            "asked_if_codes": pl.List(pl.Int32),
            "max_length": pl.Int32,
        },
        infer_schema_length=None,
    )


def codes(q: Questionnaire) -> pl.DataFrame:
    """One row per scale code; `missing_kind` names the fixed missing codes (97/98/99)."""
    return pl.DataFrame(
        [
            {"scale": s.id, "code": code, "label": label, "missing_kind": q.missing_kind(code)}
            for s in q.scales.values()
            for code, label in s.codes.items()
        ],
        schema={
            "scale": pl.String,
            "code": pl.Int32,
            "label": pl.String,
            "missing_kind": pl.String,
        },
    )


def _variable_code_rows(v: Variable) -> list[dict]:
    """Codes a variable may carry, with the value Talk London exports for each."""
    if v.kind == "multi_option":
        # YouGov: 1 selected / 0 not selected; Talk London: the option label, or blank.
        return [
            {"code": 1, "label": "Selected", "tl_label": v.item_label},
            {"code": 0, "label": "Not selected", "tl_label": None},
        ]
    if v.scale is None:
        return []
    by_code = dict(zip(v.scale.codes, v.valid_labels, strict=True))
    return [
        {"code": code, "label": label, "tl_label": by_code[code]}
        for code, label in v.scale.codes.items()
    ]


def variable_codes(q: Questionnaire) -> pl.DataFrame:
    """One row per exported variable x valid code: the decode table for both routes."""
    return pl.DataFrame(
        [
            {"variable_id": v.id, **row, "missing_kind": q.missing_kind(row["code"])}
            for v in q.exported_variables()
            for row in _variable_code_rows(v)
        ],
        schema={
            "variable_id": pl.String,
            "code": pl.Int32,
            "label": pl.String,
            "tl_label": pl.String,
            "missing_kind": pl.String,
        },
    )


def nets(q: Questionnaire) -> pl.DataFrame:
    """One row per scale net x member code."""
    return pl.DataFrame(
        [
            {"scale": s.id, "net": net, "net_order": order, "code": code}
            for s in q.scales.values()
            for order, (net, members) in enumerate(s.nets.items(), start=1)
            for code in members
        ],
        schema={"scale": pl.String, "net": pl.String, "net_order": pl.Int32, "code": pl.Int32},
    )


def base_rules(q: Questionnaire) -> pl.DataFrame:
    """One row per base rule, with the missing kinds it drops from the base."""
    return pl.DataFrame(
        [
            {"base_rule": r.id, "exclude": list(r.exclude), "footnote": r.footnote}
            for r in q.base_rules.values()
        ],
        schema={"base_rule": pl.String, "exclude": pl.List(pl.String), "footnote": pl.String},
    )


def breakdown_groups(q: Questionnaire) -> pl.DataFrame:
    """One row per breakdown x group x source code."""
    return pl.DataFrame(
        [
            {
                "breakdown": b.id,
                "breakdown_label": b.label,
                "source_variable": b.source,
                "routes": list(b.routes),
                "group_id": gid,
                "group_label": label,
                "group_order": order,
                "code": code,
            }
            for b in q.breakdowns.values()
            for order, (gid, (label, group_codes)) in enumerate(b.groups.items(), start=1)
            for code in group_codes
        ],
        schema_overrides={"routes": pl.List(pl.String), "group_order": pl.Int32, "code": pl.Int32},
        infer_schema_length=None,
    )


def tables(q: Questionnaire) -> pl.DataFrame:
    """One row per supplementary table, with the variables and questions it shows."""
    return pl.DataFrame(
        [
            {
                "table_id": t.id,
                "section": t.section,
                "title": t.title,
                "kind": t.kind,
                "variables": list(t.variables),
                "questions": list(t.questions),
            }
            for t in q.tables.values()
        ],
        schema_overrides={"variables": pl.List(pl.String), "questions": pl.List(pl.String)},
        infer_schema_length=None,
    )


def sources(q: Questionnaire) -> pl.DataFrame:
    """One row per vendor export: its route, poll, whether the route is weighted, the vendor
    format (`values`: labels - Talk London platform, codes - YouGov SPSS), the respondent id
    prefix and the raw table. Staging reads the raw tables of each vendor format from here."""
    weighted = set(q.weighted_routes())
    return pl.DataFrame(
        [
            {
                "source_id": sid,
                "label": e["label"],
                "route": e["route"],
                "poll": e["poll"],
                "values": e["values"],
                "id_prefix": e["id_prefix"],
                "raw_table": f"{sid}_responses",
                "file_pattern": e["file_pattern"],
                "weighted": e["route"] in weighted,
                "position": position,
                "fieldwork_start": q.fieldwork(sid)[0],
                "fieldwork_end": q.fieldwork(sid)[1],
            }
            for position, (sid, e) in enumerate(q.exports.items(), start=1)
        ],
        schema={
            "source_id": pl.String,
            "label": pl.String,
            "route": pl.String,
            "poll": pl.String,
            "values": pl.String,
            "id_prefix": pl.String,
            "raw_table": pl.String,
            "file_pattern": pl.String,
            "weighted": pl.Boolean,
            "position": pl.Int32,
            "fieldwork_start": pl.Date,
            "fieldwork_end": pl.Date,
        },
    )


def sections(q: Questionnaire) -> pl.DataFrame:
    """One row per report section, in report order: its id, title, snake_case name and the BI
    mart generated for it (`marts.<mart>`)."""
    return pl.DataFrame(
        [
            {
                "section": s.id,
                "position": position,
                "name": s.name,
                "title": s.title,
                "mart": s.mart,
            }
            for position, s in enumerate(q.sections.values(), start=1)
        ],
        schema={
            "section": pl.String,
            "position": pl.Int32,
            "name": pl.String,
            "title": pl.String,
            "mart": pl.String,
        },
    )


def respondent_flags(q: Questionnaire) -> pl.DataFrame:
    """One row per respondent flag (a column of int_respondents), in questionnaire order: what it
    holds (`value`: flag / code / group), the variable it reads, the codes that make a flag true,
    the breakdown of a group flag and which answers leave it null (`null_when`)."""
    return pl.DataFrame(
        [
            {
                "flag": f.name,
                "position": position,
                "label": f.label,
                "value": f.value,
                "source_variable": f.source,
                "breakdown": f.breakdown,
                "true_codes": list(f.true_codes),
                "null_when": f.null_when,
            }
            for position, f in enumerate(q.respondent_flags.values(), start=1)
        ],
        schema={
            "flag": pl.String,
            "position": pl.Int32,
            "label": pl.String,
            "value": pl.String,
            "source_variable": pl.String,
            "breakdown": pl.String,
            "true_codes": pl.List(pl.Int32),
            "null_when": pl.String,
        },
    )


# The consultation's description, routes, polls and platform metrics, as publication reads them
# (it takes questionnaire metadata from the warehouse only; publication/warehouse_questionnaire.py).
def survey(q: Questionnaire) -> pl.DataFrame:
    """The consultation (one row): id, title, owner, fieldwork, questionnaire version."""
    s = q.survey
    return pl.DataFrame(
        [
            {
                "survey_id": str(s.get("id") or ""),
                "title": str(s["title"]),
                "owner": str(s["owner"]),
                "fieldwork_start": str(s["fieldwork_start"]),
                "fieldwork_end": str(s["fieldwork_end"]),
                "questionnaire_version": q.version,
            }
        ]
    )


def routes(q: Questionnaire) -> pl.DataFrame:
    """One row per route, in questionnaire order: its label and whether it is weighted."""
    return pl.DataFrame(
        [
            {
                "route": r,
                "label": str(spec["label"]),
                "weighted": bool(spec["weighted"]),
                "position": position,
            }
            for position, (r, spec) in enumerate(q.routes.items(), start=1)
        ],
        schema={
            "route": pl.String,
            "label": pl.String,
            "weighted": pl.Boolean,
            "position": pl.Int32,
        },
    )


def route_polls(q: Questionnaire) -> pl.DataFrame:
    """One row per poll (sample) of each route, in questionnaire order."""
    return pl.DataFrame(
        [
            {"route": r, "poll": p, "label": str(ps["label"]), "position": position}
            for r, spec in q.routes.items()
            for position, (p, ps) in enumerate(spec["polls"].items(), start=1)
        ],
        schema={"route": pl.String, "poll": pl.String, "label": pl.String, "position": pl.Int32},
    )


def platform_metrics(q: Questionnaire) -> pl.DataFrame:
    """One row per metric of the platform-statistics export (none when the pack has none)."""
    spec = q.platform_statistics
    return pl.DataFrame(
        [
            {"metric": m, "label": label, "source_id": spec["source"], "position": position}
            for position, (m, label) in enumerate((spec.get("metrics") or {}).items(), start=1)
        ],
        schema={
            "metric": pl.String,
            "label": pl.String,
            "source_id": pl.String,
            "position": pl.Int32,
        },
    )


def questions(q: Questionnaire) -> pl.DataFrame:
    """One row per question (a grid, ranking or multi-select is one question of many variables)."""
    return pl.DataFrame(
        [
            {
                "question_id": question.id,
                "position": position,
                "section": question.section,
                "type": question.type,
                "text": question.text,
                "scale": question.scale.id if question.scale else None,
                "base_rule": question.base_rule,
                "table_id": question.table,
                "variables": [v.id for v in q.variables.values() if v.question_id == question.id],
            }
            for position, question in enumerate(q.questions.values(), start=1)
        ],
        schema_overrides={"position": pl.Int32, "variables": pl.List(pl.String)},
        infer_schema_length=None,
    )


def missing_codes(q: Questionnaire) -> pl.DataFrame:
    """One row per missing kind with its fixed code (97 / 98 / 99)."""
    return pl.DataFrame(
        [{"missing_kind": kind, "code": code} for kind, code in q.missing_codes.items()],
        schema={"missing_kind": pl.String, "code": pl.Int32},
    )


def no_suggestion(q: Questionnaire) -> pl.DataFrame:
    """One row per base rule x comment that counts as 'no suggestion' (normalised: trimmed,
    trailing '.' and '!' removed, lower case)."""
    return pl.DataFrame(
        [
            {"base_rule": rule.id, "phrase": phrase}
            for rule in q.base_rules.values()
            for phrase in rule.no_suggestion
        ],
        schema={"base_rule": pl.String, "phrase": pl.String},
    )


_BAND = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)|\+)\s*$")


def numeric_bands(q: Questionnaire) -> pl.DataFrame:
    """One row per band of a variable YouGov exports as a number (age in years): the scale code
    and its bounds, parsed from the scale labels ('16-24', '65+'; max_value null = open)."""
    rows = []
    for v in q.variables.values():
        if not v.yg_numeric:
            continue
        bands = []
        for code, label in v.scale.codes.items():
            match = _BAND.match(label)
            if not match:
                raise QuestionnaireError(f"{v.id}: band label {label!r} is not 'a-b' or 'a+'")
            low, high = int(match[1]), int(match[2]) if match[2] else None
            bands.append((low, high))
            rows.append(
                {
                    "variable_id": v.id,
                    "code": code,
                    "label": label,
                    "min_value": low,
                    "max_value": high,
                }
            )
        bands.sort()
        for (_, high_a), (low_b, _) in zip(bands, bands[1:], strict=False):
            if high_a is None or high_a >= low_b:
                raise QuestionnaireError(f"{v.id}: bands overlap at {low_b}")
    return pl.DataFrame(
        rows,
        schema={
            "variable_id": pl.String,
            "code": pl.Int32,
            "label": pl.String,
            "min_value": pl.Int32,
            "max_value": pl.Int32,
        },
    )


def derived_variables(q: Questionnaire) -> pl.DataFrame:
    """One row per derived variable x source variable. Method `any_of`: the derived variable
    takes `true_code` when any source answer is `match_code`, `false_code` when every source is
    answered with a substantive code and none matches, and is missing otherwise."""
    rows = []
    for question in q.questions.values():
        if question.type != "derived":
            continue
        spec = question.raw["derive"]
        if set(spec) != {"any_of", "code"}:
            raise QuestionnaireError(f"{question.id}: unknown derive method {sorted(spec)}")
        substantive = [c for c in question.scale.codes if q.missing_kind(c) is None]
        match_code = int(spec["code"])
        others = [c for c in substantive if c != match_code]
        if match_code not in substantive or len(others) != 1:
            raise QuestionnaireError(f"{question.id}: any_of needs a yes/no scale")
        for source in spec["any_of"]:
            if source not in q.variables:
                raise QuestionnaireError(f"{question.id}: unknown source {source}")
            rows.append(
                {
                    "variable_id": question.id,
                    "method": "any_of",
                    "source_variable": source,
                    "match_code": match_code,
                    "true_code": match_code,
                    "false_code": others[0],
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "variable_id": pl.String,
            "method": pl.String,
            "source_variable": pl.String,
            "match_code": pl.Int32,
            "true_code": pl.Int32,
            "false_code": pl.Int32,
        },
    )


def breakdowns(q: Questionnaire) -> pl.DataFrame:
    """One row per breakdown, in questionnaire order (groups are in `breakdown_groups`)."""
    return pl.DataFrame(
        [
            {
                "breakdown": b.id,
                "label": b.label,
                "source_variable": b.source,
                "routes": list(b.routes),
                "position": position,
            }
            for position, b in enumerate(q.breakdowns.values(), start=1)
        ],
        schema_overrides={"routes": pl.List(pl.String), "position": pl.Int32},
        infer_schema_length=None,
    )


def analysis(q: Questionnaire) -> pl.DataFrame:
    """The analysis settings (one row): small-base threshold, critical z, comparison policy."""
    a = q.analysis
    return pl.DataFrame(
        [
            {
                "small_base_threshold": int(a["small_base_threshold"]),
                "confidence_level": float(a["confidence_level"]),
                "z_critical": float(a["z_critical"]),
                "multiple_comparisons": str(a["multiple_comparisons"]),
            }
        ],
        schema={
            "small_base_threshold": pl.Int32,
            "confidence_level": pl.Float64,
            "z_critical": pl.Float64,
            "multiple_comparisons": pl.String,
        },
    )


def comparisons(q: Questionnaire) -> pl.DataFrame:
    """One row per significance test x route: a group against another group of its breakdown,
    or against the rest of the route's base (`compared_with` = 'rest')."""
    specs = q.analysis["comparisons"]
    rows: list[dict] = []
    for spec in specs:
        b = q.breakdowns.get(spec["breakdown"])
        if b is None:
            raise QuestionnaireError(f"comparison: unknown breakdown {spec['breakdown']}")
        routes = [r for r in b.routes if r in spec.get("routes", b.routes)]
        primary = bool(spec.get("primary", True))
        if "pair" in spec:
            pairs = [tuple(spec["pair"])]
        else:
            pairs = [(g, spec["each_vs"]) for g in b.groups if g != spec["each_vs"]]
        for group, other in pairs:
            if group not in b.groups or (other not in b.groups and other != REST):
                raise QuestionnaireError(f"comparison: {b.id} has no group {group} or {other}")
            for route in routes:
                rows.append(
                    {
                        "comparison_id": f"{b.id}:{group}_vs_{other}",
                        "breakdown": b.id,
                        "route": route,
                        "group_id": group,
                        "compared_with": other,
                        "is_primary": primary,
                        "mirror": primary and "pair" in spec,
                        "position": len(rows) + 1,
                    }
                )
    _check_one_primary(rows)
    return pl.DataFrame(rows, schema_overrides={"position": pl.Int32})


def _check_one_primary(rows: list[dict]) -> None:
    """A group's row in fct_estimates shows one primary comparison (its own or a mirrored one)."""
    seen: set[tuple[str, str, str]] = set()
    for r in rows:
        shown = [(r["group_id"], r["is_primary"]), (r["compared_with"], r["mirror"])]
        for group, shows in shown:
            key = (r["breakdown"], r["route"], group)
            if shows and group != REST:
                if key in seen:
                    raise QuestionnaireError(f"comparison: two primary comparisons for {key}")
                seen.add(key)


def _load_benchmarks(path: Path | None = None) -> tuple[dict, ...]:
    """The pack's external benchmarks (none when the pack has no `benchmarks.yaml`); read once
    per file, the current pack's by default."""
    from survey.pack import pack_file

    return _read_benchmarks((path or pack_file("benchmarks.yaml")).resolve())


@cache
def _read_benchmarks(path: Path) -> tuple[dict, ...]:
    if not path.is_file():
        return ()
    with open(path, encoding="utf-8") as fh:
        return tuple(yaml.safe_load(fh)["benchmarks"])


def benchmarks(q: Questionnaire) -> pl.DataFrame:
    """One row per external benchmark (the pack's benchmarks.yaml): the variable and net of the
    consultation it sits beside, its value (percent), period and source."""
    rows = []
    for b in _load_benchmarks():
        v = q.variables.get(b["variable"])
        if v is None or v.scale is None or b["net"] not in v.scale.nets:
            raise QuestionnaireError(f"benchmark {b['id']}: no net {b['net']} of {b['variable']}")
        rows.append(
            {
                "benchmark_id": b["id"],
                "measure": b["measure"],
                "variable_id": b["variable"],
                "net": b["net"],
                "value": float(b["value"]),
                "period": b["period"],
                "source": b["source"],
            }
        )
    keys = [(r["variable_id"], r["net"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise QuestionnaireError("benchmarks: two benchmarks for one variable and net")
    return pl.DataFrame(
        rows,
        schema={
            "benchmark_id": pl.String,
            "measure": pl.String,
            "variable_id": pl.String,
            "net": pl.String,
            "value": pl.Float64,
            "period": pl.String,
            "source": pl.String,
        },
    )


BUILDERS = {
    "variables": variables,
    "codes": codes,
    "variable_codes": variable_codes,
    "nets": nets,
    "base_rules": base_rules,
    "breakdown_groups": breakdown_groups,
    "tables": tables,
    "sources": sources,
    "questions": questions,
    "missing_codes": missing_codes,
    "no_suggestion": no_suggestion,
    "numeric_bands": numeric_bands,
    "derived_variables": derived_variables,
    "breakdowns": breakdowns,
    "analysis": analysis,
    "comparisons": comparisons,
    "benchmarks": benchmarks,
    "sections": sections,
    "respondent_flags": respondent_flags,
    "survey": survey,
    "routes": routes,
    "route_polls": route_polls,
    "platform_metrics": platform_metrics,
}


def reference_tables(q: Questionnaire) -> dict[str, pl.DataFrame]:
    """Every reference table, by name."""
    return {name: build(q) for name, build in BUILDERS.items()}


def write_reference_tables(q: Questionnaire, warehouse_path: Path) -> dict[str, int]:
    """Replace the `ref` schema's tables in one transaction; returns row counts by table."""
    frames = reference_tables(q)
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {REF_SCHEMA}")
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"CREATE OR REPLACE TABLE {REF_SCHEMA}.{name} AS SELECT * FROM frame")
            con.unregister("frame")
        con.execute("COMMIT")
    return {name: frame.height for name, frame in frames.items()}
