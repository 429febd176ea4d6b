"""The sample of a pack without `sample/` calibration: plausible exports from the pack alone.

Every route's polls get their declared number of respondents (`routes.<route>.polls.<poll>
.respondents`), with a profile and answers from `generic_answers`, and every export source is
written in its vendor's layout: a labels export (the Talk London platform's: XLSX, and CSV when
the source lists it) as cumulative exports every `delivery_every_days` of the fieldwork plus a
final one dated on its last day; a codes export (YouGov SPSS .sav) once, two days after its
fieldwork closes, with a supplier weight raked to the pack's targets when its route is weighted.
Every respondent completes inside its source's fieldwork window. Same pack and seed, same files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from sample_generator.generic_answers import (
    CommentPlan,
    answer,
    build_profile,
    pack_model,
    plan_comments,
)
from sample_generator.respondents import Frame, concat
from sample_generator.writers import (
    talk_london_rows,
    write_talk_london_csv,
    write_talk_london_xlsx,
    write_yougov_sav,
)
from survey.pack import Consultation, current
from survey.poll_weights import derive_poll_weights
from survey.questionnaire import Questionnaire

DELIVERY_LAG = timedelta(days=2)  # a poll's file arrives this long after its fieldwork closes
FIRST_RECORD = 100001  # YouGov records: 100001.. for the first codes export, 200001.. next
SUPPLIER_NOISE = 0.05  # the supplier's weights differ a little from the pipeline's
PLATFORM_VIEWS_PER_RESPONDENT = (4.0, 12.0)
# Share of online completions by hour of day (few at night, an evening peak).
HOUR_PROFILE = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4, 4, 5, 5, 4, 4, 4, 5, 6, 7, 8, 7, 5, 2]
)


@dataclass
class GenericSample:
    """Respondents of every route (frames hold codes; polls of a route share one frame) and the
    intended themes of each comment (route -> list, in frame order)."""

    frames: dict[str, Frame]
    comments: dict[str, CommentPlan]


def _comment_question(q: Questionnaire, consultation: Consultation) -> tuple[str | None, object]:
    codeframe = consultation.codeframe if consultation.has("codeframe.yaml") else None
    if codeframe is not None:
        return codeframe.question, codeframe
    open_text = [v.id for v in q.exported_variables() if v.kind == "open_text"]
    return (open_text[0] if open_text else None), None


def build_generic_sample(consultation: Consultation, seed: int) -> GenericSample:
    q = consultation.questionnaire
    scheme = consultation.weighting_scheme if consultation.has("weighting_targets.yaml") else None
    rng = np.random.default_rng(seed)
    model = pack_model(q, rng)
    comment_id, codeframe = _comment_question(q, consultation)
    frames, comments = {}, {}
    for route, spec in q.routes.items():
        weighted = bool(spec["weighted"])
        polls = []
        for poll, poll_spec in spec["polls"].items():
            n = int(poll_spec["respondents"])
            frame = Frame(poll=np.full(n, poll, dtype=object))
            build_profile(frame, q, scheme, weighted, rng)
            polls.append(frame)
        frame = concat(polls)
        answer(frame, q, model, route, rng)
        for v in q.exported_variables():
            if v.kind != "open_text":
                continue
            plan = plan_comments(frame.n, q, codeframe if v.id == comment_id else None, rng)
            frame.text[v.id] = [t[: v.max_length] if v.max_length else t for t in plan.texts]
            if v.id == comment_id:
                comments[route] = plan
        frames[route] = frame
    return GenericSample(frames, comments)


def file_name(spec: dict, day, ext: str) -> str:
    """A name the source's `file_pattern` accepts: its literal stem, the date, the extension."""
    stem = spec["file_pattern"].removeprefix("^").split("(?P<date>")[0]
    name = f"{stem}{day:%Y%m%d}.{ext}"
    if not re.match(spec["file_pattern"], name, re.ASCII):
        raise ValueError(f"cannot name an export {name}: the file_pattern has an unusual form")
    return name


def _times(n: int, first_day, last_day, rng, lo: int, hi: int) -> tuple[list, list]:
    """Start and completion times inside [first_day, last_day] (whole days, starts too): any
    day, between 07:00 and 23:00, busier in the evening; durations lo-hi seconds; completions
    in time order."""
    t0 = datetime.combine(first_day, datetime.min.time())
    days = (last_day - first_day).days + 1
    hours = np.arange(7, 23)
    profile = HOUR_PROFILE[hours] / HOUR_PROFILE[hours].sum()
    seconds = np.sort(
        rng.integers(0, days, n) * 86400
        + rng.choice(hours, n, p=profile) * 3600
        + rng.integers(0, 3600, n)
    )
    done = [t0 + timedelta(seconds=int(s)) for s in seconds]
    started = [
        d - timedelta(seconds=int(x)) for d, x in zip(done, rng.integers(lo, hi, n), strict=True)
    ]
    return started, done


