"""Load and check the questionnaire model (a pack's `questionnaire.yaml`).

The YAML is the single source of truth. This module turns it into typed objects and derives the
flat list of *variables*: the atomic columns an export carries (one per single question, grid item,
ranking item or multi-select option), with their Talk London header and YouGov variable name.
A questionnaire of any size parses: sections, tables, breakdowns and respondent flags are whatever
the pack declares. Errors name the file, the key and its line (`QuestionnaireError`).
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
# Respondent flags: what a flag column of int_respondents holds.
FLAG_VALUES = ("flag", "code", "group")
# Which answers leave a flag null: `missing` - no answer or a missing code (don't know, prefer
# not to say, not applicable); `unanswered` - only no answer (a missing code counts as false).
FLAG_NULL_RULES = ("missing", "unanswered")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # snake_case: a SQL column or relation name as is
SECTION_MART_PREFIX = "mart_section_"
SECTION_ID = re.compile(r"^[A-Za-z0-9_]+$")
# Columns of int_respondents that are not profile, breakdown or flag columns: a flag may not
# take one of these names (nor a profile question's lower-cased id, nor `grp_<breakdown>`).
RESPONDENT_COLUMNS = (
    "respondent_id",
    "source_respondent_id",
    "route",
    "poll",
    "export_date",
    "supplier_weight",
    "start_time",
    "end_time",
    "weight",
)


class QuestionnaireError(ValueError):
    """The questionnaire definition itself is inconsistent.

    Names where: the pack file (added on load), the key path (`respondent_flags.victim.source`)
    and the YAML line of that key when the questionnaire was read from a file.
    """

    def __init__(
        self, message: str, key: str | None = None, line: int | None = None, file: str | None = None
    ):
        self.message, self.key, self.line, self.file = message, key, line, file
        where = [self.file] if self.file else []
        if key:
            where.append(key + (f" (line {line})" if line else ""))
        elif line:
            where.append(f"line {line}")
        super().__init__(": ".join([*where, message]))

    def in_file(self, file: Path | str) -> QuestionnaireError:
        return QuestionnaireError(self.message, self.key, self.line, str(file))


class _Mapping(dict):
    """A YAML mapping that remembers its own line and each key's line (1-based)."""

    line: int | None = None
    key_lines: dict


class _Sequence(list):
    """A YAML sequence that remembers its own line and each item's line (1-based)."""

    line: int | None = None
    item_lines: list


class _MarkedLoader(yaml.SafeLoader):
    """yaml.SafeLoader whose mappings and sequences carry their line numbers."""


def _construct_mapping(loader: _MarkedLoader, node: yaml.MappingNode):
    data = _Mapping()
    data.line, data.key_lines = node.start_mark.line + 1, {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_sequence(loader: _MarkedLoader, node: yaml.SequenceNode):
    data = _Sequence()
    data.line, data.item_lines = node.start_mark.line + 1, []
    yield data
    for item in node.value:
        data.append(loader.construct_object(item, deep=True))
        data.item_lines.append(item.start_mark.line + 1)


_MarkedLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_marked_yaml(path: Path) -> object:
    """A YAML file whose mappings and sequences know their lines (`line_of`)."""
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_MarkedLoader)  # noqa: S506 - a SafeLoader subclass


def line_of(container: object, key: object = None) -> int | None:
    """The line of `key` in a mapping (or of item `key` of a sequence), else of the container
    itself; None for data not read by `load_marked_yaml`."""
    if key is not None and isinstance(container, _Mapping):
        return container.key_lines.get(key, container.line)
    if key is not None and isinstance(container, _Sequence) and isinstance(key, int):
        return container.item_lines[key] if key < len(container.item_lines) else container.line
    return getattr(container, "line", None)


def _error(message: str, key: str, container: object, item: object = None) -> QuestionnaireError:
    return QuestionnaireError(message, key, line_of(container, item))


def _need(mapping: object, key: str, where: str) -> object:
    """`mapping[key]`, or an error naming the missing key and where it belongs."""
    if not isinstance(mapping, dict):
        raise _error("must be a mapping", where, mapping)
    if key not in mapping or mapping[key] is None:
        raise _error(f"required key {key} missing", f"{where}.{key}" if where else key, mapping)
    return mapping[key]


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
    yg_numeric: bool = False  # YouGov exports a number (age in years) banded into the scale

    @property
    def valid_codes(self) -> tuple[int, ...]:
        """Codes a YouGov export may carry for this variable (before system-missing)."""
        if self.kind == "multi_option":
            return (0, 1)
        if self.yg_numeric:
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
        if self.kind == "open_text" or self.yg_numeric or self.scale is None:
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
class Section:
    """A report section: its id in the questionnaire (e.g. a letter), title and snake_case name."""

    id: str
    name: str
    title: str

    @property
    def mart(self) -> str:
        """The section's BI mart (`marts.<mart>`), e.g. `mart_section_overall_support`."""
        return f"{SECTION_MART_PREFIX}{self.name}"


