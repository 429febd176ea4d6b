"""The results: every measurement as a CSV row, and the medians as the printed table."""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from pathlib import Path

STAGE_ORDER = (
    "total",
    "start-up",
    "ingest",
    "dbt",
    "dbt: dbt_models",
    "dbt: before the weighting (models and tests)",
    "dbt: weighting (models and tests)",
    "dbt: after the weighting (models and tests)",
    "validation",
    "workbook",
    "marts file",
    "workbook + marts file",
    "fidelity",
    "comments",
    "other",
    "tabulation floor (plain DuckDB)",
    "generate exports (before the run)",
)
COLUMNS = ("size", "respondents", "run", "stage", "metric", "value", "note")


@dataclass(frozen=True)
class Row:
    size: str
    respondents: int
    run: int
    stage: str
    metric: str
    value: float | None
    note: str = ""


def write_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in rows:
            value = "" if r.value is None else f"{r.value:.6g}"
            writer.writerow([r.size, r.respondents, r.run, r.stage, r.metric, value, r.note])


def medians(rows: list[Row]) -> dict[tuple[str, str, str], tuple[float | None, str]]:
    """(size, stage, metric) -> (median over runs, notes)."""
    grouped: dict[tuple[str, str, str], list[Row]] = {}
    for r in rows:
        grouped.setdefault((r.size, r.stage, r.metric), []).append(r)
    out = {}
    for key, group in grouped.items():
        values = [r.value for r in group if r.value is not None]
        notes = sorted({r.note for r in group if r.note})
        out[key] = (statistics.median(values) if values else None, "; ".join(notes))
    return out


def _cell(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def table(rows: list[Row], sizes: list[str]) -> str:
    """Stages down, sizes across: wall s and peak MB (medians), then the derived figures."""
    m = medians(rows)
    runs = {s: len({r.run for r in rows if r.size == s and r.stage == "total"}) for s in sizes}
    head = " | ".join(f"{s} ({runs[s]} run{'s' * (runs[s] != 1)}): wall s, peak MB" for s in sizes)
    lines = [f"| stage | {head} |", "|---|" + "---|" * len(sizes)]
    stages = [st for st in STAGE_ORDER if any((s, st, "wall_s") in m for s in sizes)]
    for stage in stages:
        cells = []
        for s in sizes:
            wall, note = m.get((s, stage, "wall_s"), (None, ""))
            peak, _ = m.get((s, stage, "peak_mb"), (None, ""))
            text = f"{_cell(wall)} s, {_cell(peak, 0)} MB" if wall is not None else "n/a"
            cells.append(text + (f" ({note})" if note and note != "SUCCESS" else ""))
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    for label, stage, metric, digits in (
        ("ingest, respondents per s", "ingest", "rows_per_s", 0),
        (
            "dbt after the weighting, ms per table",
            "dbt: after the weighting (models and tests)",
            "ms_per_table",
            1,
        ),
        (
            "dbt after the weighting / tabulation floor",
            "tabulation floor (plain DuckDB)",
            "ratio",
            2,
        ),
    ):
        values = [_cell(m.get((s, stage, metric), (None, ""))[0], digits) for s in sizes]
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def raking_table(rows: list[Row]) -> str:
    """One line per raking problem: median seconds of each method and the ratios to ours."""
    m = medians(rows)
    problems = sorted(
        {(r.size, r.respondents) for r in rows if r.stage.startswith("raking")},
        key=lambda p: p[1],
    )
    methods = sorted({r.stage for r in rows if r.stage.startswith("raking")})
    lines = [
        "| raking problem (rows) | " + " | ".join(methods) + " |",
        "|---|" + "---|" * len(methods),
    ]
    for size, n in problems:
        cells = []
        for method in methods:
            seconds, note = m.get((size, method, "seconds"), (None, ""))
            ratio, _ = m.get((size, method, "ratio_to_ours"), (None, ""))
            diff, _ = m.get((size, method, "max_abs_diff"), (None, ""))
            text = "n/a" if seconds is None else f"{seconds * 1000:,.1f} ms"
            if ratio is not None:
                text += f" ({ratio:.1f}x ours"
                text += f", max diff {diff:.0e})" if diff is not None else ")"
            cells.append(text + (f" {note}" if note else ""))
        lines.append(f"| {size}: {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


FLOOR = "orchestration floor (one-asset Dagster job + dbt build of two models)"
# The targets `make bench` checks (issue 16): the sample run against the orchestration floor
# measured in the same run, 1M respondents against the sample, and 1M's peak memory.
SAMPLE_TO_FLOOR = 2.5
MILLION_TO_SAMPLE = 5.0
MILLION_PEAK_MB = 4096


def targets_table(rows: list[Row]) -> str:
    """Each target with its measured ratio (medians of the same run) and whether it is met."""
    m = medians(rows)

    def value(size: str, stage: str, metric: str) -> float | None:
        return m.get((size, stage, metric), (None, ""))[0]

    sample = value("sample", "total", "wall_s")
    floor = value("sample", FLOOR, "wall_s")
    million = value("1M", "total", "wall_s")
    peak = value("1M", "total", "peak_mb")
    lines = [
        "| target | measured | limit | met |",
        "|---|---|---|---|",
    ]

    def line(name: str, measured: float | None, limit: float, unit: str) -> None:
        if measured is None:
            lines.append(f"| {name} | not measured | {limit:g}{unit} | n/a |")
        else:
            met = "yes" if measured <= limit else "NO"
            lines.append(f"| {name} | {measured:.2f}{unit} | {limit:g}{unit} | {met} |")

    line(
        "sample run / orchestration floor",
        sample / floor if sample and floor else None,
        SAMPLE_TO_FLOOR,
        "x",
    )
    line(
        "1M run / sample run",
        million / sample if million and sample else None,
        MILLION_TO_SAMPLE,
        "x",
    )
    line("1M peak memory", peak, MILLION_PEAK_MB, " MB")
    detail = (
        f"sample {sample:.1f} s, floor {floor:.1f} s"
        if sample and floor
        else "sample or floor missing"
    )
    return "Targets (medians of this run; " + detail + ")\n\n" + "\n".join(lines)