@dataclass
class Delivery:
    """One export source's respondents and fixed columns, every random draw made."""

    source_id: str
    frame: Frame
    meta: dict[str, list]  # raw name of each fixed column -> values in frame order

    def respondent_ids(self, q: Questionnaire) -> list[str]:
        """The warehouse's ids: `<id_prefix>-<vendor id>` (exports.<source>.id_prefix)."""
        spec = q.exports[self.source_id]
        id_raw = next(c["raw"] for c in spec["meta_columns"] if c["name"] == spec["id_column"])
        prefix = spec.get("id_prefix", self.source_id)
        return [f"{prefix}-{value}" for value in self.meta[id_raw]]


def _labels_meta(q: Questionnaire, source_id: str, frame: Frame, rng) -> dict[str, list]:
    spec = q.exports[source_id]
    first, last = q.fieldwork(source_id)
    # the final export is taken on the last fieldwork day, before anyone answers that day
    started, done = _times(frame.n, first, last - timedelta(days=1), rng, 300, 2400)
    order = rng.permutation(frame.n)  # respondent i is the order[i]-th to complete
    uids = rng.choice(np.arange(1_000_000, 9_999_999), size=frame.n, replace=False)
    values = {
        "response_id": [int(order[i]) + 1 for i in range(frame.n)],
        "member_uid": [f"M{uids[i]}" for i in range(frame.n)],
        "time_started": [started[order[i]] for i in range(frame.n)],
        "date_submitted": [done[order[i]] for i in range(frame.n)],
        "status": ["Complete"] * frame.n,
    }
    return {c["raw"]: _meta_values(c, values, frame.n) for c in spec["meta_columns"]}


def _meta_values(column: dict, values: dict, n: int) -> list:
    """A fixed column: the platform's own columns by their raw name, any other by its type."""
    if column["raw"] in values:
        return values[column["raw"]]
    by_type = {"integer": list(range(1, n + 1)), "float": [1.0] * n}
    return by_type.get(
        column["type"],
        values["date_submitted"]
        if column["type"] == "datetime"
        else [f"X{i + 1}" for i in range(n)],
    )


def _codes_meta(
    consultation: Consultation, source_id: str, frame: Frame, index: int, rng
) -> dict[str, list]:
    q = consultation.questionnaire
    first, last = q.fieldwork(source_id)
    started, done = _times(frame.n, first, last, rng, 420, 1500)
    scheme = consultation.weighting_scheme if consultation.has("weighting_targets.yaml") else None
    weighted = bool(q.routes[q.exports[source_id]["route"]]["weighted"])
    first_record = FIRST_RECORD + 100000 * index
    return {
        "record": list(range(first_record, first_record + frame.n)),
        "start_time": started,
        "end_time": done,
        "supplier_weight": list(supplier_weights(q, scheme, frame, weighted, rng)),
    }


def plan_deliveries(consultation: Consultation, seed: int) -> tuple[GenericSample, list[Delivery]]:
    """The sample and, per export source, its respondents and fixed columns."""
    q = consultation.questionnaire
    sample = build_generic_sample(consultation, seed)
    rng = np.random.default_rng(seed + 1)
    deliveries, codes_exports = [], 0
    for source_id, spec in q.exports.items():
        route_frame = sample.frames[spec["route"]]
        frame = route_frame.subset(route_frame.poll == spec["poll"])
        if spec["values"] == "labels":
            meta = _labels_meta(q, source_id, frame, rng)
        else:
            meta = _codes_meta(consultation, source_id, frame, codes_exports, rng)
            codes_exports += 1
        deliveries.append(Delivery(source_id, frame, meta))
    return sample, deliveries


def _write_labels(q: Questionnaire, delivery: Delivery, landing: Path) -> list[Path]:
    """Cumulative exports every `delivery_every_days`, and the final one on the last day."""
    spec = q.exports[delivery.source_id]
    first, last = q.fieldwork(delivery.source_id)
    step = timedelta(days=int(spec.get("delivery_every_days") or (last - first).days + 1))
    dates = []
    day = first + step
    while day < last:
        dates.append(day)
        day += step
    dates.append(last)
    n = delivery.frame.n
    rows_meta = [{raw: values[i] for raw, values in delivery.meta.items()} for i in range(n)]
    completed = np.array(
        delivery.meta[_completed_column(q, delivery.source_id)], dtype="datetime64[s]"
    )
    written = []
    for day in dates:
        created = datetime.combine(day, datetime.min.time())
        mask = completed < np.datetime64(created, "s")
        sub = delivery.frame.subset(mask)
        meta = [m for m, keep in zip(rows_meta, mask, strict=True) if keep]
        header, rows = talk_london_rows(q, meta, sub.codes, sub.text, delivery.source_id)
        rows.sort(key=lambda r: r[0])
        if "xlsx" in spec["formats"]:
            path = landing / file_name(spec, day, "xlsx")
            write_talk_london_xlsx(path, spec.get("sheet") or "Responses", header, rows, created)
            written.append(path)
        if "csv" in spec["formats"] and (day == last or "xlsx" not in spec["formats"]):
            path = landing / file_name(spec, day, "csv")
            write_talk_london_csv(path, header, rows)
            written.append(path)
    return written


