"""Row screening at ingest: rows that are real deliveries but must not be analysed.

The rules and the tolerance are stated once, in the pack's questionnaire (`quality:`); this
module reads them and applies them to a checked export file, as polars expressions over the whole
file (no per-row Python). A screened row gets one reason, the first that applies in `REASONS`
order, and a short detail that holds no cell value. `screen` returns the rows to load and the
rows to quarantine; `ingest.load` writes the latter to `raw.quarantine` (one row per file and
quarantined row) in the same transaction, and rejects a source when more than
`max_quarantined_share` of any file's rows would be quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from survey.questionnaire import Questionnaire, QuestionnaireError, load_questionnaire

if TYPE_CHECKING:
    from .exports import ExportSpec

REASONS = (
    "duplicate_identical",
    "test_or_preview",
    "partial",
    "outside_fieldwork",
    "speeding",
    "straight_lining",
)
STATUS_REASONS = ("test_or_preview", "partial")
GRID_TYPES = ("grid", "scale7")
QUARANTINE_COLUMNS = {
    "source_id": "VARCHAR",
    "file_name": "VARCHAR",
    "file_sha256": "VARCHAR",
    "file_row": "BIGINT",  # as a person sees it: spreadsheet row (header = 1) or SPSS case
    "respondent_id": "BIGINT",  # the export's id column: Response ID or record
    "reason": "VARCHAR",
    "detail": "VARCHAR",
    "export_date": "DATE",
}
_ROW = "__quality_row"  # helper columns; raw column names are lower-case ids and meta names
_REASON = "__quality_reason"
_DETAIL = "__quality_detail"


@dataclass(frozen=True)
class StatusRule:
    reason: str
    sources: tuple[str, ...]
    column: str  # the column's name in the file (e.g. Status)
    values: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    question_id: str
    columns: tuple[str, ...]  # raw column of each item
    substantive_codes: tuple[int, ...]
    substantive_labels: tuple[str, ...]


@dataclass(frozen=True)
class QualityRules:
    max_quarantined_share: float
    timing: dict[str, tuple[str, str]]  # source -> (started, completed) raw columns
    status: tuple[StatusRule, ...]
    fieldwork: dict[str, tuple[date, date]]  # source -> (first, last day), both inclusive
    speeding_median_divisor: float
    speeding_max_seconds: float
    straight_lining_min_items: int
    straight_lining_min_grids: int
    grids: tuple[Grid, ...]  # grids with at least `straight_lining_min_items` items
    max_weight_to_mean: float

    def quarantined_status(self, source_id: str, column: str) -> dict[str, str]:
        """Values of a fixed column that quarantine the row, and their reason."""
        return {
            value: rule.reason
            for rule in self.status
            if source_id in rule.sources and rule.column == column
            for value in rule.values
        }


def quality_rules() -> QualityRules:
    """The `quality:` section of the current pack's questionnaire, checked."""
    return _quality_rules(load_questionnaire())


@cache  # per questionnaire: a process may use several packs (tests)
def _quality_rules(q: Questionnaire) -> QualityRules:
    raw = q.quality
    reasons = raw.get("reasons") or {}
    if tuple(reasons) != REASONS:
        raise QuestionnaireError(f"quality.reasons must be {list(REASONS)} in that order")
    share = float(raw["max_quarantined_share"])
    if not 0 <= share < 1:
        raise QuestionnaireError("quality.max_quarantined_share must be in [0, 1)")
    timing = {s: (t["started"], t["completed"]) for s, t in raw["timing"].items()}
    if set(timing) != set(q.exports):
        raise QuestionnaireError("quality.timing must name every export source")
    status = tuple(
        StatusRule(
            reason,
            tuple(reasons[reason]["sources"]),
            reasons[reason]["column"],
            tuple(reasons[reason]["values"]),
        )
        for reason in STATUS_REASONS
    )
    speeding, flat = reasons["speeding"], reasons["straight_lining"]
    min_items = int(flat["min_items"])
    return QualityRules(
        max_quarantined_share=share,
        timing=timing,
        status=status,
        fieldwork={source_id: q.fieldwork(source_id) for source_id in q.exports},
        speeding_median_divisor=float(speeding["median_divisor"]),
        speeding_max_seconds=float(speeding["max_seconds"]),
        straight_lining_min_items=min_items,
        straight_lining_min_grids=int(flat["min_grids"]),
        grids=tuple(
            Grid(
                question.id,
                tuple(item["id"].lower() for item in question.items),
                tuple(c for c in question.scale.codes if q.missing_kind(c) is None),
                tuple(
                    label for c, label in question.scale.codes.items() if q.missing_kind(c) is None
                ),
            )
            for question in q.questions.values()
            if question.type in GRID_TYPES and len(question.items) >= min_items
        ),
        max_weight_to_mean=float(raw["max_weight_to_mean"]),
    )


