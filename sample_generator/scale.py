"""Large synthetic deliveries for benchmarks: respondents resampled from the bundled sample.

Each new respondent copies a donor of the same poll from the calibrated sample
(`build_sample()`): the donor's profile (demographics, borough) as a unit, so the breakdown
composition is the sample's in expectation. For perturbation, each block of linked questions
(a question with the questions routed on it; the victimisation block as one) is taken from a
second donor of the same poll with probability `MIX`, YouGov ages in years are re-drawn within
the band, and ids and times are new. Figures therefore approximate the report; only the bundled
sample is calibrated to reproduce it exactly.

Sizes split as the sample (1,033 / 1,161 / 532 of 2,726). Talk London is written as the final
CSV export in chunks of `CHUNK` rows (memory stays flat; an XLSX of the same rows on request, up
to Excel's row limit, also streamed). pyreadstat cannot append to a .sav, so each poll's file is
written whole: memory grows with that poll's rows (about 2 x rows x variables x 8 bytes).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from sample_generator.generate import (
    DEFAULT_SEED,
    TALK_LONDON_EXPORT_DATES,
    VICTIM_BLOCK,
    YOUGOV_RECORDS,
    build_sample,
    yougov_fieldwork,
)
from sample_generator.respondents import Frame
from sample_generator.supplier_weights import supplier_weights
from sample_generator.writers import TIME_FORMAT, talk_london_rows, write_yougov_sav
from survey.questionnaire import Questionnaire, Variable, load_questionnaire

SAMPLE_SIZES = {"talk_london": 1033, "representative": 1161, "boost": 532}
MIX = 0.2  # chance that a block of questions comes from a second donor
CHUNK = 50_000  # Talk London rows generated and written at a time
EXCEL_MAX_DATA_ROWS = 1_048_575  # 1,048,576 rows less the header
AGE_BANDS = {1: (16, 24), 2: (25, 34), 3: (35, 44), 4: (45, 54), 5: (55, 64), 6: (65, 85)}
UID_RANGE = 8_999_999  # member UIDs TL1000000..TL9999998, a permutation of the response ids
UID_STRIDE = 7_919_993  # coprime with UID_RANGE


def split(respondents: int) -> dict[str, int]:
    """Respondents per poll, in the sample's proportions (largest remainder)."""
    total = sum(SAMPLE_SIZES.values())
    exact = {p: respondents * n / total for p, n in SAMPLE_SIZES.items()}
    sizes = {p: int(x) for p, x in exact.items()}
    for p in sorted(exact, key=lambda p: sizes[p] - exact[p])[: respondents - sum(sizes.values())]:
        sizes[p] += 1
    return sizes


def question_blocks(q: Questionnaire) -> list[list[Variable]]:
    """Exported answer variables grouped into blocks mixed as a unit (demographics excluded)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for var in q.exported_variables():
        if var.asked_if:
            parent[root(var.question_id)] = root(var.asked_if["question"])
    for qid in VICTIM_BLOCK[1:]:
        parent[root(qid)] = root(VICTIM_BLOCK[0])
    blocks: dict[str, list[Variable]] = {}
    for var in q.exported_variables():
        if var.kind != "demographic":
            blocks.setdefault(root(var.question_id), []).append(var)
    return list(blocks.values())


def donors(n: int, pool: np.ndarray, blocks: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Profile donor per respondent, and the donor of each block (n x blocks)."""
    first = pool[rng.integers(len(pool), size=n)]
    second = pool[rng.integers(len(pool), size=(n, blocks))]
    mixed = rng.random((n, blocks)) < MIX
    return first, np.where(mixed, second, first[:, None])


def parse_sizes(text: str) -> dict[str, int]:
    """`talk_london=400,representative=500,boost=250` as a dict (polls not named: 0)."""
    sizes = dict.fromkeys(SAMPLE_SIZES, 0)
    for part in text.split(","):
        name, _, n = part.partition("=")
        if name.strip() not in SAMPLE_SIZES or not n.strip().isdigit():
            raise ValueError(f"--sizes: expected poll=N with a poll of {list(SAMPLE_SIZES)}")
        sizes[name.strip()] = int(n)
    return sizes