@dataclass(frozen=True)
class RespondentFlag:
    """A named column of int_respondents, declared in `respondent_flags:`.

    value `flag`: true when the source answer is one of `true_codes`, false for any other answer
    that `null_when` does not leave null; `code`: the source answer's code (null as `null_when`
    says); `group`: the respondent's group of `breakdown` (as its `grp_<breakdown>` column).
    """

    name: str
    label: str
    value: str  # flag | code | group
    source: str  # the variable the flag reads (a group flag: its breakdown's source)
    breakdown: str | None = None
    true_codes: tuple[int, ...] = ()
    null_when: str = "missing"


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
    sections: dict[str, Section] = field(default_factory=dict)  # in report order
    respondent_flags: dict[str, RespondentFlag] = field(default_factory=dict)

    def weighted_routes(self) -> list[str]:
        """The routes whose figures are weighted (none, one or several)."""
        return [r for r, spec in self.routes.items() if spec.get("weighted")]

    def polls_of(self, routes: list[str]) -> list[str]:
        """The polls (export sources' `poll`) of `routes`, in questionnaire order."""
        return list(dict.fromkeys(e["poll"] for e in self.exports.values() if e["route"] in routes))

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
    codes = {int(k): str(v) for k, v in _need(raw, "codes", f"scales.{sid}").items()}
    raw_nets = raw.get("nets") or {}
    nets = {str(k): tuple(int(c) for c in v) for k, v in raw_nets.items()}
    for net, members in nets.items():
        unknown = set(members) - set(codes)
        if unknown:
            raise _error(
                f"uses unknown codes {sorted(unknown)}", f"scales.{sid}.nets.{net}", raw_nets, net
            )
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
            yg_numeric=bool(raw.get("yougov_numeric_age", False)),
            **common,
        )
    ]


def parse_questionnaire(raw: dict) -> Questionnaire:
    """The questionnaire of a parsed YAML document; `QuestionnaireError` names what is wrong."""
    if not isinstance(raw, dict):
        raise QuestionnaireError("must be a mapping of the questionnaire's keys")
    try:
        return _parse(raw)
    except KeyError as exc:  # a required key the checks below do not name themselves
        raise QuestionnaireError(f"required key {exc.args[0]} missing") from None


def _parse(raw: dict) -> Questionnaire:
    scales = {sid: _scale(sid, s) for sid, s in _need(raw, "scales", "").items()}
    base_rules = {
        bid: BaseRule(
            bid, tuple(b["exclude"]), b.get("footnote"), tuple(b.get("no_suggestion", ()))
        )
        for bid, b in _need(raw, "base_rules", "").items()
    }
    sections = _sections(_need(raw, "sections", ""))
    raw_questions = _need(raw, "questions", "")
    questions: dict[str, Question] = {}
    for i, qr in enumerate(raw_questions):
        qid = _need(qr, "id", f"questions[{i}]")
        where = f"questions.{qid}"
        for key in ("section", "type", "text", "base"):
            _need(qr, key, where)
        if qid in questions:
            raise _error("duplicate question id", where, raw_questions, i)
        if qr["type"] not in QUESTION_TYPES:
            raise _error(f"unknown type {qr['type']}", f"{where}.type", qr, "type")
        if qr["base"] not in base_rules:
            raise _error(f"unknown base rule {qr['base']}", f"{where}.base", qr, "base")
        qr["section"] = str(qr["section"])  # a section id may be written as a number
        if qr["section"] not in sections:
            raise _error(
                f"section {qr['section']} is not declared under sections:",
                f"{where}.section",
                qr,
                "section",
            )
        if qr.get("scale") and qr["scale"] not in scales:
            raise _error(f"unknown scale {qr['scale']}", f"{where}.scale", qr, "scale")
        scale = scales[qr["scale"]] if qr.get("scale") else None
        if qr["type"] not in ("open_text",) and scale is None:
            raise _error("needs a scale", where, raw_questions, i)
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
    for sid in sections:
        if not any(question.section == sid for question in questions.values()):
            raise _error("no question of this section", f"sections.{sid}", raw["sections"], sid)

    variables: dict[str, Variable] = {}
    for q in questions.values():
        for v in _variables_of(q):
            if v.id in variables:
                raise _error(f"duplicate variable id {v.id}", f"questions.{q.id}", q.raw)
            variables[v.id] = v
    _check_unique([v.tl_header for v in variables.values() if v.kind != "derived"], "TL header")
    _check_unique([v.yg_name for v in variables.values() if v.kind != "derived"], "YouGov name")

    routes = _need(raw, "routes", "")
    breakdowns = {}
    raw_breakdowns = _need(raw, "breakdowns", "")
    for bid, b in raw_breakdowns.items():
        where = f"breakdowns.{bid}"
        if _need(b, "source", where) not in questions:
            raise _error(f"unknown source {b['source']}", f"{where}.source", b, "source")
        unknown_routes = [r for r in _need(b, "routes", where) if r not in routes]
        if unknown_routes:
            raise _error(f"unknown routes {unknown_routes}", f"{where}.routes", b, "routes")
        groups = {
            gid: (g["label"], tuple(int(c) for c in g["codes"]))
            for gid, g in _need(b, "groups", where).items()
        }
        breakdowns[bid] = Breakdown(bid, b["label"], b["source"], tuple(b["routes"]), groups)

    tables = _tables(_need(raw, "tables", ""), questions, variables, sections)
    exports = _need(raw, "exports", "")
    _check_exports(exports, routes)
    return Questionnaire(
        version=str(_need(raw, "version", "")),
        survey=_need(raw, "survey", ""),
        routes=routes,
        missing_codes={k: int(v) for k, v in _need(raw, "missing_codes", "").items()},
        base_rules=base_rules,
        scales=scales,
        breakdowns=breakdowns,
        questions=questions,
        variables=variables,
        tables=tables,
        exports=exports,
        analysis=_need(raw, "analysis", ""),
        quality=raw.get("quality") or {},
        platform_statistics=_platform_statistics(raw.get("platform_statistics"), exports),
        sections=sections,
        respondent_flags=_respondent_flags(
            raw.get("respondent_flags") or {}, variables, breakdowns
        ),
    )


