"""The questionnaire as relational reference tables (warehouse schema `ref`).

Plain functions from a `Questionnaire` to polars frames, plus one writer. dbt staging decodes
answers and checks codes against these tables, so SQL never repeats the questionnaire.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from survey.questionnaire import Questionnaire, Variable

REF_SCHEMA = "ref"


def variables(q: Questionnaire) -> pl.DataFrame:
    """One row per variable (export column or derived), in questionnaire order."""
    rows = []
    for position, v in enumerate(q.variables.values(), start=1):
        question = q.questions[v.question_id]
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
                "yg_numeric": bool(question.raw.get("yougov_numeric_age", False)),
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
    """One row per vendor export: its route, poll and raw table."""
    return pl.DataFrame(
        [
            {
                "source_id": sid,
                "label": e["label"],
                "route": e["route"],
                "poll": e["poll"],
                "values": e["values"],
                "raw_table": f"{sid}_responses",
                "file_pattern": e["file_pattern"],
            }
            for sid, e in q.exports.items()
        ]
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
