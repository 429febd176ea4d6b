"""A small hand-made warehouse, built once per session with one `dbt build`.

The answers are chosen so that every figure the tests check can be worked out by hand (the
tests write the arithmetic out). Files are written with the sample generator's writers and loaded
by the real `ingest` loader; the `ref` tables come from `survey.reference_tables`; the weights
tables (the weighting models' in the pipeline, dbt_project/models/weights) are made by hand here
and the build leaves those models out (`HAND_MADE_WEIGHTS`).

Talk London: 120 respondents, tl-1001 .. tl-1120 (index i = 0 .. 119)
- gender: i < 60 male, else female; age: i < 10 16-24 (a small base), else bands 25-34 .. 65+
  by i % 5; ethnicity: every 4th Asian, else White British; borough: odd i inner, even outer.
- B_SUPPORT: men 30 tend to support, 10 neither, 10 tend to oppose, 10 don't know; women 45
  strongly support, 5 strongly oppose, 5 neither, 5 don't know.
- the other tested variables are answered by the first few respondents only (blank for the rest).
Polls: rep-1 .. rep-6 (Representative) and boost-1 .. boost-4 (BAME Boost), hand-made weights.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingest import load_export_source
from sample_generator.respondents import BLANK
from sample_generator.writers import talk_london_rows, write_talk_london_csv, write_yougov_sav
from survey.questionnaire import load_questionnaire
from survey.reference_tables import write_reference_tables

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

TL_N = 120
MALE, FEMALE = 1, 2
DK, PNTS, NA = 98, 99, 97

# Poll respondents in file order: (respondent_id, weight, age in years, gender, ethnicity)
REPRESENTATIVE = [
    ("rep-1", 2.0, 16, MALE, 1),
    ("rep-2", 1.0, 24, MALE, 1),
    ("rep-3", 0.5, 25, MALE, 1),
    ("rep-4", 1.0, 64, FEMALE, 1),
    ("rep-5", 1.5, 65, FEMALE, 1),
    ("rep-6", 1.0, 90, FEMALE, 1),
]
BOOST = [
    ("boost-1", 0.5, 30, MALE, 10),  # Asian: Indian
    ("boost-2", 0.5, 40, MALE, 15),  # Black: African
    ("boost-3", 1.0, 50, FEMALE, 16),  # Black: Caribbean
    ("boost-4", 1.0, 60, FEMALE, 11),  # Asian: Pakistani
]
POLL_WEIGHTS = {rid: w for rid, w, *_ in REPRESENTATIVE + BOOST}
SUPPLIER_WEIGHTS = {rid: 0.8 + k / 10 for k, (rid, *_) in enumerate(REPRESENTATIVE + BOOST)}
POLL_B_SUPPORT = {
    "rep-1": 1,
    "rep-2": 4,
    "rep-3": DK,
    "rep-4": 2,
    "rep-5": 5,
    "rep-6": BLANK,
    "boost-1": 1,
    "boost-2": 3,
    "boost-3": 2,
    "boost-4": DK,
}
TL_COMMENTS = {
    0: "More police on the streets.",
    1: "No",
    2: "I don't know",
    3: "Nothing.",
    4: "Better street lighting!",
    5: "N/A!",
}


def _column(n: int, answers: dict[int, int]) -> np.ndarray:
    """A variable's codes: `answers` by respondent index, blank for everyone else."""
    codes = np.full(n, BLANK)
    for i, code in answers.items():
        codes[i] = code
    return codes


