"""Agreement with R `survey` on stored numbers (tests/reference_r: inputs, R script, R output).

R is never called: `reference.R` was run once on the stored inputs and its output is stored.
Samples: the sample build's polls (weighted with the pipeline's weights) and Talk London, a
synthetic sample with log-normal weights and edge cases, and two raking problems.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from survey.design_stats import (
    logit_interval,
    pearson_test,
    rao_scott_f_test,
    wilson_interval,
)
from survey.poll_weights import load_weighting_scheme
from survey.weighting import Margin, rake

REFERENCE = Path(__file__).resolve().parents[1] / "reference_r"
WEIGHTED_SAMPLES = {"build_polls", "synthetic"}


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(REFERENCE / name, infer_schema_length=None, null_values=["NA"])


def _samples() -> dict[str, pl.DataFrame]:
    return {s: _read(f"{s}.csv") for s in ("build_polls", "build_talk_london", "synthetic")}


def _sums(y: np.ndarray, w: np.ndarray, mask: np.ndarray) -> tuple:
    """count, base, sum w (category), sum w (base), sum w^2 (category), sum w^2 (base)."""
    m = mask & ~np.isnan(y)
    hit = m & (y == 1)
    return (hit.sum(), m.sum(), w[hit].sum(), w[m].sum(), (w[hit] ** 2).sum(), (w[m] ** 2).sum())


def _test_sums(samples, case) -> tuple:
    d = samples[case["sample"]]
    y = d[case["y_column"]].cast(pl.Float64).fill_null(np.nan).to_numpy()
    w = d["weight"].to_numpy()
    grp = d[f"grp_{case['breakdown']}"].fill_null("").to_numpy()
    g1 = grp == case["group_id"]
    g2 = ~g1 if case["compared_with"] == "rest" else grp == case["compared_with"]
    return _sums(y, w, g1) + _sums(y, w, g2)


@pytest.fixture(scope="module")
def tests_vs_r() -> pl.DataFrame:
    samples = _samples()
    cases = _read("cases_tests.csv").join(_read("r_tests.csv"), on="case")
    sums = np.array([_test_sums(samples, c) for c in cases.iter_rows(named=True)], dtype=float).T
    f, _, ddf, p_f = rao_scott_f_test(*sums)
    x2, p_x2 = pearson_test(sums[0], sums[1], sums[6], sums[7])
    return cases.with_columns(
        pl.Series("f", f),
        pl.Series("ddf", ddf),
        pl.Series("p_f", p_f),
        pl.Series("p_x2", p_x2),
        pl.Series("n_ours", sums[1] + sums[7]),
    )


def test_the_reference_covers_several_samples_and_the_edge_cases(tests_vs_r):
    counts = dict(tests_vs_r.group_by("sample").len().iter_rows())
    assert counts["build_polls"] >= 300 and counts["build_talk_london"] >= 300
    assert counts["synthetic"] == 20
    # R has no test where a side is empty or the category is empty or everything: neither do we
    undefined = tests_vs_r.filter(pl.col("r_p_f").is_null())
    assert undefined.height > 0 and undefined["p_f"].is_nan().all()
    assert (tests_vs_r["n"] == tests_vs_r["n_ours"]).all()


def test_rao_scott_f_p_values_equal_r_svychisq(tests_vs_r):
    both = tests_vs_r.filter(pl.col("r_p_f").is_not_null())
    assert both.height >= 800
    assert np.abs(both["p_f"] - both["r_p_f"]).max() < 1e-9
    assert np.allclose(both["f"], both["r_f"], rtol=1e-9, atol=1e-12)
    assert (both["ddf"] == both["r_ddf"]).all()


def test_pearson_chi_square_p_values_equal_r_chisq_test(tests_vs_r):
    both = tests_vs_r.filter(pl.col("r_p_x2").is_not_null())
    assert np.abs(both["p_x2"] - both["r_p_x2"]).max() < 1e-9


@pytest.fixture(scope="module")
def intervals_vs_r() -> pl.DataFrame:
    samples = _samples()
    cases = _read("cases_intervals.csv").join(_read("r_intervals.csv"), on="case")
    rows = []
    for c in cases.iter_rows(named=True):
        d = samples[c["sample"]]
        y = d[c["y_column"]].cast(pl.Float64).fill_null(np.nan).to_numpy()
        mask = np.ones(d.height, dtype=bool)
        if c["breakdown"] != "total":
            mask = d[f"grp_{c['breakdown']}"].fill_null("").to_numpy() == c["group_id"]
        rows.append(_sums(y, d["weight"].to_numpy(), mask))
    s = np.array(rows, dtype=float).T
    lo, hi = logit_interval(*s)
    w_lo, w_hi = wilson_interval(s[0], s[1])
    return cases.with_columns(
        pl.Series("lower", lo),
        pl.Series("upper", hi),
        pl.Series("w_lower", w_lo),
        pl.Series("w_upper", w_hi),
        pl.Series("share", s[2] / s[3]),
    )


def test_logit_intervals_equal_r_svyciprop(intervals_vs_r):
    both = intervals_vs_r.filter(pl.col("r_logit_lower").is_not_null())
    assert both.height >= 1000
    # R takes the share from a glm fitted to its default convergence (1e-8 in deviance)
    assert np.abs(both["share"] - both["r_estimate"]).max() < 1e-8
    diff = np.maximum(
        np.abs(both["lower"] - both["r_logit_lower"]), np.abs(both["upper"] - both["r_logit_upper"])
    )
    assert diff.max() < 1e-6
    # a share of 0 or 1 (synthetic groups): R's fit does not converge and returns the point
    edge = both.filter((pl.col("share") == 0) | (pl.col("share") == 1))
    assert edge.height >= 2


def test_wilson_intervals_equal_r_prop_test(intervals_vs_r):
    both = intervals_vs_r.filter(pl.col("r_wilson_lower").is_not_null())
    diff = np.maximum(
        np.abs(both["w_lower"] - both["r_wilson_lower"]),
        np.abs(both["w_upper"] - both["r_wilson_upper"]),
    )
    assert diff.max() < 1e-12


def _rake_stored(sample: str) -> np.ndarray:
    d = _read(f"{sample}.csv")
    targets = _read("rake_targets.csv").filter(pl.col("sample") == sample)
    margins = []
    for (name,), t in targets.group_by("margin", maintain_order=True):
        labels = t["category"].to_list()
        category = np.array([labels.index(v) for v in d[name].to_list()])
        margins.append(Margin(name, category, t["target"].to_numpy()))
    settings = load_weighting_scheme().settings
    cap = tuple(settings["cap"]) if sample == "rake_build" else None  # R rake has no cap
    return rake(margins, tolerance=settings["convergence"], cap=cap).weights


@pytest.mark.parametrize("sample", ["rake_build", "rake_synthetic"])
def test_raking_equals_r_survey_rake(sample):
    r = _read("r_rake.csv").filter(pl.col("sample") == sample)["r_weight"].to_numpy()
    ours = _rake_stored(sample)
    assert np.abs(ours / ours.mean() - r).max() < 1e-8


def test_the_sample_builds_poll_weights_equal_r():
    """The weights the pipeline wrote (stored with the inputs) against R's rake."""
    stored = _read("rake_build.csv")["weight"].to_numpy()
    r = _read("r_rake.csv").filter(pl.col("sample") == "rake_build")["r_weight"].to_numpy()
    assert np.abs(stored / stored.mean() - r).max() < 1e-8
