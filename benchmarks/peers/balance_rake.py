"""Rake with balance (Meta), run by the python of its own venv: python balance_rake.py IN OUT.

IN (.npz): `categories` (respondents x margins, int), `names`, one `targets_<name>` per margin
(shares per category), `tolerance`, `repeats`. The target frame is the cross product of the
categories weighted by the product of the shares, so each margin of it is its target exactly.
OUT (.npz): `weights` (last run) and `seconds` (each run of `rake`).
"""

import itertools
import sys
import time

import numpy as np
import pandas as pd
from balance.weighting_methods.rake import rake


def main(src: str, dst: str) -> None:
    data = np.load(src)
    names = [str(n) for n in data["names"]]
    sample = pd.DataFrame({n: data["categories"][:, i].astype(str) for i, n in enumerate(names)})
    targets = [data[f"targets_{n}"] for n in names]
    cells = list(itertools.product(*(range(len(t)) for t in targets)))
    target = pd.DataFrame({n: [str(c[i]) for c in cells] for i, n in enumerate(names)})
    shares = [np.prod([t[k] for t, k in zip(targets, cell, strict=True)]) for cell in cells]
    target_weights = pd.Series(shares)
    sample_weights = pd.Series(np.ones(len(sample)))
    seconds, weights = [], None
    for _ in range(int(data["repeats"])):
        start = time.perf_counter()
        result = rake(
            sample,
            sample_weights,
            target,
            target_weights,
            transformations=None,
            na_action="drop",
            convergence_rate=float(data["tolerance"]),
            rate_tolerance=0.0,
        )
        seconds.append(time.perf_counter() - start)
        weights = result["weight"].to_numpy()
    np.savez(dst, weights=weights, seconds=np.array(seconds))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
