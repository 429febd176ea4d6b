"""Load and check the questionnaire model (`questionnaire.yaml`).

The YAML is the single source of truth. This module turns it into typed objects and derives the
flat list of *variables*: the atomic columns an export carries (one per single question, grid item,
ranking item or multi-select option), with their Talk London header and YouGov variable name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import yaml

MISSING_KINDS = ("not_applicable", "dont_know", "prefer_not_to_say")
QUESTION_TYPES = {
    "single",
    "grid",
    "multi",
    "ranking",
    "scale7",
    "open_text",
    "demographic",
    "derived",
}
TABLE_KINDS = {
    "distribution",
    "grid",
    "rank_position",
    "rank_first",
    "rank_modal",
    "multi",
    "themes",
    "profile",
}


class QuestionnaireError(ValueError):
    """The questionnaire definition itself is inconsistent."""


@dataclass(frozen=True)
class Scale:
    id: str
    codes: dict[int, str]
    nets: dict[str, tuple[int, ...]]
    unselected_label: str | None = None  # YouGov's value label for 0 (multi-select options)

    def label(self, code: int) -> str:
        return self.codes[code]

    def code_for_label(self, label: str) -> int | None:
        for code, lab in self.codes.items():
            if lab == label:
                return code
        return None


@dataclass(frozen=True)
class BaseRule:
    id: str
    exclude: tuple[str, ...]
    footnote: str | None
    no_suggestion: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variable:
    """One column of an export: a single question, a grid/ranking item or a multi option."""

    id: str
    question_id: str
    section: str
    kind: str  # single | grid_item | ranking_item | multi_option | open_text | demographic
    text: str  # full question text
    item_label: str | None
    scale: Scale | None
    base_rule: str
    table: str | None
    tl_header: str
    yg_name: str
    option_code: int | None = None  # multi_option: the option's code
    exclusive: bool = False  # multi_option: cannot be combined with other options
    skippable: bool = False
    asked_if: dict | None = None
    max_length: int | None = None
    spss_width: int | None = None  # open text: the least byte width of the YouGov string variable

    @property
    def valid_codes(self) -> tuple[int, ...]:
        """Codes a YouGov export may carry for this variable (before system-missing)."""
        if self.kind == "multi_option":
            return (0, 1)
        if self.id == "AGE_BAND":
            return tuple(range(16, 100))
        return tuple(self.scale.codes) if self.scale else ()

    @property
    def valid_labels(self) -> tuple[str, ...]:
        """Values a Talk London export may carry for this variable (before blank)."""
        if self.kind == "multi_option":
            return (self.item_label,)
        if self.kind == "ranking_item":
            return tuple(str(c) for c in self.scale.codes)
        return tuple(self.scale.codes.values()) if self.scale else ()

    @property
    def spss_value_labels(self) -> dict[int, str] | None:
        """The value labels a YouGov file carries for this variable, code by code (None: a
        variable without value labels: open text, or the age in years)."""
        if self.kind == "open_text" or self.id == "AGE_BAND" or self.scale is None:
            return None
        if self.kind == "multi_option":
            return {0: self.scale.unselected_label, 1: self.scale.codes[1]}
        return dict(self.scale.codes)


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    type: str
    text: str
    scale: Scale | None
    base_rule: str
    table: str | None
    yg: str | None
    tl: str | None
    items: tuple[dict, ...] = ()
    options: tuple[dict, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Breakdown:
    id: str
    label: str
    source: str
    routes: tuple[str, ...]
    groups: dict[str, tuple[str, tuple[int, ...]]]  # group id -> (label, codes)


@dataclass(frozen=True)
class TableSpec:
    id: str
    section: str
    title: str
    kind: str
    variables: tuple[str, ...]  # variable ids shown in the table
    questions: tuple[str, ...]  # question ids the table derives from


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per pack file
class Questionnaire:
    version: str
    survey: dict
    routes: dict
    missing_codes: dict[str, int]
    base_rules: dict[str, BaseRule]
    scales: dict[str, Scale]
    breakdowns: dict[str, Breakdown]
    questions: dict[str, Question]
    variables: dict[str, Variable]
    tables: dict[str, TableSpec]
    exports: dict
    analysis: dict
    quality: dict = field(default_factory=dict)  # row screening at ingest (ingest/quality.py)
    platform_statistics: dict = field(default_factory=dict)  # ingest/platform_statistics.py

    def exported_variables(self) -> list[Variable]:
        """Variables a vendor export carries (derived ones are computed downstream)."""
        return [v for v in self.variables.values() if v.kind != "derived"]

    def missing_kind(self, code: int) -> str | None:
        for kind, c in self.missing_codes.items():
            if c == code:
                return kind
        return None

    def table_of(self, variable_id: str) -> str | None:
        return self.variables[variable_id].table

    def fieldwork(self, source_id: str) -> tuple[date, date]:
        """The export source's fieldwork window: first and last day, both inclusive."""
        window = self.exports[source_id]["fieldwork"]
        return date.fromisoformat(str(window["start"])), date.fromisoformat(str(window["end"]))