def _sections(raw: dict) -> dict[str, Section]:
    """`sections: {<id>: {title, name}}`, in report order; names are snake_case and unique."""
    if not isinstance(raw, dict) or not raw:
        raise _error("needs at least one section: {<id>: {title, name}}", "sections", raw)
    sections: dict[str, Section] = {}
    for sid, spec in raw.items():
        where = f"sections.{sid}"
        if not SECTION_ID.match(str(sid)):
            raise _error("a section id is letters, digits and _ only", where, raw, sid)
        name = str(_need(spec, "name", where))
        if not NAME.match(name):
            raise _error("must be snake_case (a-z, 0-9, _)", f"{where}.name", spec, "name")
        if any(s.name == name for s in sections.values()):
            raise _error(f"name {name} used by two sections", f"{where}.name", spec, "name")
        sections[str(sid)] = Section(str(sid), name, str(_need(spec, "title", where)))
    return sections


def _respondent_flags(
    raw: dict, variables: dict[str, Variable], breakdowns: dict[str, Breakdown]
) -> dict[str, RespondentFlag]:
    """`respondent_flags: {<name>: {label, source | breakdown, value, true_when, null_when}}`.

    A flag reads one variable (`source`), or a breakdown's group (`value: group`); `true_when`
    is `{net: <net of the source's scale>}` or `{codes: [...]}`. Every name, variable, net and code
    is checked here, so a renamed question fails the load instead of leaving a null column.
    """
    if not isinstance(raw, dict):
        raise _error("must be a mapping of flag name to its spec", "respondent_flags", raw)
    taken = {
        *RESPONDENT_COLUMNS,
        *(v.id.lower() for v in variables.values() if v.kind == "demographic"),
        *(f"grp_{b}" for b in breakdowns),
    }
    flags: dict[str, RespondentFlag] = {}
    for name, spec in raw.items():
        where = f"respondent_flags.{name}"
        if not NAME.match(str(name)):
            raise _error("flag name must be snake_case (a-z, 0-9, _)", where, raw, name)
        if name in taken:
            raise _error("flag name is already a column of int_respondents", where, raw, name)
        value = spec.get("value", "flag") if isinstance(spec, dict) else None
        if value not in FLAG_VALUES:
            raise _error(f"value must be one of {list(FLAG_VALUES)}", f"{where}.value", spec)
        null_when = spec.get("null_when", "missing")
        if null_when not in FLAG_NULL_RULES:
            raise _error(
                f"null_when must be one of {list(FLAG_NULL_RULES)}", f"{where}.null_when", spec
            )
        label = str(_need(spec, "label", where))
        if value == "group":
            bid = _need(spec, "breakdown", where)
            if bid not in breakdowns:
                raise _error(f"unknown breakdown {bid}", f"{where}.breakdown", spec, "breakdown")
            flags[name] = RespondentFlag(name, label, value, breakdowns[bid].source, bid)
            continue
        source = _need(spec, "source", where)
        v = variables.get(source)
        if v is None:
            raise _error(f"unknown variable {source}", f"{where}.source", spec, "source")
        if v.scale is None:
            raise _error(f"variable {source} has no scale", f"{where}.source", spec, "source")
        true_codes: tuple[int, ...] = ()
        if value == "flag":
            true = _need(spec, "true_when", where)
            if isinstance(true, dict) and set(true) == {"net"}:
                if true["net"] not in v.scale.nets:
                    raise _error(
                        f"scale {v.scale.id} of {source} has no net {true['net']}",
                        f"{where}.true_when.net",
                        true,
                        "net",
                    )
                true_codes = v.scale.nets[true["net"]]
            elif isinstance(true, dict) and set(true) == {"codes"}:
                true_codes = tuple(int(c) for c in true["codes"])
                unknown = [c for c in true_codes if c not in v.scale.codes]
                if unknown or not true_codes:
                    raise _error(
                        f"codes {unknown} not in scale {v.scale.id} of {source}",
                        f"{where}.true_when.codes",
                        true,
                        "codes",
                    )
            else:
                raise _error(
                    "must be {net: <net>} or {codes: [...]}",
                    f"{where}.true_when",
                    spec,
                    "true_when",
                )
        flags[name] = RespondentFlag(name, label, value, source, None, true_codes, null_when)
    return flags


