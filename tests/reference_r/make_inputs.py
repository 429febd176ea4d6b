"""Write the inputs of `reference.R`: respondent-level samples and the cases R computes.

Run from the repository root against a sample build (`make run`):

    .venv/bin/python tests/reference_r/make_inputs.py build/warehouse.duckdb
    Rscript tests/reference_r/reference.R tests/reference_r

Samples (one CSV of respondents each, no ids: row numbers only; the bundled sample is synthetic):
- build_polls / build_talk_london: the sample build's poll (weighted, the pipeline's weights) and
  Talk London respondents, breakdown groups, and 0/1 indicators of sampled categories
  (empty outside the variable's base);
- synthetic: 240 made-up respondents with log-normal weights, three groups (one of 12) and
  indicators chosen to hit the edge cases (a share of 0 or 1, an empty cell in one group);
- rake_build / rake_synthetic: margin categories for raking, with the targets in rake_targets.csv.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from survey.poll_weights import build_margins, load_weighting_scheme
from survey.questionnaire import load_questionnaire

HERE = Path(__file__).resolve().parent
SEED = 20261203
INDICATORS_PER_ROUTE = 24


def _indicators(con, route: str, rng) -> pl.DataFrame:
    rows = con.sql(
        f"""
        select distinct variable_id, category_kind, category from intermediate.int_estimates
        where route = '{route}' and breakdown = 'total' and unweighted_base >= 50
          and category_kind in ('code', 'net', 'rank', 'option')
          and unweighted_count between 1 and unweighted_base - 1
        order by all
        """
    ).pl()
    pick = np.sort(rng.choice(rows.height, INDICATORS_PER_ROUTE, replace=False))
    return rows[pick].with_columns(pl.Series("y_column", [f"y{i + 1}" for i in range(len(pick))]))


def _respondents(con, route: str, indicators: pl.DataFrame, groups: list[str]) -> pl.DataFrame:
    frame = con.sql(
        f"select respondent_id, weight, {', '.join(groups)}"
        f" from intermediate.int_weighted_respondents where route = '{route}'"
        " order by respondent_id"
    ).pl()
    for ind in indicators.iter_rows(named=True):
        if ind["category_kind"] == "net":
            hit = (
                "code in (select n.code from ref.nets n join ref.variables v on n.scale = v.scale"
                f" where v.variable_id = '{ind['variable_id']}' and n.net = '{ind['category']}')"
            )
        else:
            hit = f"code::varchar = '{ind['category']}'"
        y = con.sql(
            f"""
            select respondent_id, case when in_base then ({hit})::int end as {ind["y_column"]}
            from intermediate.int_responses
            inner join intermediate.int_respondents using (respondent_id)
            where variable_id = '{ind["variable_id"]}' and route = '{route}'
            """
        ).pl()
        frame = frame.join(y, on="respondent_id", how="left")
    return frame.drop("respondent_id").with_row_index("row", offset=1)


def build_samples(con) -> tuple[list, list, list]:
    rng = np.random.default_rng(SEED)
    comparisons = con.sql("select * from ref.comparisons order by position").pl()
    indicators, tests, intervals = [], [], []
    for route, sample in (("polls", "build_polls"), ("talk_london", "build_talk_london")):
        comps = comparisons.filter(pl.col("route") == route)
        groups = sorted({f"grp_{b}" for b in comps["breakdown"]})
        ind = _indicators(con, route, rng)
        _respondents(con, route, ind, groups).write_csv(HERE / f"{sample}.csv")
        indicators.append(ind.with_columns(sample=pl.lit(sample), route=pl.lit(route)))
        for y in ind["y_column"]:
            for c in comps.iter_rows(named=True):
                tests.append(
                    (
                        sample,
                        y,
                        c["breakdown"],
                        c["group_id"],
                        c["compared_with"],
                        c["comparison_id"],
                    )
                )
            intervals.append((sample, y, "total", "total"))
            for b in groups:
                for (g,) in con.sql(
                    f"select distinct {b} from intermediate.int_weighted_respondents"
                    f" where route = '{route}' and {b} is not null order by 1"
                ).fetchall():
                    intervals.append((sample, y, b[4:], g))
    return indicators, tests, intervals


def synthetic_sample() -> tuple[list, list]:
    rng = np.random.default_rng(SEED + 1)
    n = 240
    group = np.where(np.arange(n) < 12, "c", np.where(rng.random(n) < 0.55, "a", "b"))
    weight = np.round(np.exp(rng.normal(0, 0.6, n)), 6)
    frame = pl.DataFrame({"row": np.arange(1, n + 1), "weight": weight, "grp_synth": group})
    ys = {
        "y1": (rng.random(n) < 0.35).astype(float),  # ordinary
        "y2": (rng.random(n) < 0.04).astype(float),  # rare
        "y3": np.where(group == "c", 1.0, (rng.random(n) < 0.5)),  # all of group c
        "y4": np.where(group == "a", 0.0, (rng.random(n) < 0.3)),  # none of group a
        "y5": np.where(rng.random(n) < 0.3, np.nan, (rng.random(n) < 0.6)),  # a base
    }
    for name, values in ys.items():
        frame = frame.with_columns(pl.Series(name, values).fill_nan(None).cast(pl.Int64))
    frame.write_csv(HERE / "synthetic.csv")
    tests, intervals = [], []
    for y in ys:
        for g1, g2 in (("a", "b"), ("a", "rest"), ("c", "rest"), ("c", "b")):
            tests.append(("synthetic", y, "synth", g1, g2, f"synth:{g1}_vs_{g2}"))
        intervals.append(("synthetic", y, "total", "total"))
        for g in "abc":
            intervals.append(("synthetic", y, "synth", g))
    return tests, intervals


def rake_samples(con) -> None:
    q = load_questionnaire()
    scheme = load_weighting_scheme()
    resp = con.sql(
        "select * from intermediate.int_respondents where route = 'polls' order by respondent_id"
    ).pl()
    profile = {
        q.breakdowns[m["breakdown"]].source: resp[q.breakdowns[m["breakdown"]].source.lower()]
        .fill_null(-1)
        .to_numpy()
        for m in scheme.margins.values()
    }
    margins = build_margins(profile, q, scheme)
    weights = con.sql(
        "select w.weight from weights.poll_weights w join intermediate.int_respondents r "
        "using (respondent_id) where r.route = 'polls' order by respondent_id"
    ).fetchnumpy()["weight"]
    targets = []
    frame = {"row": np.arange(1, len(weights) + 1)}
    for m in margins:
        labels = list(scheme.margins[m.name]["targets"]) + ["not_targeted"]
        frame[m.name] = np.array(labels)[m.category]
        targets += [("rake_build", m.name, labels[i], float(t)) for i, t in enumerate(m.targets)]
    frame["weight"] = weights
    pl.DataFrame(frame).write_csv(HERE / "rake_build.csv")

    rng = np.random.default_rng(SEED + 2)
    n = 500
    synth = {"row": np.arange(1, n + 1)}
    for name, probs, goal in (
        ("m1", [0.6, 0.4], [0.45, 0.55]),
        ("m2", [0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]),
        ("m3", [0.7, 0.2, 0.1], [0.5, 0.3, 0.2]),
    ):
        synth[name] = np.array([f"k{i}" for i in range(len(probs))])[
            rng.choice(len(probs), n, p=probs)
        ]
        targets += [("rake_synthetic", name, f"k{i}", t) for i, t in enumerate(goal)]
    pl.DataFrame(synth).write_csv(HERE / "rake_synthetic.csv")
    pl.DataFrame(
        targets, schema=["sample", "margin", "category", "target"], orient="row"
    ).write_csv(HERE / "rake_targets.csv")


def main(warehouse: str) -> None:
    with duckdb.connect(warehouse, read_only=True) as con:
        indicators, tests, intervals = build_samples(con)
        rake_samples(con)
    synth_tests, synth_intervals = synthetic_sample()
    pl.concat(indicators).select(
        "sample", "y_column", "route", "variable_id", "category_kind", "category"
    ).write_csv(HERE / "indicators.csv")
    test_cols = ["sample", "y_column", "breakdown", "group_id", "compared_with", "comparison_id"]
    pl.DataFrame(tests + synth_tests, schema=test_cols, orient="row").with_row_index(
        "case", offset=1
    ).write_csv(HERE / "cases_tests.csv")
    interval_cols = ["sample", "y_column", "breakdown", "group_id"]
    pl.DataFrame(intervals + synth_intervals, schema=interval_cols, orient="row").with_row_index(
        "case", offset=1
    ).write_csv(HERE / "cases_intervals.csv")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/warehouse.duckdb")
