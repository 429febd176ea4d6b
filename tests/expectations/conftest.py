"""A small warehouse that meets every gate, built in memory from the real questionnaire.

Twelve respondents (six Talk London, four Representative, two Boost) answer a default-rule, an
include_dk, an exclude_na and a multi-select include_dk question and leave a comment; the marts
hold their estimates for the route totals and the gender groups, computed here the plain way.
Tests tamper a table with SQL and expect exactly one gate to fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime

import duckdb
import polars as pl
import pytest

from expectations.settings import GateSettings
from survey.questionnaire import Variable, load_questionnaire

POLLS = {"talk_london": ("talk_london", 6), "representative": ("polls", 4), "boost": ("polls", 2)}
PREFIXES = {"talk_london": "tl", "representative": "rep", "boost": "boost"}
RESPONDENTS = [
    (f"{PREFIXES[poll]}-90000{i}", route, poll)
    for poll, (route, n) in POLLS.items()
    for i in range(1, n + 1)
]
POLL_WEIGHTS = [0.5, 1.5, 1.2, 0.8, 1.0, 1.0]  # the poll respondents', in order; mean 1
COMMENT = "SECRET COMMENT"
# intermediate.int_responses as dbt builds it (route and poll are the respondent's)
RESPONSE_COLUMNS = ("respondent_id", "variable_id", "code", "text", "status", "in_base")
# Variable (or multi-select question) -> one code per respondent (None: skipped); for the
# multi-select question, the option selected.
ANSWERS = {
    "B_SUPPORT": [1, 2, 98, 99, None, 1, 2, 3, 98, 4, 5, 1],
    "F_REP_WOMEN": [1, 98, 2, 99, 3, 98, 98, 1, 2, 4, None, 98],
    "C_SAFE_DAY": [1, 97, 2, 98, 3, 4, 97, 1, 2, 99, 3, 97],
    "D_VIOLENCE_BASIS": [1, 98, None, 3, 1, 98, 1, 98, None, 3, 98, 1],
}


# One export file per poll, each with one row more than its respondents: that row quarantined.
SOURCES = {"talk_london": "talk_london", "yougov_representative": "representative"}
SOURCES |= {"yougov_bame_boost": "boost"}


@pytest.fixture
def settings() -> GateSettings:
    return dataclasses.replace(
        GateSettings.from_project(),
        polls={poll: route for poll, (route, _) in POLLS.items()},
        sources=SOURCES,
    )


@pytest.fixture
def raw_values() -> list[str]:
    """What no validation result may hold: the respondent ids and the comment text."""
    return [COMMENT, *(respondent_id for respondent_id, _, _ in RESPONDENTS)]


@pytest.fixture
def warehouse(settings: GateSettings) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for name, frame in _tables(settings).items():
        schema = name.split(".")[0]
        con.execute(f"create schema if not exists {schema}")
        con.register("frame", frame)
        con.execute(f"create table {name} as select * from frame")
        con.unregister("frame")
    con.execute("create table marts.mart_sections as select * from marts.fct_estimates")
    con.execute(
        "create table marts.mart_weighting_margins as select margin, category, "
        "100 * (weighted_share - target_share) as weighted_diff_pts from weights.weighting_margins"
    )
    yield con
    con.close()


def _tables(settings: GateSettings) -> dict[str, pl.DataFrame]:
    polls = [r for r in RESPONDENTS if r[1] == "polls"]
    weights = pl.DataFrame(
        {
            "respondent_id": [r[0] for r in polls],
            "poll": [r[2] for r in polls],
            "weight": POLL_WEIGHTS,
            "supplier_weight": [1.0] * len(polls),
        }
    )
    respondents = pl.DataFrame(
        {
            "respondent_id": [r[0] for r in RESPONDENTS],
            "route": [r[1] for r in RESPONDENTS],
            "poll": [r[2] for r in RESPONDENTS],
            **{f"grp_{b}": [None] * len(RESPONDENTS) for b in load_questionnaire().breakdowns},
        },
        schema_overrides={f"grp_{b}": pl.String for b in load_questionnaire().breakdowns},
    ).with_columns(grp_gender=pl.Series(["male", "female"] * (len(RESPONDENTS) // 2)))
    responses = pl.DataFrame(_responses(), infer_schema_length=None)
    estimates = _estimates(
        responses.join(respondents.select("respondent_id", "grp_gender"), on="respondent_id")
        .join(weights.select("respondent_id", "weight"), on="respondent_id", how="left")
        .with_columns(pl.col("weight").fill_null(1.0)),
        settings.small_base_threshold,
    )
    w = weights["weight"]
    summary = pl.DataFrame(
        {
            "scope": ["combined"],
            "respondents": [w.len()],
            "weight_sum": [w.sum()],
            "efficiency": [w.sum() ** 2 / (w.len() * (w**2).sum())],
            "max_margin_error": [0.00005],
        }
    )
    ingest_log = pl.DataFrame(
        {
            "source_id": list(SOURCES),
            "file_name": [f"{source}_20220121.csv" for source in SOURCES],
            "sha256": [f"sha-{source}" for source in SOURCES],
            "rows": [POLLS[poll][1] + 1 for poll in SOURCES.values()],
            "export_date": [date(2022, 1, 21)] * len(SOURCES),
            "loaded_at": [datetime(2022, 1, 22, tzinfo=UTC)] * len(SOURCES),
        }
    )
    quarantine = pl.DataFrame(
        {
            "source_id": list(SOURCES),
            "file_sha256": [f"sha-{source}" for source in SOURCES],
            "reason": ["speeding"] * len(SOURCES),
        }
    )
    return {
        "raw.ingest_log": ingest_log,
        "raw.quarantine": quarantine,
        "intermediate.int_respondents": respondents,
        "intermediate.int_responses": responses.select(RESPONSE_COLUMNS),
        "marts.fct_estimates": estimates,
        "marts.fct_modal_ranks": pl.DataFrame(
            {"modal_pct": [50.0], "pct_ranked_first": [25.0], "unweighted_base": [8]}
        ).with_columns(small_base=pl.col("unweighted_base") < settings.small_base_threshold),
        "marts.mart_weighting": summary,
        "weights.poll_weights": weights,
        "weights.weighting_summary": summary,
        "weights.weighting_margins": pl.DataFrame(
            {
                "margin": ["gender", "gender"],
                "category": ["male", "female"],
                "target_share": [0.485, 0.515],
                "unweighted_share": [0.5, 0.5],
                "weighted_share": [0.48505, 0.51495],
            }
        ),
    }


def _responses() -> list[dict]:
    q = load_questionnaire()
    kinds = {code: kind for kind, code in q.missing_codes.items()}
    rows = []
    for key, answers in ANSWERS.items():
        for v in (v for v in q.variables.values() if key in (v.id, v.question_id)):
            for respondent, answer in zip(RESPONDENTS, answers, strict=True):
                status = "skipped" if answer is None else kinds.get(answer, "answered")
                code = answer
                if v.kind == "multi_option":
                    status = "dont_know" if answer == 98 else status
                    code = None if answer is None else int(answer == v.option_code)
                rows.append(_response(respondent, v, code, status))
    for i, respondent in enumerate(RESPONDENTS):
        text = f"{COMMENT} {respondent[0]}" if i % 2 else None
        status = "answered" if text else "skipped"
        rows.append(_response(respondent, q.variables["I_MISSING"], None, status, text))
    return rows


def _response(respondent, v: Variable, code, status: str, text: str | None = None) -> dict:
    rid, route, poll = respondent
    excluded = load_questionnaire().base_rules[v.base_rule].exclude
    return {
        "respondent_id": rid,
        "route": route,
        "poll": poll,
        "variable_id": v.id,
        "code": code,
        "text": text,
        "status": status,
        "in_base": status != "not_asked" and status not in excluded,
        "base_rule": v.base_rule,
    }


def _estimates(responses: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Code / option rows share out the base, status rows everyone; per route total and gender
    group, weighted (Talk London weight 1)."""
    q = load_questionnaire()
    cells = pl.concat(
        [
            responses.with_columns(breakdown=pl.lit("total"), group_id=pl.lit("total")),
            responses.with_columns(breakdown=pl.lit("gender"), group_id=pl.col("grp_gender")),
        ],
        how="diagonal",
    )
    rows = []
    for (vid, route, breakdown, group_id), cell in cells.group_by(
        "variable_id", "route", "breakdown", "group_id"
    ):
        v = q.variables[vid]
        base = cell.filter("in_base")
        for kind, category, counted in _categories(v, base):
            rows.append(_estimate(v, route, breakdown, group_id, kind, category, counted, base))
        for status in cell["status"].unique():
            counted = cell.filter(pl.col("status") == status)
            rows.append(_estimate(v, route, breakdown, group_id, "status", status, counted, cell))
    return pl.DataFrame(rows).with_columns(small_base=pl.col("unweighted_base") < threshold)


def _categories(v: Variable, base: pl.DataFrame) -> list[tuple[str, str, pl.DataFrame]]:
    q = load_questionnaire()
    if v.kind == "multi_option":
        return [("option", "1", base.filter(pl.col("code") == 1))]
    if v.scale is None:
        return []
    excluded = q.base_rules[v.base_rule].exclude
    codes = [
        ("code", str(c), base.filter(pl.col("code") == c))
        for c in v.scale.codes
        if q.missing_kind(c) not in excluded
    ]
    nets = [
        ("net", net, base.filter(pl.col("code").is_in(list(members))))
        for net, members in v.scale.nets.items()
    ]
    return codes + nets


def _estimate(v, route, breakdown, group_id, kind, category, counted, of) -> dict:
    weighted_base = of["weight"].sum()
    return {
        "variable_id": v.id,
        "section": v.section,
        "route": route,
        "breakdown": breakdown,
        "group_id": group_id,
        "category_kind": kind,
        "category": category,
        "unweighted_count": counted.height,
        "weighted_count": counted["weight"].sum(),
        "unweighted_base": of.height,
        "weighted_base": weighted_base,
        "pct": 100 * counted["weight"].sum() / weighted_base if of.height else None,
    }