def write_series(landing_dir: Path, series: list[int], path: Path) -> list[Path]:
    """Earlier cumulative Talk London exports beside the final one at `path`: for each size n in
    `series`, its first n respondents (ids and submission times rise together), dated the day
    after the last of them submitted. The final export keeps its own date."""
    meta = load_questionnaire().exports["talk_london"]["meta_columns"]
    submitted = next(c["name"] for c in meta if c["raw"] == "date_submitted")
    full = pl.read_csv(path, infer_schema=False)
    written = []
    for n in sorted(series):
        if not 0 < n < full.height:
            raise ValueError(f"--talk-london-series: {n} is not below the final export's rows")
        head = full.head(n)
        last = datetime.strptime(head[submitted].max(), TIME_FORMAT)
        day = (last + timedelta(days=1)).strftime("%Y%m%d")
        out = Path(landing_dir) / f"talk_london_export_{day}.csv"
        head.write_csv(out, line_terminator="\r\n")
        written.append(out)
    return written


def write_scaled(
    landing_dir: Path,
    respondents: int | None = None,
    seed: int = DEFAULT_SEED,
    xlsx: bool = False,
    sizes: dict[str, int] | None = None,
    series: list[int] | None = None,
) -> list[Path]:
    """Write a delivery of `respondents` in total (or of `sizes` per poll; a poll of size 0 is
    not written): the final Talk London CSV (and XLSX if asked), earlier cumulative exports of
    the sizes in `series`, and the YouGov .sav files."""
    q = load_questionnaire()
    sample = build_sample()
    sizes = sizes or split(respondents or 0)
    landing_dir = Path(landing_dir)
    landing_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    blocks = question_blocks(q)
    written = []
    if sizes["talk_london"]:
        written = _write_talk_london(landing_dir, q, sample.talk_london, sizes, blocks, xlsx, rng)
        written += write_series(landing_dir, series or [], written[-1])
    for poll, (source_id, first_id) in YOUGOV_RECORDS.items():
        if not sizes[poll]:
            continue
        path = landing_dir / f"{source_id}_{yougov_fieldwork(q, source_id)[2].replace('-', '')}.sav"
        _write_poll(path, q, sample.polls, poll, sizes[poll], first_id, blocks, rng)
        written.append(path)
    return written


def _talk_london_cells(q: Questionnaire, frame: Frame) -> tuple[list[str], pl.DataFrame]:
    """Header, and the sample's answer cells as the CSV writes them (null = blank)."""
    meta_columns = q.exports["talk_london"]["meta_columns"]
    meta = [dict.fromkeys(c["raw"] for c in meta_columns)] * frame.n
    header, rows = talk_london_rows(q, meta, frame.codes, frame.text)
    n_meta = len(meta_columns)
    columns = {
        name: [None if row[i] is None else str(row[i]) for row in rows]
        for i, name in enumerate(header)
        if i >= n_meta
    }
    return header, pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


def _talk_london_chunks(q, frame, n, blocks, rng) -> Iterator[pl.DataFrame]:
    header, cells = _talk_london_cells(q, frame)
    meta = [c["name"] for c in q.exports["talk_london"]["meta_columns"]]
    # the first submission 2,400 s (the longest answering time) after fieldwork opens, so that
    # every response also starts inside fieldwork (an earlier start is quarantined at ingest)
    start = datetime.fromisoformat(q.survey["fieldwork_start"]) + timedelta(seconds=2400)
    end = datetime.fromisoformat(TALK_LONDON_EXPORT_DATES[-1])
    span = (end - start).total_seconds() - 1
    pool = np.arange(frame.n)
    profile = cells.select(v.tl_header for v in q.exported_variables() if v.kind == "demographic")
    for lo in range(0, n, CHUNK):
        m = min(CHUNK, n - lo)
        ids = np.arange(lo + 1, lo + m + 1)
        # submission times rise with the response id; each chunk fills its slice of fieldwork
        offset = np.sort(rng.uniform(lo / n * span, (lo + m) / n * span, m))
        submitted = np.datetime64(start, "s") + offset.astype("timedelta64[s]")
        started = submitted - rng.uniform(300, 2400, m).astype("timedelta64[s]")
        first, per_block = donors(m, pool, len(blocks), rng)
        answers = [
            cells.select(v.tl_header for v in block)[per_block[:, b]]
            for b, block in enumerate(blocks)
        ]
        chunk = pl.concat([profile[first], *answers], how="horizontal")
        yield (
            pl.DataFrame(
                {
                    meta[0]: ids,
                    meta[1]: [f"TL{1_000_000 + (i * UID_STRIDE) % UID_RANGE}" for i in ids],
                    meta[2]: _format_times(started),
                    meta[3]: _format_times(submitted),
                    meta[4]: ["Complete"] * m,
                }
            )
            .hstack(chunk)
            .select(header)
        )


