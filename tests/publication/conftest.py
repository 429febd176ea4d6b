"""A small synthetic warehouse with the marts' interface, and one publication built from it.

The figures are random but shaped like `marts.fct_estimates`: every table variable, for every
route column (Total and each breakdown group), answer codes in the base summing to 100, nets,
status rows, bases (some below the small-base threshold) and significance flags. The `comments`
schema holds Table I1's sources, counted by the comments package from random codes, and quotes
that start like formulas.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from comments.codeframe import load_codeframe
from comments.counts import stance_counts, theme_counts
from comments.exclusion import exclusion_counts
from comments.quotes import SCHEMA as QUOTE_SCHEMA
from publication.chart_specs import CHARTS_FILE, ChartSet, load_chart_set
from publication.estimates import TOTAL, figure_columns
from publication.release import Release, publish_release
from survey.pack import DEFAULT_CONSULTATION, Consultation, current
from survey.questionnaire import Questionnaire, Variable, load_questionnaire
from survey.reference_tables import write_reference_tables
from tests.conftest import built_once
from tests.publication.ods_reader import read_ods

RESPONDENTS = {"talk_london": 1033, "polls": 1693}
# (route, poll, comments analysed, blank, without a suggestion)
COMMENTERS = [
    ("talk_london", "talk_london", 120, 30, 10),
    ("polls", "representative", 60, 25, 8),
    ("polls", "boost", 30, 12, 4),
]
QUOTES = [
    ("misconduct_accountability", 1, "talk_london", "=HYPERLINK(1) officers must answer for it."),
    ("misconduct_accountability", 2, "polls", "-- independent complaints, please."),
    ("drugs", 1, "polls", "+ more action on dealers."),
    ("station_closures", 1, "talk_london", "Reopen the front counters."),
]


def _categories(v: Variable, q: Questionnaire) -> list[tuple[str, str, str]]:
    """(kind, category, label) rows a variable has in fct_estimates, before statuses."""
    if v.kind == "open_text":
        return []
    if v.kind == "multi_option":
        return [("option", "1", v.item_label)]
    if v.kind == "ranking_item":
        return [("rank", str(c), label) for c, label in v.scale.codes.items()]
    excluded = set(q.base_rules[v.base_rule].exclude)
    return [
        ("code", str(c), label)
        for c, label in v.scale.codes.items()
        if q.missing_kind(c) not in excluded
    ]


def synthetic_estimates(q: Questionnaire, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, modal = [], []
    variables = [v for v in q.variables.values() if v.table]
    for column in figure_columns(q):
        total = column.breakdown == TOTAL
        for v in variables:
            base = int(RESPONDENTS[column.route] if total else rng.integers(20, 600))
            weighted = base * float(rng.uniform(0.8, 1.2))
            effective = base * 0.75
            common = {
                "variable_id": v.id,
                "question_id": v.question_id,
                "section": v.section,
                "table_id": v.table,
                "route": column.route,
                "breakdown": column.breakdown,
                "group_id": column.group_id,
                "group_label": column.group_label,
                "unweighted_base": base,
                "weighted_base": weighted if column.weighted else float(base),
                "effective_base": effective if column.weighted else float(base),
                "small_base": base < q.analysis["small_base_threshold"],
            }
            cats = _categories(v, q)
            shares = rng.dirichlet(np.ones(len(cats))) * 100 if cats else []
            if v.kind == "multi_option":
                shares = rng.uniform(5, 60, 1)
            pct = {}
            for order, ((kind, cat, label), share) in enumerate(zip(cats, shares, strict=True)):
                pct[cat] = float(share)
                rows.append(_row(common, kind, cat, label, order, share, rng, total))
            if v.scale and v.kind not in ("ranking_item", "multi_option"):
                for order, (net, members) in enumerate(v.scale.nets.items(), start=100):
                    share = sum(pct.get(str(c), 0.0) for c in members)
                    label = f"Net: {net.replace('_', ' ')}"
                    rows.append(_row(common, "net", net, label, order, share, rng, total))
            statuses = ("substantive", "no_suggestion", "skipped")
            for order, status in enumerate(statuses if v.kind == "open_text" else ("skipped",)):
                rows.append(
                    {
                        **common,
                        "category_kind": "status",
                        "category": status,
                        "category_label": status,
                        "sort_order": 200 + order,
                        "unweighted_count": int(rng.integers(0, 500)),
                        "weighted_count": None,
                        "pct": None,
                        "ci_lower": None,
                        "ci_upper": None,
                        "compared_with": None,
                        "compared_pct": None,
                        "diff_pts": None,
                        "z": None,
                        "significant": None,
                    }
                )
            if v.kind == "ranking_item":
                modal.append(
                    {
                        "variable_id": v.id,
                        "route": column.route,
                        "breakdown": column.breakdown,
                        "group_id": column.group_id,
                        "modal_rank": int(max(pct, key=pct.get)),
                    }
                )
    return pl.DataFrame(rows, infer_schema_length=None), pl.DataFrame(modal)


def _row(common: dict, kind: str, cat: str, label: str, order: int, share, rng, total: bool):
    tested = not total and rng.random() < 0.8
    z = float(rng.normal(0, 2)) if tested else None
    return {
        **common,
        "category_kind": kind,
        "category": cat,
        "category_label": label,
        "sort_order": order,
        "unweighted_count": round(common["unweighted_base"] * share / 100),
        "weighted_count": common["weighted_base"] * share / 100,
        "pct": float(share),
        "ci_lower": max(float(share) - 5, 0.0),
        "ci_upper": min(float(share) + 5, 100.0),
        "compared_with": None if total else "rest",
        "compared_pct": None,
        "diff_pts": None,
        "z": z,
        "significant": None if z is None or common["small_base"] else abs(z) >= 1.96,
    }


def synthetic_comment_tables(seed: int = 2) -> dict[str, pl.DataFrame]:
    """The `comments` tables publication reads, from random codes of `COMMENTERS`."""
    rng = np.random.default_rng(seed)
    codeframe = load_codeframe()
    drugs = codeframe.stance_theme
    coded, answers = [], []
    for route, poll, analysed, blank, without in COMMENTERS:
        for i in range(analysed):
            for theme in rng.choice(
                codeframe.theme_ids, size=int(rng.integers(1, 3)), replace=False
            ):
                stance = (
                    str(rng.choice([s.id for s in drugs.stances])) if theme == drugs.id else None
                )
                coded.append((f"{poll}-{i}", route, poll, str(theme), stance))
        texts = ["A suggestion."] * analysed + [None] * blank + ["No"] * without
        answers += [{"route": route, "poll": poll, "text": t} for t in texts]
    coded = pl.DataFrame(
        coded, schema=["respondent_id", "route", "poll", "theme_id", "stance"], orient="row"
    )
    agreement = pl.DataFrame(
        {
            "theme_id": list(codeframe.theme_ids),
            "dataset": "automatic",
            "comments": 500,
            "support": 40,
            "precision": 0.9,
            "recall": 0.9,
            "f1": 0.9,
            "kappa": 0.88,
            "codeframe_version": codeframe.version,
        }
    )
    return {
        "theme_counts": theme_counts(coded, codeframe),
        "exclusion_counts": exclusion_counts(pl.DataFrame(answers)),
        "stance_counts": stance_counts(coded, codeframe),
        "published_quotes": pl.DataFrame(QUOTES, schema=QUOTE_SCHEMA, orient="row"),
        "coder_agreement": agreement,
    }


def build_synthetic_warehouse(path: Path, q: Questionnaire) -> None:
    """The marts, weights, comments and raw tables publication reads, and the questionnaire's
    `ref` tables (as the questionnaire asset writes them)."""
    write_reference_tables(q, path)
    estimates, modal = synthetic_estimates(q)
    dim = pl.DataFrame(
        [
            {
                "variable_id": v.id,
                "question_id": v.question_id,
                "question_text": v.text,
                "item_label": v.item_label,
                "table_id": v.table,
                "table_title": q.tables[v.table].title if v.table else None,
            }
            for v in q.variables.values()
        ]
    )
    summary = pl.DataFrame(
        {
            "scope": ["combined", "representative", "boost"],
            "respondents": [1693, 1161, 532],
            "iterations": [12, 12, 12],
            "efficiency": [0.78, 0.85, 0.7],
            "effective_n": [1320.5, 986.9, 372.4],
        }
    )
    margins = pl.DataFrame(
        {
            "margin": ["gender", "gender"],
            "category": ["male", "female"],
            "target_share": [0.485, 0.515],
            "unweighted_share": [0.45, 0.55],
            "weighted_share": [0.485, 0.515],
        }
    )
    answers = pl.DataFrame({"respondent_id": ["tl-1", "tl-2"], "variable_id": ["A", "B"]})
    comments = {f"comments.{name}": frame for name, frame in synthetic_comment_tables().items()}
    ingest_log = pl.DataFrame(
        {
            "source_id": list(q.exports),
            "file_name": [f"{sid}_20220131.csv" for sid in q.exports],
            "sha256": [f"sha-{sid}" for sid in q.exports],
            "rows": [10] * len(q.exports),
            "export_date": [date(2022, 1, 31)] * len(q.exports),
            "loaded_at": [datetime(2022, 2, 1, tzinfo=UTC)] * len(q.exports),
        }
    )
    quarantine = pl.DataFrame(
        {"file_sha256": [f"sha-{next(iter(q.exports))}"], "reason": ["speeding"]}
    )
    respondents = pl.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(9 + 10 * (len(q.exports) - 1))],
            "poll": [e["poll"] for e in q.exports.values() for _ in range(10)][1:],
        }
    )
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create schema marts; create schema weights; create schema comments; "
            "create schema raw; create schema intermediate"
        )
        for name, frame in {
            "raw.ingest_log": ingest_log,
            "raw.quarantine": quarantine,
            "intermediate.int_respondents": respondents,
            "marts.fct_estimates": estimates,
            "marts.fct_modal_ranks": modal,
            "marts.dim_variables": dim,
            "marts.mart_section_overall_support": estimates.filter(pl.col("section") == "B"),
            "marts.prep_estimates": estimates.head(10),
            "marts.dim_respondents": answers,
            "marts.mart_weighting": summary,
            "marts.mart_weighting_margins": margins,
            "weights.weighting_summary": summary,
            "weights.poll_weights": answers,
            **comments,
        }.items():
            con.register("frame", frame)
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")


def tiny_warehouse(path: Path, rows: int) -> Path:
    """A warehouse with a `rows`-row fct_estimates and a respondent-level mart that must never be
    published."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_estimates as select range as unweighted_base, "
            f"'talk_london' as route, 12.5 as pct from range({rows})"
        )
        con.execute("create table marts.answers as select 'tl-1' as respondent_id, 'x' as code")
    return path


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture(scope="session")
def chart_set(questionnaire: Questionnaire) -> ChartSet:
    """The reference pack's charts (its charts.yaml)."""
    return load_chart_set(current(DEFAULT_CONSULTATION).file(CHARTS_FILE), questionnaire)


