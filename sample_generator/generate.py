"""Build the deterministic sample and write it to a landing folder.

Same seed, same files: every random draw comes from one seeded generator, in a fixed order, and
the writers put no run-time values in the files.

Besides the calibrated respondents, the files carry a few clearly marked rows that ingest must
quarantine (`QUARANTINE_DEMO`: a test response, a partial, a pilot before fieldwork, a speeder
and an identical copy of it in the final Talk London export; a straight-liner in the
Representative Poll; an interview before fieldwork in the Boost Poll). They are appended after
every calibrated row and built without any random draw, so the calibrated respondents, their
ids and every figure stay exactly as they were; none of them reaches a raw table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from sample_generator.answers import AnswerGenerator, Calibration
from sample_generator.comments import plan_comments
from sample_generator.generic import write_generic_sample
from sample_generator.respondents import Frame, build_poll_frame, concat
from sample_generator.supplier_weights import supplier_weights
from sample_generator.writers import (
    talk_london_rows,
    write_talk_london_csv,
    write_talk_london_xlsx,
    write_yougov_sav,
)
from survey.figures import load_report_figures, platform_statistics_in_report
from survey.pack import Consultation, current, pack_file
from survey.poll_weights import derive_poll_weights
from survey.questionnaire import Questionnaire, load_questionnaire

HERE = Path(__file__).parent
CALIBRATION = "sample"  # the pack folder of the calibrated generator's composition and model
DEFAULT_SEED = 20220121
VICTIM_BLOCK = ("C_VICTIM_CRIME", "C_REPORTED_CRIME", "C_VICTIM_ASB", "C_REPORTED_ASB", "C_COURT")
# Talk London cumulative exports (inside fieldwork, 19 Nov 2021 - 21 Jan 2022); the last is final.
TALK_LONDON_EXPORT_DATES = ("2021-11-26", "2021-12-10", "2022-01-07", "2022-01-21")
# YouGov records are numbered from these, in frame order within each poll.
YOUGOV_RECORDS = {
    "representative": ("yougov_representative", 100001),
    "boost": ("yougov_bame_boost", 200001),
}
# The warehouse's respondent ids (dbt_project/models/staging/*.sql): prefix + export id.
RESPONDENT_ID_PREFIX = {"talk_london": "tl-", "representative": "rep-", "boost": "boost-"}
# A poll's file is delivered this long after its fieldwork closes (the window is the pack's).
YOUGOV_DELIVERY_LAG = timedelta(days=2)


def yougov_fieldwork(q: Questionnaire, source_id: str) -> tuple[str, str, str]:
    """The poll's first and last fieldwork day and its delivery date, as YYYY-MM-DD."""
    start, end = q.fieldwork(source_id)
    return start.isoformat(), end.isoformat(), (end + YOUGOV_DELIVERY_LAG).isoformat()


# Rows ingest quarantines (the questionnaire's `quality:`), appended to the final Talk
# London export and to the polls: (marker, status, started, completed) with answers copied from
# the first calibrated respondent of the file. The marker is the Member UID (Talk London).
QUARANTINE_DEMO = {
    "talk_london": (
        ("SAMPLE-QUARANTINE-TEST", "Test", "2022-01-20 09:00:00", "2022-01-20 09:21:10"),
        ("SAMPLE-QUARANTINE-PARTIAL", "Partial", "2022-01-20 09:30:00", "2022-01-20 09:34:00"),
        ("SAMPLE-QUARANTINE-PILOT", "Complete", "2021-11-12 14:00:00", "2021-11-12 14:25:00"),
        ("SAMPLE-QUARANTINE-SPEEDER", "Complete", "2022-01-20 10:00:00", "2022-01-20 10:01:35"),
    ),
    # a straight-liner: one answer (code 1) throughout every grid of 5 or more items
    "yougov_representative": (
        ("straight_lining", None, "2021-12-01 10:00:00", "2021-12-01 10:15:00"),
    ),
    # an interview of the soft launch, before the survey's fieldwork opened
    "yougov_bame_boost": (
        ("outside_fieldwork", None, "2021-11-10 10:00:00", "2021-11-10 10:16:00"),
    ),
}
DEMO_PARTIAL_ANSWERED = 20  # the partial response stops after this many answer columns
DEMO_COPIED = "SAMPLE-QUARANTINE-SPEEDER"  # delivered twice, every cell identical


def _load_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass
class Sample:
    """The generated respondents of both routes (frames hold codes; polls share one frame)."""

    talk_london: Frame
    polls: Frame
    comment_themes: dict[str, list[tuple[str, ...]]]
    drugs_stance: dict[str, list[str | None]]
    comment_personal_data: dict[str, list[bool]]