def talk_london_codes() -> dict[str, np.ndarray]:
    i = np.arange(TL_N)
    men_support = [2] * 30 + [3] * 10 + [4] * 10 + [DK] * 10
    women_support = [1] * 45 + [5] * 5 + [3] * 5 + [DK] * 5
    codes = {
        "GENDER": np.where(i < 60, MALE, FEMALE),
        "GENDER_IDENTITY": _column(TL_N, {0: PNTS, 1: 2} | {k: 1 for k in range(2, TL_N)}),
        "AGE_BAND": np.where(i < 10, 1, 2 + i % 5),
        "ETHNICITY": np.where(i % 4 == 0, 10, 1),
        "SEXUAL_ORIENTATION": np.full(TL_N, 1),
        "DISABILITY": np.full(TL_N, 3),
        "BOROUGH": np.where(i % 2 == 1, 1, 2),  # City of London (inner) / Barking (outer)
        "B_SUPPORT": np.array(men_support + women_support),
        "C_SAFE_DAY": _column(TL_N, {0: 1, 1: 2, 2: 3, 3: NA, 4: DK}),
        "F_REP_WOMEN": _column(TL_N, {0: 1, 1: DK, 2: 3, 3: DK}),
        "C_VICTIM_CRIME": _column(TL_N, {0: 1, 1: 2, 2: PNTS, 4: 1, 5: 2}),
        "C_REPORTED_CRIME": _column(TL_N, {0: 3, 4: 1}),
        "C_VICTIM_ASB": _column(TL_N, {0: 2, 1: 2, 2: 1}),
        "G_SAFEGUARD_CHILDREN": _column(TL_N, {0: 5, 1: 7, 2: 4, 3: 1, 4: DK}),
        # ranking: rows are respondents 0-2, columns the items in questionnaire order
        **{
            item: _column(TL_N, dict(enumerate(ranks)))
            for item, ranks in {
                "B_RANK_VIOLENCE": (1, 2, 1),
                "B_RANK_VICTIMS": (2, 1, 3),
                "B_RANK_TRUST": (3, 4, 2),
                "B_RANK_EXPLOITATION": (4, 3, 4),
            }.items()
        },
    }
    # multi-select D_VIOLENCE_BASIS: 0 picks options 1 and 3, 1 picks Don't know, 2 picks 3
    for option, chosen_by in {1: [0], 3: [0, 2], 98: [1]}.items():
        codes[f"D_VIOLENCE_BASIS_{option}"] = _column(TL_N, {k: 1 for k in chosen_by})
    return codes


def poll_codes(respondents: list[tuple]) -> tuple[dict[str, np.ndarray], list[str | None]]:
    q = load_questionnaire()
    n = len(respondents)
    codes = {v.id: np.full(n, BLANK) for v in q.exported_variables()}
    codes["GENDER"] = np.array([r[3] for r in respondents])
    codes["ETHNICITY"] = np.array([r[4] for r in respondents])
    codes["GENDER_IDENTITY"] = np.full(n, 1)
    codes["SEXUAL_ORIENTATION"] = np.full(n, 1)
    codes["DISABILITY"] = np.full(n, 3)
    codes["BOROUGH"] = np.array([1 if k % 2 else 2 for k in range(n)])
    codes["B_SUPPORT"] = np.array([POLL_B_SUPPORT[r[0]] for r in respondents])
    # The reader types a column nobody answered as Null, which the contract rejects: the last
    # respondent of each file (rep-6, boost-4) answers every variable the poll tests leave
    # blank (the first or second code of its scale, alternating so that the quarantine's
    # straight-lining rule does not take them; option 1 of a multi-select).
    for k, v in enumerate(q.exported_variables()):
        if v.id not in ("AGE_BAND", "B_SUPPORT") and v.kind != "open_text":
            first = 1 if v.kind == "multi_option" and v.option_code == 1 else 0
            scale_codes = sorted(c for c in v.scale.codes if c < 97)
            code = scale_codes[k % 2] if len(scale_codes) > 1 else scale_codes[0]
            codes[v.id][-1] = first if v.kind == "multi_option" else code
    comments = [
        {"rep-1": "More bobbies on the beat", "rep-2": "no.", "boost-1": "Tackle drugs"}.get(r[0])
        for r in respondents
    ]
    return codes, comments


def write_landing(landing: Path) -> None:
    q = load_questionnaire()
    start = datetime(2021, 12, 1, 9, 0)
    meta = [
        {
            "response_id": 1001 + i,
            "member_uid": f"M{1001 + i}",
            "time_started": start + timedelta(minutes=i),
            "date_submitted": start + timedelta(minutes=i + 10),
            "status": "Complete",
        }
        for i in range(TL_N)
    ]
    text = {"I_MISSING": [TL_COMMENTS.get(i) for i in range(TL_N)]}
    header, rows = talk_london_rows(q, meta, talk_london_codes(), text)
    write_talk_london_csv(landing / "talk_london_export_20220121.csv", header, rows)

    for source_id, stem, respondents in (
        ("yougov_representative", "yougov_representative_20211208", REPRESENTATIVE),
        ("yougov_bame_boost", "yougov_bame_boost_20211216", BOOST),
    ):
        codes, comments = poll_codes(respondents)
        times = [start + timedelta(hours=k) for k in range(len(respondents))]
        poll_meta = {
            "record": [int(r[0].split("-")[1]) for r in respondents],
            "start_time": times,
            "end_time": [t + timedelta(minutes=15) for t in times],
            "supplier_weight": [SUPPLIER_WEIGHTS[r[0]] for r in respondents],
        }
        write_yougov_sav(
            landing / f"{stem}.sav",
            q,
            source_id,
            poll_meta,
            codes,
            {"I_MISSING": comments},
            [r[2] for r in respondents],
            start,
        )