def _completed_column(q: Questionnaire, source_id: str) -> str:
    timing = (q.quality.get("timing") or {}).get(source_id)
    return timing["completed"] if timing else "date_submitted"


def supplier_weights(q: Questionnaire, scheme, frame: Frame, weighted: bool, rng) -> np.ndarray:
    """The weights the supplier delivers: the pack's raking of this poll alone, a little off."""
    if not weighted or scheme is None:
        return np.ones(frame.n)
    profile = {
        q.breakdowns[m["breakdown"]].source: frame.codes[q.breakdowns[m["breakdown"]].source]
        for m in scheme.margins.values()
    }
    w = derive_poll_weights(profile, q, scheme).weights
    w = w * np.exp(rng.normal(0, SUPPLIER_NOISE, frame.n))
    return np.round(w / w.mean(), 6)


def _write_codes(q: Questionnaire, delivery: Delivery, landing: Path) -> Path:
    """The poll's one .sav, delivered two days after its fieldwork closes."""
    spec = q.exports[delivery.source_id]
    _, last = q.fieldwork(delivery.source_id)
    delivered = last + DELIVERY_LAG
    path = landing / file_name(spec, delivered, "sav")
    frame = delivery.frame
    write_yougov_sav(
        path,
        q,
        delivery.source_id,
        delivery.meta,
        frame.codes,
        frame.text,
        frame.age_years,
        created=datetime.combine(delivered, datetime.min.time()),
    )
    return path


def write_platform_statistics(q: Questionnaire, landing: Path, rng) -> Path:
    """The platform-statistics export, when the pack declares one: plausible counts."""
    spec = q.platform_statistics
    source = q.exports[spec["source"]]
    _, last = q.fieldwork(spec["source"])
    respondents = sum(int(p["respondents"]) for p in q.routes[source["route"]]["polls"].values())
    path = landing / file_name(spec, last, "csv")
    lines = ["metric,value"]
    for metric in spec["metrics"]:
        lines.append(f"{metric},{int(respondents * rng.uniform(*PLATFORM_VIEWS_PER_RESPONDENT))}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return path


def write_generic_sample(
    landing_dir: Path, seed: int, consultation: Consultation | None = None
) -> list[Path]:
    """Write every export source of the pack into `landing_dir`; return the files written."""
    consultation = consultation or current()
    q = consultation.questionnaire
    _, deliveries = plan_deliveries(consultation, seed)
    landing = Path(landing_dir)
    landing.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for delivery in deliveries:
        if q.exports[delivery.source_id]["values"] == "labels":
            written += _write_labels(q, delivery, landing)
        else:
            written.append(_write_codes(q, delivery, landing))
    if q.platform_statistics:
        written.append(write_platform_statistics(q, landing, np.random.default_rng(seed + 2)))
    return written


def comment_truth(consultation: Consultation, seed: int) -> pl.DataFrame:
    """What each generated comment is about, keyed by the warehouse's respondent id: route,
    poll, text, intended themes (empty: blank or no suggestion; 'other': none of the themes) and
    the stance theme's stance."""
    q = consultation.questionnaire
    sample, deliveries = plan_deliveries(consultation, seed)
    rows = []
    for delivery in deliveries:
        route = q.exports[delivery.source_id]["route"]
        plan = sample.comments.get(route)
        if plan is None:
            continue
        positions = np.flatnonzero(
            sample.frames[route].poll == q.exports[delivery.source_id]["poll"]
        )
        for rid, i in zip(delivery.respondent_ids(q), positions, strict=True):
            rows.append(
                {
                    "respondent_id": rid,
                    "route": route,
                    "poll": q.exports[delivery.source_id]["poll"],
                    "text": plan.texts[i],
                    "themes": list(plan.themes[i]),
                    "stance": plan.stances[i],
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "respondent_id": pl.String,
            "route": pl.String,
            "poll": pl.String,
            "text": pl.String,
            "themes": pl.List(pl.String),
            "stance": pl.String,
        },
    )