def _format_times(times: np.ndarray) -> pl.Series:
    return pl.Series(times.astype("datetime64[us]")).dt.strftime(TIME_FORMAT)


def _write_talk_london(landing_dir, q, frame, sizes, blocks, xlsx, rng) -> list[Path]:
    n = sizes["talk_london"]
    if xlsx and n > EXCEL_MAX_DATA_ROWS:
        raise ValueError(f"{n} Talk London rows do not fit an XLSX sheet ({EXCEL_MAX_DATA_ROWS})")
    stem = f"talk_london_export_{TALK_LONDON_EXPORT_DATES[-1].replace('-', '')}"
    csv_path, xlsx_path = landing_dir / f"{stem}.csv", landing_dir / f"{stem}.xlsx"
    workbook = sheet = None
    if xlsx:
        workbook = xlsxwriter.Workbook(
            str(xlsx_path),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        sheet = workbook.add_worksheet(q.exports["talk_london"]["sheet"])
    numeric = {v.tl_header for v in q.exported_variables() if v.kind == "ranking_item"}
    row = 0
    with open(csv_path, "wb") as fh:
        for chunk in _talk_london_chunks(q, frame, n, blocks, rng):
            chunk.write_csv(fh, include_header=row == 0, line_terminator="\r\n")
            if sheet is not None:
                _append_rows(sheet, chunk, row, numeric)
            row += chunk.height
    if workbook is None:
        return [csv_path]
    workbook.close()
    return [xlsx_path, csv_path]


def _append_rows(sheet, chunk: pl.DataFrame, done: int, numeric: set[str]) -> None:
    """A chunk into a constant-memory sheet after `done` data rows (the header first); ranks
    are numbers, as the survey platform writes them."""
    if done == 0:
        sheet.write_row(0, 0, chunk.columns)
    as_number = [c in numeric or not isinstance(chunk[c].dtype, pl.String) for c in chunk.columns]
    for r, values in enumerate(chunk.iter_rows(), start=done + 1):
        for c, value in enumerate(values):
            if value is None:
                continue
            if as_number[c]:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)


def _write_poll(path, q, polls: Frame, poll: str, n: int, first_id: int, blocks, rng) -> None:
    pool = np.flatnonzero(polls.poll == poll)
    weights = np.empty(polls.n)
    weights[pool] = supplier_weights(polls.subset(polls.poll == poll), poll, q)
    first, per_block = donors(n, pool, len(blocks), rng)
    codes = {k: v[first] for k, v in polls.codes.items()}
    text = {k: np.asarray(v, dtype=object)[first] for k, v in polls.text.items()}
    for b, block in enumerate(blocks):
        for v in block:
            if v.id in codes:
                codes[v.id] = polls.codes[v.id][per_block[:, b]]
            if v.id in text:
                text[v.id] = np.asarray(polls.text[v.id], dtype=object)[per_block[:, b]]
    bands = codes["AGE_BAND"]
    low = np.array([AGE_BANDS[b][0] for b in range(1, 7)])[bands - 1]
    high = np.array([AGE_BANDS[b][1] for b in range(1, 7)])[bands - 1]
    age_years = rng.integers(low, high, endpoint=True)
    source_id = YOUGOV_RECORDS[poll][0]
    fieldwork_start, fieldwork_end, delivered = yougov_fieldwork(q, source_id)
    t0 = np.datetime64(fieldwork_start, "s")
    # interviews start and end inside the window (the longest takes 1,500 s)
    span = (np.datetime64(fieldwork_end, "s") - t0).astype(int) + 86_400 - 1_500
    started = t0 + rng.uniform(0, span, n).astype("timedelta64[s]")
    ended = started + rng.uniform(420, 1500, n).astype("timedelta64[s]")
    meta = {
        "record": np.arange(first_id, first_id + n),
        "start_time": started,
        "end_time": ended,
        "supplier_weight": weights[first],
    }
    write_yougov_sav(
        path, q, source_id, meta, codes, text, age_years, datetime.fromisoformat(delivered)
    )
