"""python -m benchmarks [--sizes sample,100k,1M] [--repeats sample=3,10k=3,100k=2,1M=1]

Prints the results table and writes every measurement to `$SURVEY_BUILD_DIR/bench/results.csv`
(the table itself to results.md). Each configuration runs in a fresh build folder under
`bench/runs/<size>/`; generated deliveries are kept under `bench/landing/<size>/` and reused
while the generator is unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

import numpy as np

from benchmarks import measure, orchestration_floor, pipeline, report, weighting
from benchmarks.report import Row
from sample_generator.scale import SAMPLE_SIZES
from survey.questionnaire import load_questionnaire
from survey.weighting import Margin

DEFAULT_REPEATS = {"sample": 3, "10k": 3, "100k": 2, "1M": 1}
SAMPLE_N = sum(SAMPLE_SIZES.values())
RAKE_REPEATS = 3


def respondents_of(size: str) -> int:
    if size == "sample":
        return SAMPLE_N
    factor = {"k": 1_000, "M": 1_000_000}.get(size[-1], 1)
    return int(float(size.rstrip("kM")) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", default="sample,100k,1M")
    parser.add_argument("--repeats", default="", help="e.g. sample=3,1M=1 (defaults 3/3/2/1)")
    parser.add_argument("--out", type=Path, default=None, help="default $SURVEY_BUILD_DIR/bench")
    parser.add_argument("--balance-python", type=Path, default=None)
    parser.add_argument("--rake-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    out = args.out or Path(os.environ.get("SURVEY_BUILD_DIR", "build")).resolve() / "bench"
    sizes = args.sizes.split(",")
    repeats = DEFAULT_REPEATS | {
        k: int(v) for k, v in (item.split("=") for item in args.repeats.split(",") if item)
    }
    out.mkdir(parents=True, exist_ok=True)
    log = out / "bench.log"
    tables = len(load_questionnaire().tables)
    dbt_target = out / "dbt_target"
    rows: list[Row] = []
    margins: list[Margin] = []
    for size in sizes:
        n = respondents_of(size)
        landing = out / "landing" / size
        rows += _generate(size, n, landing, log)
        build = out / "runs" / size
        # set-up, as `make parse`: the manifest parsed for this build folder (dbt re-parses
        # everything in each step when the profile's warehouse path differs from the parse's)
        pipeline.parse(pipeline.environment(landing, build, dbt_target), log)
        for run in range(1, repeats.get(size, 1) + 1):
            print(f"{size}: run {run} of {repeats.get(size, 1)}", file=sys.stderr)
            apart = size != "sample"  # see benchmarks/job.py
            figures = pipeline.run_once(landing, build, dbt_target, log, tables, apart)
            rows += [Row(size, n, run, f.stage, f.metric, f.value, f.note) for f in figures]
        if size == "sample":
            rows += _orchestration_floor(n, landing, repeats.get(size, 1), out, log)
        if _succeeded(rows, size):  # the marts and weights exist
            warehouse = build / "warehouse.duckdb"
            rows += _floor(size, n, warehouse, repeats.get(size, 1), rows, out)
            margins = weighting.poll_margins(warehouse)
            rows += _raking(size, margins, args.balance_python)
        text = _write(rows, sizes, out)  # after every size, so a failed size keeps the others
    if args.rake_rows and margins:
        rng = np.random.default_rng(1)
        pick = rng.integers(len(margins[0].category), size=args.rake_rows)
        resampled = [Margin(m.name, m.category[pick], m.targets) for m in margins]
        rows += _raking(f"{sizes[-1]} polls resampled", resampled, args.balance_python)
        text = _write(rows, sizes, out)
    print(text)
    print(f"Results: {out / 'results.csv'}; peak memory by {measure.METHOD}")
    return 0 if all(_succeeded(rows, size) for size in sizes) else 1


def _succeeded(rows: list[Row], size: str) -> bool:
    totals = [r for r in rows if r.size == size and r.stage == "total" and r.metric == "wall_s"]
    return bool(totals) and all(r.note.startswith("SUCCESS") for r in totals)


def _write(rows: list[Row], sizes: list[str], out: Path) -> str:
    report.write_csv(rows, out / "results.csv")
    text = f"{report.table(rows, sizes)}\n\n{report.raking_table(rows)}\n"
    text += f"\n{report.targets_table(rows)}\n"
    (out / "results.md").write_text(text)
    return text


def _generate(size: str, n: int, landing: Path, log: Path) -> list[Row]:
    """Write the delivery unless the same generator already wrote it; measured when written."""
    sources = sorted(Path(__file__).parents[1].glob("sample_generator/*.py"))
    stamp = hashlib.sha256(b"".join(p.read_bytes() for p in sources) + str(n).encode())
    done = landing / ".bench-generated"
    if done.exists() and done.read_text() == stamp.hexdigest():
        return []
    shutil.rmtree(landing, ignore_errors=True)
    args = [sys.executable, "-m", "sample_generator", "--out", str(landing)]
    if size != "sample":
        args += ["--respondents", str(n)]
    m = measure.run(args, dict(os.environ), log)
    if m.returncode:
        raise RuntimeError(f"generating {size} failed; see {log}")
    done.write_text(stamp.hexdigest())
    stage = "generate exports (before the run)"
    return [
        Row(size, n, 1, stage, "wall_s", m.wall_s),
        Row(size, n, 1, stage, "peak_mb", m.peak_mb),
    ]


def _floor(size: str, n: int, warehouse: Path, repeats: int, rows: list[Row], out: Path):
    stage = "tabulation floor (plain DuckDB)"
    result_path = out / "floor.json"
    found = []
    for run in range(1, repeats + 1):
        args = [sys.executable, "-m", "benchmarks.floor", str(warehouse), str(result_path)]
        m = measure.run(args, dict(os.environ), out / "bench.log")
        result = json.loads(result_path.read_text())
        note = f"{result['mismatches']} figures differ from fct_estimates"
        found += [
            Row(size, n, run, stage, "wall_s", result["seconds"], note),
            Row(size, n, run, stage, "peak_mb", m.peak_mb),
        ]
    marts = [
        r.value
        for r in rows
        if r.size == size
        and r.stage == "dbt: after the weighting (models and tests)"
        and r.metric == "wall_s"
    ]
    floor = statistics.median(r.value for r in found if r.metric == "wall_s")
    if marts and floor:
        found.append(Row(size, n, 1, stage, "ratio", statistics.median(marts) / floor))
    return found


def _orchestration_floor(n: int, landing: Path, repeats: int, out: Path, log: Path) -> list[Row]:
    """The least Dagster and dbt take (benchmarks/orchestration_floor.py), beside the sample."""
    csv = sorted(landing.glob("talk_london_export_*.csv"))[-1]
    rows = []
    for run in range(1, repeats + 1):
        f = orchestration_floor.measure_floor(csv, out / "floor", dict(os.environ), log)
        note = "SUCCESS" if f.ok else "FAILED"
        rows += [
            Row("sample", n, run, report.FLOOR, "wall_s", f.total_s, note),
            Row("sample", n, run, report.FLOOR, "peak_mb", f.peak_mb),
            Row("sample", n, run, f"{report.FLOOR}: dagster job", "wall_s", f.dagster_s),
            Row("sample", n, run, f"{report.FLOOR}: dbt build", "wall_s", f.dbt_s),
        ]
    return rows


def _raking(size: str, margins: list[Margin], balance_python: Path | None) -> list[Row]:
    n = len(margins[0].category)
    timings = weighting.compare(margins, RAKE_REPEATS, balance_python)
    ours = timings[0].median
    rows = []
    for t in timings:
        stage = f"raking: {t.method}"
        rows += [Row(size, n, i + 1, stage, "seconds", s, t.note) for i, s in enumerate(t.seconds)]
        if t.median is not None and t is not timings[0]:
            rows.append(Row(size, n, 1, stage, "ratio_to_ours", t.median / ours))
        if t.max_abs_diff is not None:
            rows.append(Row(size, n, 1, stage, "max_abs_diff", t.max_abs_diff))
    return rows


if __name__ == "__main__":
    sys.exit(main())
