"""Contract checks shared by the Talk London and YouGov readers.

Each check records its findings in a ViolationCollector; rows are 0-based data-row indices there.
Messages name the file, column, row and rule and describe the problem; they never quote a
delivered value or a respondent id (only what the contract allows may be listed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import polars as pl

from .errors import Rule, ViolationCollector
from .exports import ExportSpec
from .quality import quality_rules

MAX_LISTED = 10  # allowed values spelled out in a message before abbreviating


def check_columns(header: Sequence[str], spec: ExportSpec, log: ViolationCollector) -> None:
    """Required columns present, none unknown (they may carry personal data), none twice."""
    expected = set(spec.expected_columns)
    present = set(header)
    for name, count in Counter(header).items():
        if count > 1:
            log.add(Rule.DUPLICATE_COLUMN, f"appears {count} times in the header", name)
    by_key = {_loose(name): name for name in expected}
    for name in header:
        if name not in expected:
            near = by_key.get(_loose(name))
            hint = f" (did you mean '{near}'?)" if near and near not in present else ""
            log.add(Rule.UNKNOWN_COLUMN, f"is not part of the export layout{hint}", name)
    for name in spec.expected_columns:
        if name not in present:
            log.add(Rule.MISSING_COLUMN, "is missing", name)


def check_required(values: pl.Series, column: str, log: ViolationCollector) -> None:
    for row in _rows(values.is_null()):
        log.add(Rule.REQUIRED, "is blank but required", column, row)


def check_unique(values: pl.Series, column: str, log: ViolationCollector) -> None:
    """Every repeat of a value is a violation naming the row of its first occurrence."""
    _report_repeats(values.to_frame(), values.name, column, "id is duplicated", log)


def check_duplicates(
    frame: pl.DataFrame, id_raw: str, column: str, log: ViolationCollector
) -> None:
    """A respondent id repeated with any cell different is a violation.

    Repeats whose every cell is identical are not: the copies are quarantined at load
    (ingest/quality.py, `duplicate_identical`).
    """
    ids = frame.get_column(id_raw)
    if not (ids.is_duplicated() & ids.is_not_null()).any():
        return
    differs = pl.struct(frame.columns).n_unique().over(id_raw) > 1
    _report_repeats(frame, id_raw, column, "id is duplicated with different answers", log, differs)


def _report_repeats(
    frame: pl.DataFrame,
    key: str,
    column: str,
    detail: str,
    log: ViolationCollector,
    condition: pl.Expr | None = None,
) -> None:
    row = "__check_row"
    repeats = (
        frame.with_row_index(row)
        .filter(pl.col(key).is_not_null() & pl.col(key).is_duplicated())
        .with_columns(pl.col(row).min().over(key).alias("__first"))
        .filter(pl.col(row) != pl.col("__first"), *([condition] if condition is not None else []))
    )
    for index, first in repeats.select(row, "__first").iter_rows():
        where = f"{log.layout.row_word} {first + log.layout.first_data_row}"
        log.add(Rule.DUPLICATE_ID, f"{detail} (first in {where})", column, index)


def check_allowed(
    values: pl.Series, allowed: Sequence[str], column: str, log: ViolationCollector
) -> None:
    """A fixed column restricted to a few values (e.g. Status)."""
    for row in _rows(values.is_not_null() & ~values.is_in(list(allowed))):
        log.add(
            Rule.NOT_ALLOWED, f"value is not allowed (allowed: {describe(allowed)})", column, row
        )


def check_in_codebook(
    values: pl.Series, allowed: Sequence, column: str, log: ViolationCollector
) -> int:
    """Non-blank values must be among `allowed` (labels or codes); returns how many are not."""
    bad = _rows(values.is_not_null() & ~values.is_in(list(allowed)))
    for row in bad:
        log.add(
            Rule.CODEBOOK,
            f"value is not in the codebook (allowed: {describe(allowed)})",
            column,
            row,
        )
    return len(bad)


def check_max_length(
    values: pl.Series, max_length: int | None, column: str, log: ViolationCollector
) -> None:
    if max_length is None:
        return
    for row in _rows(values.str.len_chars() > max_length):
        log.add(Rule.MAX_LENGTH, f"text is longer than {max_length} characters", column, row)


def check_time_order(frame: pl.DataFrame, spec: ExportSpec, log: ViolationCollector) -> None:
    """A respondent cannot complete before they started: such a row is rejected (a clock or
    export fault), never screened as speeding. Columns: the quality rules' timing columns."""
    started, completed = quality_rules().timing[spec.source_id]
    names = {m.raw: m.name for m in spec.meta_columns}
    if not all(
        c in frame.columns and isinstance(frame.schema[c], pl.Datetime)
        for c in (started, completed)
    ):
        return  # a missing or mistyped column is reported by its own check
    later = frame.get_column(started) > frame.get_column(completed)
    for row in _rows(later):
        log.add(
            Rule.TIME_ORDER,
            f"is after '{names[completed]}': a response cannot be completed before it started",
            names[started],
            row,
        )


def describe(allowed: Sequence) -> str:
    """Allowed values for a message: codes as ranges ('1-5, 98'), labels separated by ';'."""
    if allowed and all(isinstance(a, int | float) for a in allowed):
        return _code_ranges(sorted(int(a) for a in allowed))
    listed = "; ".join(str(a) for a in allowed[:MAX_LISTED])
    more = len(allowed) - MAX_LISTED
    return listed + (f"; ... ({more} more, see docs/export-formats.md)" if more > 0 else "")


def _code_ranges(codes: list[int]) -> str:
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][-1] + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    return ", ".join(
        f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(str(c) for c in r) for r in runs
    )


def _rows(mask: pl.Series) -> list[int]:
    return mask.fill_null(False).arg_true().to_list()


def _loose(name: str) -> str:
    return " ".join(name.split()).casefold()