def _scale(sid: str, raw: dict) -> Scale:
    codes = {int(k): str(v) for k, v in raw["codes"].items()}
    nets = {str(k): tuple(int(c) for c in v) for k, v in (raw.get("nets") or {}).items()}
    for net, members in nets.items():
        unknown = set(members) - set(codes)
        if unknown:
            raise QuestionnaireError(f"scale {sid}: net {net} uses unknown codes {sorted(unknown)}")
    return Scale(sid, codes, nets, raw.get("unselected_label"))


def _variables_of(q: Question) -> list[Variable]:
    raw = q.raw
    tl_base = q.tl or q.text
    common = dict(
        question_id=q.id,
        section=q.section,
        text=q.text,
        base_rule=q.base_rule,
        skippable=bool(raw.get("skippable", False)),
        asked_if=raw.get("asked_if"),
    )
    if q.type in ("grid", "scale7", "ranking"):
        kind = "ranking_item" if q.type == "ranking" else "grid_item"
        return [
            Variable(
                id=item["id"],
                kind=kind,
                item_label=item["label"],
                scale=q.scale,
                table=item.get("table", q.table),
                tl_header=f"{tl_base}:{item['label']}",
                yg_name=f"{q.yg}_{i}",
                **common,
            )
            for i, item in enumerate(q.items, start=1)
        ]
    if q.type == "multi":
        return [
            Variable(
                id=f"{q.id}_{opt['code']}",
                kind="multi_option",
                item_label=opt["label"],
                scale=q.scale,
                table=q.table,
                tl_header=f"{tl_base}:{opt['label']}",
                yg_name=f"{q.yg}_{i}",
                option_code=int(opt["code"]),
                exclusive=bool(opt.get("exclusive", False)),
                **common,
            )
            for i, opt in enumerate(q.options, start=1)
        ]
    kind = {"open_text": "open_text", "demographic": "demographic", "derived": "derived"}.get(
        q.type, "single"
    )
    return [
        Variable(
            id=q.id,
            kind=kind,
            item_label=None,
            scale=q.scale,
            table=q.table,
            tl_header=tl_base,
            yg_name=q.yg or "",
            max_length=raw.get("max_length"),
            spss_width=raw.get("spss_width"),
            **common,
        )
    ]


def parse_questionnaire(raw: dict) -> Questionnaire:
    scales = {sid: _scale(sid, s) for sid, s in raw["scales"].items()}
    base_rules = {
        bid: BaseRule(
            bid, tuple(b["exclude"]), b.get("footnote"), tuple(b.get("no_suggestion", ()))
        )
        for bid, b in raw["base_rules"].items()
    }
    questions: dict[str, Question] = {}
    for qr in raw["questions"]:
        qid = qr["id"]
        if qid in questions:
            raise QuestionnaireError(f"duplicate question id {qid}")
        if qr["type"] not in QUESTION_TYPES:
            raise QuestionnaireError(f"question {qid}: unknown type {qr['type']}")
        if qr["base"] not in base_rules:
            raise QuestionnaireError(f"question {qid}: unknown base rule {qr['base']}")
        scale = scales[qr["scale"]] if qr.get("scale") else None
        if qr["type"] not in ("open_text",) and scale is None:
            raise QuestionnaireError(f"question {qid}: no scale")
        questions[qid] = Question(
            id=qid,
            section=qr["section"],
            type=qr["type"],
            text=qr["text"],
            scale=scale,
            base_rule=qr["base"],
            table=qr.get("table"),
            yg=qr.get("yg"),
            tl=qr.get("tl"),
            items=tuple(qr.get("items", ())),
            options=tuple(qr.get("options", ())),
            raw=qr,
        )

    variables: dict[str, Variable] = {}
    for q in questions.values():
        for v in _variables_of(q):
            if v.id in variables:
                raise QuestionnaireError(f"duplicate variable id {v.id}")
            variables[v.id] = v
    _check_unique([v.tl_header for v in variables.values() if v.kind != "derived"], "TL header")
    _check_unique([v.yg_name for v in variables.values() if v.kind != "derived"], "YouGov name")

    breakdowns = {}
    for bid, b in raw["breakdowns"].items():
        if b["source"] not in questions:
            raise QuestionnaireError(f"breakdown {bid}: unknown source {b['source']}")
        groups = {
            gid: (g["label"], tuple(int(c) for c in g["codes"])) for gid, g in b["groups"].items()
        }
        breakdowns[bid] = Breakdown(bid, b["label"], b["source"], tuple(b["routes"]), groups)

    tables = _tables(raw["tables"], questions, variables)
    _check_fieldwork(raw["exports"])
    return Questionnaire(
        version=str(raw["version"]),
        survey=raw["survey"],
        routes=raw["routes"],
        missing_codes={k: int(v) for k, v in raw["missing_codes"].items()},
        base_rules=base_rules,
        scales=scales,
        breakdowns=breakdowns,
        questions=questions,
        variables=variables,
        tables=tables,
        exports=raw["exports"],
        analysis=raw["analysis"],
        quality=raw.get("quality") or {},
        platform_statistics=_platform_statistics(raw.get("platform_statistics"), raw["exports"]),
    )