def _check_exports(exports: dict, routes: dict) -> None:
    """Each export source names a declared route and poll and a unique snake_case `id_prefix`
    (warehouse respondent ids are `<id_prefix>-<vendor id>`), and has a valid fieldwork."""
    prefixes: dict[str, str] = {}
    for sid, export in exports.items():
        where = f"exports.{sid}"
        route = _need(export, "route", where)
        if route not in routes:
            raise _error(f"unknown route {route}", f"{where}.route", export, "route")
        poll = _need(export, "poll", where)
        if poll not in (routes[route].get("polls") or {}):
            raise _error(f"route {route} has no poll {poll}", f"{where}.poll", export, "poll")
        prefix = str(_need(export, "id_prefix", where))
        if not NAME.match(prefix):
            raise _error("must be snake_case (a-z, 0-9, _)", f"{where}.id_prefix", export)
        if prefix in prefixes:
            raise _error(
                f"id_prefix {prefix} also used by {prefixes[prefix]}", f"{where}.id_prefix", export
            )
        prefixes[prefix] = sid
    _check_fieldwork(exports)


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
            raise _error(
                "needs start and end as YYYY-MM-DD", f"exports.{sid}.fieldwork", export
            ) from exc
        if end < start:
            raise _error("end before start", f"exports.{sid}.fieldwork", window)


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise QuestionnaireError(f"duplicate {what}: {v!r}")
        seen.add(v)


def _tables(
    raw_tables: dict, questions: dict, variables: dict, sections: dict[str, Section]
) -> dict[str, TableSpec]:
    """The supplementary tables, any number per section. A table's section is its `section:`
    key, else the section of the questions that feed it (which must then agree)."""
    tables: dict[str, TableSpec] = {}
    for tid, t in raw_tables.items():
        where = f"tables.{tid}"
        if _need(t, "kind", where) not in TABLE_KINDS:
            raise _error(f"unknown kind {t['kind']}", f"{where}.kind", t, "kind")
        explicit = tuple(t.get("questions", ()))
        mapped = [v for v in variables.values() if v.table == tid]
        table_vars = [v.id for v in mapped]
        for qid in explicit:
            if qid not in questions:
                raise _error(f"unknown question {qid}", f"{where}.questions", t, "questions")
            table_vars += [v.id for v in variables.values() if v.question_id == qid]
        if not table_vars:
            raise _error("no question feeds it", where, raw_tables, tid)
        qids = tuple(dict.fromkeys(variables[v].question_id for v in table_vars))
        fed_from = {questions[qid].section for qid in qids}
        section = t.get("section")
        if section is None and len(fed_from) > 1:
            raise _error(
                f"fed from sections {sorted(fed_from)}: name one with section:", where, raw_tables
            )
        section = str(section) if section is not None else next(iter(fed_from))
        if section not in sections:
            raise _error(f"section {section} is not declared", f"{where}.section", t, "section")
        tables[tid] = TableSpec(
            id=tid,
            section=section,
            title=_need(t, "title", where),
            kind=t["kind"],
            variables=tuple(dict.fromkeys(table_vars)),
            questions=qids,
        )
    for v in variables.values():
        if v.table and v.table not in tables:
            q = questions[v.question_id]
            raise _error(
                f"variable {v.id} maps to unknown table {v.table}", f"questions.{q.id}", q.raw
            )
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
    try:
        return parse_questionnaire(load_marked_yaml(path))
    except QuestionnaireError as exc:
        raise exc.in_file(path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise QuestionnaireError("not valid YAML", line=line, file=str(path)) from None