def pack_copy(folder: Path, charts: str | None = None) -> Consultation:
    """A copy of the reference pack in `folder`, with `charts` as its charts.yaml (None: no
    charts.yaml); every other file as in the reference pack."""
    shutil.copytree(current(DEFAULT_CONSULTATION).folder, folder)
    target = folder / CHARTS_FILE
    if charts is None:
        target.unlink()
    else:
        target.write_text(charts, encoding="utf-8")
    return Consultation(folder)


ONE_CHART = """charts:
  - id: B1.1
    title: Overall support for the priorities
    variables: [B_SUPPORT]
    stat: distribution
"""


@pytest.fixture(scope="session")
def one_chart_pack(tmp_path_factory: pytest.TempPathFactory) -> Consultation:
    """The reference pack with one chart: publications that test something else draw less."""
    return pack_copy(tmp_path_factory.mktemp("pack") / "one_chart", ONE_CHART)


@pytest.fixture(scope="session")
def synthetic_warehouse(shared_tmp: Path, questionnaire) -> Path:
    """The synthetic warehouse, built once per session (tests copy it before writing to it)."""

    def build(folder: Path) -> Path:
        build_synthetic_warehouse(folder / "warehouse.duckdb", questionnaire)
        (folder / "warehouse.duckdb").chmod(0o444)  # a test that forgets to copy it fails
        return folder / "warehouse.duckdb"

    return built_once(shared_tmp, "synthetic", build)


@pytest.fixture(scope="session")
def release(shared_tmp: Path, synthetic_warehouse: Path) -> Release:
    """One publication of the synthetic warehouse, built once per session and shared by the
    read-only tests."""

    def build(folder: Path) -> Release:
        outcome = publish_release(
            synthetic_warehouse, folder, run_id="first", extras=(_extra_file,)
        )
        assert outcome.state == "published", outcome.summary()
        return outcome.release

    return built_once(shared_tmp, "synthetic_release", build)


def _extra_file(con: duckdb.DuckDBPyConnection, folder: Path) -> Path:
    """Another writer's file for the release (as comments/publish.py writes one beside I1)."""
    path = folder / "extra.csv"
    path.write_text(f"tables\n{len(con.sql('show all tables').fetchall())}\n")
    return path


@pytest.fixture(scope="session")
def workbook(release: Release):
    import openpyxl

    return openpyxl.load_workbook(release.workbook)


@pytest.fixture(scope="session")
def ods(shared_tmp: Path, release: Release) -> dict[str, list[list]]:
    """The shared release's ODS edition, read once per session as `read_ods` reads it."""
    return built_once(shared_tmp, "synthetic_ods", lambda _: read_ods(release.ods))