@cache
def build_sample(seed: int = DEFAULT_SEED) -> Sample:
    q = load_questionnaire()
    composition = _load_yaml(pack_file("sample/composition.yaml"))
    model = _load_yaml(pack_file("sample/answer_model.yaml"))
    calibration = Calibration(load_report_figures())
    rng = np.random.default_rng(seed)

    routes = {"talk_london": ["talk_london"], "polls": ["representative", "boost"]}
    frames = {
        route: concat([build_poll_frame(p, composition[p], q, rng) for p in polls])
        for route, polls in routes.items()
    }
    # Talk London is analysed unweighted; the polls' printed figures are weighted, so calibrate
    # them with the weights the pipeline derives from the same demographics and targets.
    weights = {
        "talk_london": np.ones(frames["talk_london"].n),
        "polls": derive_poll_weights(frames["polls"].codes, q).weights,
    }
    answers = AnswerGenerator(q, model, calibration, weights)
    for route, polls in routes.items():
        frame = frames[route]
        skipped_victim = np.zeros(frame.n, dtype=bool)
        for p in polls:
            idx = rng.permutation(np.flatnonzero(frame.poll == p))
            skipped_victim[idx[: composition[p]["victim_block_skipped"]]] = True
        _answer_route(q, answers, route, frame, skipped_victim, rng)

    # one comment plan across routes: the report's theme counts are totals over all comments
    all_polls = np.concatenate([frames["talk_london"].poll, frames["polls"].poll])
    substantive = {
        "talk_london": _figure(calibration, "I_MISSING", "talk_london", "total"),
        "representative": _figure(calibration, "I_MISSING", "polls", "poll:representative"),
        "boost": _figure(calibration, "I_MISSING", "polls", "poll:boost"),
    }
    plan = plan_comments(all_polls, substantive, model["comments"]["non_substantive"], rng)
    n_tl = frames["talk_london"].n
    themes, stances, personal = {}, {}, {}
    for route, sl in (("talk_london", slice(0, n_tl)), ("polls", slice(n_tl, None))):
        frames[route].text["I_MISSING"] = plan.texts[sl]
        themes[route], stances[route] = plan.themes[sl], plan.drugs_stance[sl]
        personal[route] = plan.personal_data[sl]
    return Sample(frames["talk_london"], frames["polls"], themes, stances, personal)


def _figure(calibration: Calibration, variable: str, route: str, group: str) -> int:
    return int(next(f.value for f in calibration.for_variable(variable, route) if f.group == group))


def _answer_route(q: Questionnaire, answers: AnswerGenerator, route, frame, skipped_victim, rng):
    done: set[str] = set()
    for var in q.exported_variables():
        if var.kind in ("demographic", "open_text") or var.question_id in done:
            continue
        question = q.questions[var.question_id]
        if question.type == "multi":
            answers.multi(question.id, route, frame, rng)
            done.add(question.id)
            continue
        if question.type == "ranking":
            answers.ranking(question.id, route, frame, rng)
            done.add(question.id)
            continue
        asked = np.ones(frame.n, dtype=bool)
        if var.question_id in VICTIM_BLOCK:
            asked &= ~skipped_victim
        if var.asked_if:
            asked &= np.isin(frame.codes[var.asked_if["question"]], var.asked_if["codes"])
        answers.ordinal(var, route, frame, asked, rng)


# Share of online survey completions by hour of day (few at night, an evening peak).
HOUR_PROFILE = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4, 4, 5, 5, 4, 4, 4, 5, 6, 7, 8, 7, 5, 2]
)