@dataclass(frozen=True)
class Screened:
    """A file's rows split: `kept` (raw-table layout) and `quarantined` (`file_row`,
    `respondent_id`, `reason`, `detail`, in file order)."""

    kept: pl.DataFrame
    quarantined: pl.DataFrame

    def counts(self) -> dict[str, int]:
        """Quarantined rows by reason, every reason listed (0 when none)."""
        found = dict(self.quarantined.group_by("reason").len().iter_rows())
        return {reason: int(found.get(reason, 0)) for reason in REASONS}


def screen(frame: pl.DataFrame, spec: ExportSpec) -> Screened:
    """Split a checked export file's rows (raw-table layout, in file order) by the rules.

    The file's reader has already rejected ids repeated with different cells, so every repeat
    of an id here is an identical copy. Staged for speed at a million rows: the per-row flags
    first (grid answers as small codes, materialised once), then the reasons, then the details
    of the few quarantined rows only.
    """
    rules = quality_rules()
    ids = pl.col(spec.id_raw)
    started, completed = (pl.col(c) for c in rules.timing[spec.source_id])
    fieldwork_start, fieldwork_end = rules.fieldwork[spec.source_id]
    opens = datetime.combine(fieldwork_start, time())
    closes = datetime.combine(fieldwork_end + timedelta(days=1), time())
    status = {
        rule.reason: pl.col(meta.raw).is_in(list(rule.values)).fill_null(False)
        for rule in rules.status
        if spec.source_id in rule.sources
        for meta in spec.meta_columns
        if meta.name == rule.column
    }
    first_of_id = pl.lit(None, pl.Int64)  # the row an identical copy copies (a window: costly)
    if frame.get_column(spec.id_raw).is_duplicated().any():
        first_of_id = pl.col(_ROW).min().over("respondent_id")
    flags = frame.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(_ROW),
        ids.cast(pl.Int64).alias("respondent_id"),
        (~ids.is_first_distinct()).alias("duplicate_identical"),
        *(condition.alias(reason) for reason, condition in status.items()),
        (completed < opens).fill_null(False).alias("_before"),
        (completed >= closes).fill_null(False).alias("_after"),
        (started < opens).fill_null(False).alias("_started_before"),
        (started >= closes).fill_null(False).alias("_started_after"),
        (completed - started).dt.total_seconds().alias("_seconds"),
    ).with_columns(
        first_of_id.alias("_first"),
        pl.any_horizontal("_before", "_after", "_started_before", "_started_after").alias(
            "outside_fieldwork"
        ),
        *_grid_counts(frame, spec, rules),
    )
    earlier = ["duplicate_identical", *status, "outside_fieldwork"]
    median = flags.filter(~pl.any_horizontal(earlier)).get_column("_seconds").median()
    threshold = None
    if median is not None:
        threshold = min(median / rules.speeding_median_divisor, rules.speeding_max_seconds)
    flags = flags.with_columns(
        (pl.col("_seconds") < threshold).fill_null(False).alias("speeding"),
        (
            (pl.col("_answered") >= rules.straight_lining_min_grids)
            & (pl.col("_flat") == pl.col("_answered"))
        ).alias("straight_lining"),
    )
    reason = pl.lit(None, pl.String)
    for name in reversed([*earlier, "speeding", "straight_lining"]):  # the first one wins
        reason = pl.when(pl.col(name)).then(pl.lit(name)).otherwise(reason)
    flags = flags.select(
        _ROW,
        "respondent_id",
        reason.alias("reason"),
        "_first",
        "_before",
        "_after",
        "_started_before",
        "_answered",
    )
    kept = flags.get_column("reason").is_null()
    quarantined = flags.filter(~kept)
    return Screened(
        kept=frame.filter(kept) if quarantined.height else frame,  # no copy when all are kept
        quarantined=quarantined.select(
            (pl.col(_ROW) + spec.layout.first_data_row).alias("file_row"),
            "respondent_id",
            "reason",
            _details(quarantined, spec, rules, threshold).alias("detail"),
        ),
    )