def _platform_statistics(raw: dict | None, exports: dict) -> dict:
    """The platform-statistics export: its source, file pattern and metrics (id -> label)."""
    if not raw:
        return {}
    where = "platform_statistics"
    if raw.get("source") not in exports:
        raise QuestionnaireError(f"{where}.source: not an export source")
    try:
        pattern = re.compile(str(raw["file_pattern"]))
    except (KeyError, re.error) as exc:
        raise QuestionnaireError(f"{where}.file_pattern: needs a valid regular expression") from exc
    if "date" not in pattern.groupindex:
        raise QuestionnaireError(f"{where}.file_pattern: needs a (?P<date>...) group")
    metrics = raw.get("metrics") or {}
    if not metrics or not all(isinstance(m, dict) and m.get("label") for m in metrics.values()):
        raise QuestionnaireError(f"{where}.metrics: each metric needs a label")
    return {
        "source": raw["source"],
        "file_pattern": pattern.pattern,
        "metrics": {str(k): str(v["label"]) for k, v in metrics.items()},
    }


def _check_fieldwork(exports: dict) -> None:
    for sid, export in exports.items():
        window = export.get("fieldwork") or {}
        try:
            start = date.fromisoformat(str(window["start"]))
            end = date.fromisoformat(str(window["end"]))
        except (KeyError, ValueError) as exc:
            raise QuestionnaireError(
                f"exports.{sid}.fieldwork: needs start and end as YYYY-MM-DD"
            ) from exc
        if end < start:
            raise QuestionnaireError(f"exports.{sid}.fieldwork: end before start")


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise QuestionnaireError(f"duplicate {what}: {v!r}")
        seen.add(v)


def _tables(raw_tables: dict, questions: dict, variables: dict) -> dict[str, TableSpec]:
    tables: dict[str, TableSpec] = {}
    for tid, t in raw_tables.items():
        if t["kind"] not in TABLE_KINDS:
            raise QuestionnaireError(f"table {tid}: unknown kind {t['kind']}")
        explicit = tuple(t.get("questions", ()))
        mapped = [v for v in variables.values() if v.table == tid]
        table_vars = [v.id for v in mapped]
        for qid in explicit:
            if qid not in questions:
                raise QuestionnaireError(f"table {tid}: unknown question {qid}")
            table_vars += [v.id for v in variables.values() if v.question_id == qid]
        if not table_vars:
            raise QuestionnaireError(f"table {tid}: no question feeds it")
        qids = tuple(dict.fromkeys(variables[v].question_id for v in table_vars))
        tables[tid] = TableSpec(
            id=tid,
            section=tid[0],
            title=t["title"],
            kind=t["kind"],
            variables=tuple(dict.fromkeys(table_vars)),
            questions=qids,
        )
    for v in variables.values():
        if v.table and v.table not in tables:
            raise QuestionnaireError(f"variable {v.id} maps to unknown table {v.table}")
    return tables


def questionnaire_path() -> Path:
    """The current consultation pack's questionnaire (`$SURVEY_CONSULTATION`)."""
    from survey.pack import QUESTIONNAIRE, pack_file

    return pack_file(QUESTIONNAIRE)


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """The questionnaire at `path`, by default the current pack's; parsed once per file."""
    return _load_questionnaire((path or questionnaire_path()).resolve())


@cache
def _load_questionnaire(path: Path) -> Questionnaire:
    with open(path, encoding="utf-8") as fh:
        return parse_questionnaire(yaml.safe_load(fh))