def _timestamps(n: int, start: str, end: str, rng) -> tuple[list[datetime], list[datetime]]:
    """Start and submission times spread over the fieldwork days, mostly in waking hours."""
    t0 = datetime.fromisoformat(start)
    days = (datetime.fromisoformat(end) - t0).days + 1
    day = rng.integers(0, days, size=n)
    hour = rng.choice(24, size=n, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    second = rng.integers(0, 3600, size=n)
    # every start and completion inside the window: at most 2,400 s to answer, and a poll's
    # interview ends at most 1,200 s after this time
    first, last = t0 + timedelta(seconds=2400), t0 + timedelta(days=days, seconds=-1500)
    submitted = sorted(
        min(max(t0 + timedelta(days=int(d), hours=int(h), seconds=int(s)), first), last)
        for d, h, s in zip(day, hour, second, strict=True)
    )
    started = [
        s - timedelta(seconds=int(d))
        for s, d in zip(submitted, rng.uniform(300, 2400, n), strict=True)
    ]
    return started, submitted


def _talk_london_meta(q: Questionnaire, n: int, rng) -> list[dict]:
    """Response ids, member ids and times of the Talk London respondents, in frame order."""
    # the final export is taken at the start of the last fieldwork day
    last_day = datetime.fromisoformat(TALK_LONDON_EXPORT_DATES[-1]) - timedelta(days=1)
    started, submitted = _timestamps(
        n, q.survey["fieldwork_start"], last_day.date().isoformat(), rng
    )
    order = rng.permutation(n)  # respondent i submits as the order[i]-th response
    uids = rng.choice(np.arange(1_000_000, 9_999_999), size=n, replace=False)
    return [
        {
            "response_id": int(order[i]) + 1,
            "member_uid": f"TL{uids[i]}",
            "time_started": started[order[i]],
            "date_submitted": submitted[order[i]],
            "status": "Complete",
        }
        for i in range(n)
    ]


def comment_truth(seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """True themes of every comment, keyed by the warehouse's respondent id.

    One row per respondent: `respondent_id`, `route`, `poll`, `themes` (list, empty when the
    comment has no suggestion), `drugs_stance` (null unless the drugs theme) and `personal_data`.
    """
    q = load_questionnaire()
    sample = build_sample(seed)
    meta = _talk_london_meta(q, sample.talk_london.n, np.random.default_rng(seed + 1))
    prefix = RESPONDENT_ID_PREFIX["talk_london"]
    ids = {"talk_london": [f"{prefix}{m['response_id']}" for m in meta]}
    polls = sample.polls.poll
    ids["polls"] = [""] * sample.polls.n
    for poll, (_, first_id) in YOUGOV_RECORDS.items():
        for k, i in enumerate(np.flatnonzero(polls == poll)):
            ids["polls"][i] = f"{RESPONDENT_ID_PREFIX[poll]}{first_id + k}"
    frames = []
    for route, frame in (("talk_london", sample.talk_london), ("polls", sample.polls)):
        frames.append(
            pl.DataFrame(
                {
                    "respondent_id": ids[route],
                    "route": [route] * frame.n,
                    "poll": [str(p) for p in frame.poll],
                    "themes": [list(t) for t in sample.comment_themes[route]],
                    "drugs_stance": sample.drugs_stance[route],
                    "personal_data": sample.comment_personal_data[route],
                },
                schema={
                    "respondent_id": pl.String,
                    "route": pl.String,
                    "poll": pl.String,
                    "themes": pl.List(pl.String),
                    "drugs_stance": pl.String,
                    "personal_data": pl.Boolean,
                },
            )
        )
    return pl.concat(frames)


def has_calibration(consultation: Consultation | None = None) -> bool:
    """Whether the pack calibrates its sample to a report (`sample/`); without it the generic
    generator writes the sample from the pack alone."""
    return (consultation or current()).has(CALIBRATION)


def write_sample(landing_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the current pack's sample exports into `landing_dir`: the calibrated sample of the
    reference case when the pack has `sample/`, else the generic sample (sample_generator.generic).
    """
    if not has_calibration():
        return write_generic_sample(landing_dir, seed)
    q = load_questionnaire()
    sample = build_sample(seed)
    rng = np.random.default_rng(seed + 1)
    landing_dir = Path(landing_dir)
    landing_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    tl = sample.talk_london
    meta = _talk_london_meta(q, tl.n, rng)
    by_submission = sorted(range(tl.n), key=lambda i: meta[i]["response_id"])
    sheet = q.exports["talk_london"]["sheet"]
    for export_date in TALK_LONDON_EXPORT_DATES:
        cutoff = datetime.fromisoformat(export_date)
        rows_idx = [i for i in by_submission if meta[i]["date_submitted"] < cutoff]
        sub = tl.subset(np.isin(np.arange(tl.n), rows_idx))
        sub_meta = [meta[i] for i in sorted(rows_idx)]
        # subset keeps frame order; align meta to it, then sort rows by response id
        header, rows = talk_london_rows(q, sub_meta, sub.codes, sub.text)
        rows.sort(key=lambda r: r[0])
        if export_date == TALK_LONDON_EXPORT_DATES[-1]:
            rows += _talk_london_demo_rows(q, header, rows)
        stem = f"talk_london_export_{export_date.replace('-', '')}"
        path = landing_dir / f"{stem}.xlsx"
        write_talk_london_xlsx(path, sheet, header, rows, created=cutoff)
        written.append(path)
        if export_date == TALK_LONDON_EXPORT_DATES[-1]:
            path = landing_dir / f"{stem}.csv"
            write_talk_london_csv(path, header, rows)
            written.append(path)

    polls = sample.polls
    for poll, (source_id, first_id) in YOUGOV_RECORDS.items():
        mask = polls.poll == poll
        sub = polls.subset(mask)
        start, end, delivered = yougov_fieldwork(q, source_id)
        started, _ = _timestamps(sub.n, start, end, rng)
        ended = [
            s + timedelta(seconds=int(d))
            for s, d in zip(started, rng.uniform(420, 1500, sub.n), strict=True)
        ]
        meta = {
            "record": np.arange(first_id, first_id + sub.n),
            "start_time": started,
            "end_time": ended,
            "supplier_weight": supplier_weights(sub, poll, q),
        }
        sub, meta = _with_poll_demo_rows(q, source_id, sub, meta)
        path = landing_dir / f"{source_id}_{delivered.replace('-', '')}.sav"
        write_yougov_sav(
            path,
            q,
            source_id,
            meta,
            sub.codes,
            sub.text,
            sub.age_years,
            created=datetime.fromisoformat(delivered),
        )
        written.append(path)
    written.append(write_platform_statistics(q, landing_dir))
    return written


def write_platform_statistics(q: Questionnaire, landing_dir: Path) -> Path:
    """The platform-statistics export with the report's figures (footnote 2), dated on the last
    day of its source's fieldwork; the name from the declared pattern."""
    spec = q.platform_statistics
    _, last_day = q.fieldwork(spec["source"])
    prefix = spec["file_pattern"].removeprefix("^").split("(?P<date>")[0]
    path = Path(landing_dir) / f"{prefix}{last_day:%Y%m%d}.csv"
    report = platform_statistics_in_report()
    lines = ["metric,value", *(f"{metric},{report[metric]}" for metric in spec["metrics"])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    if not re.match(spec["file_pattern"], path.name, re.ASCII):
        raise ValueError(f"{path.name} does not match platform_statistics.file_pattern")
    return path


def _talk_london_demo_rows(q: Questionnaire, header: list, rows: list) -> list[list]:
    """The final Talk London export's quarantine demonstration rows (`QUARANTINE_DEMO`)."""
    names = {c["raw"]: c["name"] for c in q.exports["talk_london"]["meta_columns"]}
    at = {raw: header.index(name) for raw, name in names.items()}
    comment = header.index(q.variables["I_MISSING"].tl_header)
    first_answer = len(names)
    next_id = max(r[at["response_id"]] for r in rows) + 1
    extra = []
    for marker, status, started, completed in QUARANTINE_DEMO["talk_london"]:
        row = list(rows[0])
        row[at["response_id"]] = next_id
        row[at["member_uid"]] = marker
        row[at["time_started"]] = datetime.fromisoformat(started)
        row[at["date_submitted"]] = datetime.fromisoformat(completed)
        row[at["status"]] = status
        row[comment] = None
        if status == "Partial":
            row[first_answer + DEMO_PARTIAL_ANSWERED :] = [None] * (
                len(row) - first_answer - DEMO_PARTIAL_ANSWERED
            )
        extra.append(row)
        if marker == DEMO_COPIED:
            extra.append(list(row))
        next_id += 1
    return extra


def _with_poll_demo_rows(
    q: Questionnaire, source_id: str, sub: Frame, meta: dict
) -> tuple[Frame, dict]:
    """A poll's respondents and meta with its quarantine demonstration rows appended."""
    demo = QUARANTINE_DEMO[source_id]
    template = sub.subset(np.arange(sub.n) < 1)
    extra = concat([template] * len(demo))
    extra.text = {k: [""] * extra.n for k in template.text}
    min_items = q.quality["reasons"]["straight_lining"]["min_items"]
    for k, (kind, _, _, _) in enumerate(demo):
        if kind != "straight_lining":
            continue
        for question in q.questions.values():
            if question.type in ("grid", "scale7") and len(question.items) >= min_items:
                for item in question.items:
                    extra.codes[item["id"]][k] = 1
    meta = {
        "record": np.concatenate([meta["record"], meta["record"][-1] + 1 + np.arange(len(demo))]),
        "start_time": list(meta["start_time"]) + [datetime.fromisoformat(d[2]) for d in demo],
        "end_time": list(meta["end_time"]) + [datetime.fromisoformat(d[3]) for d in demo],
        "supplier_weight": np.concatenate([meta["supplier_weight"], np.ones(len(demo))]),
    }
    return concat([sub, extra]), meta
