"""Print the largest differences from R of the stored reference (the numbers the tests bound).

.venv/bin/python tests/reference_r/agreement.py
"""

import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "survey"))
import test_reference_r as ref  # noqa: E402

tests = ref.tests_vs_r.__wrapped__()
intervals = ref.intervals_vs_r.__wrapped__()
f = tests.filter(pl.col("r_p_f").is_not_null())
i = intervals.filter(pl.col("r_logit_lower").is_not_null())
r = ref._read("r_rake.csv")
print(f"Rao-Scott F tests: {f.height}, max |p - R| = {np.abs(f['p_f'] - f['r_p_f']).max():.2e}")
x = tests.filter(pl.col("r_p_x2").is_not_null())
print(f"Pearson tests: {x.height}, max |p - R| = {np.abs(x['p_x2'] - x['r_p_x2']).max():.2e}")
lo = np.maximum(np.abs(i["lower"] - i["r_logit_lower"]), np.abs(i["upper"] - i["r_logit_upper"]))
print(f"logit intervals: {i.height}, max |bound - R| = {lo.max():.2e}")
wi = np.maximum(
    np.abs(i["w_lower"] - i["r_wilson_lower"]), np.abs(i["w_upper"] - i["r_wilson_upper"])
)
print(f"Wilson intervals: {i.height}, max |bound - R| = {wi.max():.2e}")
for s in ("rake_build", "rake_synthetic"):
    ours = ref._rake_stored(s)
    rw = r.filter(pl.col("sample") == s)["r_weight"].to_numpy()
    print(f"{s}: {len(rw)} weights, max |w - R| = {np.abs(ours / ours.mean() - rw).max():.2e}")
stored = ref._read("rake_build.csv")["weight"].to_numpy()
rw = r.filter(pl.col("sample") == "rake_build")["r_weight"].to_numpy()
gap = np.abs(stored / stored.mean() - rw).max()
print(f"pipeline's weights (sample build): max |w - R| = {gap:.2e}")

# The pipeline's marts of a sample build (default build/warehouse.duckdb) against the same cases
if len(sys.argv) > 1:
    import duckdb

    with duckdb.connect(sys.argv[1], read_only=True) as con:
        sig = con.sql("select * from marts.fct_significance").pl()
        est = con.sql("select * from marts.fct_estimates").pl()
    key = ["route", "variable_id", "category_kind", "category"]
    ind = ref._read("indicators.csv").with_columns(pl.col("category").cast(pl.String))
    t = (
        ref._read("cases_tests.csv")
        .join(ref._read("r_tests.csv"), on="case")
        .join(ind, on=["sample", "y_column"])
        .join(sig, on=["comparison_id", *key])
    )
    r_p = pl.when(pl.col("route") == "polls").then("r_p_f").otherwise("r_p_x2")
    t = t.with_columns(r_p.alias("r_p")).filter(pl.col("r_p").is_not_null())
    print(f"marts tests: {t.height}, max |p - R| = {np.abs(t['p_value'] - t['r_p']).max():.2e}")
    e = (
        ref._read("cases_intervals.csv")
        .join(ref._read("r_intervals.csv"), on="case")
        .join(ind, on=["sample", "y_column"])
        .join(est, on=["breakdown", "group_id", *key])
        .filter(pl.col("r_logit_lower").is_not_null())
    )
    polls = pl.col("route") == "polls"
    e = e.with_columns(
        pl.when(polls).then("r_logit_lower").otherwise("r_wilson_lower").alias("r_lo"),
        pl.when(polls).then("r_logit_upper").otherwise("r_wilson_upper").alias("r_hi"),
    )
    gap = np.maximum(
        np.abs(e["ci_lower"] / 100 - e["r_lo"]), np.abs(e["ci_upper"] / 100 - e["r_hi"])
    )
    print(f"marts intervals: {e.height}, max |bound - R| = {gap.max():.2e}")