def _details(
    quarantined: pl.DataFrame, spec: ExportSpec, rules: QualityRules, threshold: float | None
) -> pl.Expr:
    """The detail of each quarantined row: what the rule found, never a cell value."""
    layout = spec.layout
    fieldwork_start, fieldwork_end = rules.fieldwork[spec.source_id]
    texts = {
        "duplicate_identical": pl.format(  # the first row of the id, kept
            f"identical copy of {layout.row_word} {{}}", pl.col("_first") + layout.first_data_row
        ),
        "outside_fieldwork": pl.when(pl.col("_before"))
        .then(pl.lit(f"completed before fieldwork opened ({fieldwork_start})"))
        .when(pl.col("_after"))
        .then(pl.lit(f"completed after fieldwork closed ({fieldwork_end})"))
        .when(pl.col("_started_before"))
        .then(pl.lit(f"started before fieldwork opened ({fieldwork_start})"))
        .otherwise(pl.lit(f"started after fieldwork closed ({fieldwork_end})")),
        "speeding": pl.lit(
            f"completed in under {round(threshold or 0)} s (the lesser of the file's median"
            f" time / {_number(rules.speeding_median_divisor)} and"
            f" {_number(rules.speeding_max_seconds)} s)"
        ),
        "straight_lining": pl.format(
            f"one answer throughout each of the {{}} grids of {rules.straight_lining_min_items}"
            " or more items answered",
            pl.col("_answered"),
        ),
    }
    for rule in rules.status:
        what = "a test or preview" if rule.reason == "test_or_preview" else "a partial"
        texts[rule.reason] = pl.lit(f"{rule.column} marks {what} response")
    detail = pl.lit(None, pl.String)
    for reason, text in texts.items():
        detail = pl.when(pl.col("reason") == reason).then(text).otherwise(detail)
    return detail


def _grid_counts(frame: pl.DataFrame, spec: ExportSpec, rules: QualityRules) -> list[pl.Series]:
    """Per row: `_answered`, the long grids answered (at least `min_items` substantive
    answers), and `_flat`, those of them with one substantive answer throughout."""
    min_items = rules.straight_lining_min_items
    if not rules.grids:
        zeros = pl.Series(values=[0] * frame.height, dtype=pl.UInt32)
        return [zeros.alias("_answered"), zeros.alias("_flat")]
    codes, names = {}, []
    for grid in rules.grids:  # each item as a small code (null: not substantive or blank)
        values = grid.substantive_labels if spec.values == "labels" else grid.substantive_codes
        index = {value: i for i, value in enumerate(values)}
        names.append([f"__grid_{c}" for c in grid.columns])
        for column, name in zip(grid.columns, names[-1], strict=True):
            codes[name] = pl.col(column).replace_strict(index, default=None, return_dtype=pl.Int8)
    items = frame.select(**codes)  # materialised once: the sums below reuse them
    answered = [
        (pl.sum_horizontal(pl.col(n).is_not_null() for n in grid) >= min_items).alias(f"a{i}")
        for i, grid in enumerate(names)
    ]
    flat = [
        (pl.col(f"a{i}") & (pl.min_horizontal(grid) == pl.max_horizontal(grid))).alias(f"f{i}")
        for i, grid in enumerate(names)
    ]
    per_grid = items.with_columns(answered).with_columns(flat)
    total = per_grid.select(
        pl.sum_horizontal(f"a{i}" for i in range(len(names))).alias("_answered"),
        pl.sum_horizontal(f"f{i}" for i in range(len(names))).alias("_flat"),
    )
    return [total.get_column("_answered"), total.get_column("_flat")]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
