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