# The weighting models (and their tests) are left out: the marts read the hand-made weights.
HAND_MADE_WEIGHTS = ("--exclude", "path:models/weights")


def dbt_env(build: Path, target: Path) -> dict[str, str]:
    """The environment of a `dbt` subprocess that builds into `build` with its own target."""
    return dict(
        os.environ,
        SURVEY_BUILD_DIR=str(build),
        DBT_TARGET_PATH=str(target),
        DBT_LOG_PATH=str(target / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )


def write_weights(warehouse: Path) -> None:
    """What the weighting models write (here by hand): weights.poll_weights and diagnostics."""
    polls = [(rid, "representative") for rid, *_ in REPRESENTATIVE] + [
        (rid, "boost") for rid, *_ in BOOST
    ]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS weights")
        con.execute(
            "CREATE OR REPLACE TABLE weights.poll_weights (respondent_id VARCHAR, poll VARCHAR,"
            " weight DOUBLE, supplier_weight DOUBLE)"
        )
        con.executemany(
            "INSERT INTO weights.poll_weights VALUES (?, ?, ?, ?)",
            [(rid, poll, POLL_WEIGHTS[rid], SUPPLIER_WEIGHTS[rid]) for rid, poll in polls],
        )
        con.execute(
            "CREATE OR REPLACE TABLE weights.weighting_summary AS SELECT * FROM (VALUES"
            " ('combined', 10, 3, 0.00001, 0.5, 2.0, 0.8, 8.0, 10.0, 0.1, 0.4, 0.9),"
            " ('representative', 6, 3, 0.00001, 0.5, 2.0, 0.8, 4.8, 7.0, 0.1, 0.4, 0.9),"
            " ('boost', 4, 3, 0.00001, 0.5, 1.0, 0.9, 3.6, 3.0, 0.1, 0.3, 0.9))"
            " AS t(scope, respondents, iterations, max_margin_error, min_weight, max_weight,"
            " efficiency, effective_n, weight_sum, supplier_mean_abs_diff,"
            " supplier_max_abs_diff, supplier_correlation)"
        )
        con.execute(
            "CREATE OR REPLACE TABLE weights.weighting_margins AS SELECT * FROM (VALUES"
            " ('gender', 'male', 0.485, 0.5, 0.485), ('gender', 'female', 0.515, 0.5, 0.515))"
            " AS t(margin, category, target_share, unweighted_share, weighted_share)"
        )


@dataclass(frozen=True)
class Built:
    """The built warehouse and dbt's run results."""

    warehouse: Path
    results: list[dict]

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: list | None = None):
        rows = self.rows(sql, params)
        assert len(rows) == 1, f"expected one row, got {rows}"
        return rows[0] if len(rows[0]) > 1 else rows[0][0]

    def estimate(self, variable: str, route: str, kind: str, category: str, group="total"):
        """(unweighted_count, weighted_count, unweighted_base, weighted_base, effective_base,
        pct, small_base) of one fct_estimates row; `group` is 'total' or 'breakdown:group'."""
        breakdown, group_id = ("total", "total") if group == "total" else group.split(":")
        return self.one(
            "SELECT unweighted_count, weighted_count, unweighted_base, weighted_base,"
            " effective_base, pct, small_base FROM marts.fct_estimates WHERE variable_id = ?"
            " AND route = ? AND breakdown = ? AND group_id = ? AND category_kind = ?"
            " AND category = ?",
            [variable, route, breakdown, group_id, kind, category],
        )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("dbt_handmade")
    landing, build, target = root / "landing", root / "build", root / "target"
    landing.mkdir()
    warehouse = build / "warehouse.duckdb"
    write_landing(landing)
    for source_id in ("talk_london", "yougov_representative", "yougov_bame_boost"):
        load_export_source(source_id, landing, warehouse)
    write_reference_tables(load_questionnaire(), warehouse)
    write_weights(warehouse)

    env = dbt_env(build, target)
    dbt = str(Path(sys.executable).with_name("dbt"))
    project = ("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR))
    done = subprocess.run(
        [dbt, "--quiet", "build", *project, *HAND_MADE_WEIGHTS],
        env=env,
        capture_output=True,
        text=True,
    )
    results_file = target / "run_results.json"
    if not results_file.exists():
        pytest.fail(f"dbt build did not run:\n{done.stdout}\n{done.stderr}")
    results = json.loads(results_file.read_text())["results"]
    return Built(warehouse, results)
