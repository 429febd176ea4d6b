"""Contract checks shared by the Talk London and YouGov readers.

Each check records its findings in a ViolationCollector; rows are 0-based data-row indices there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import polars as pl

from .errors import Rule, ViolationCollector
from .exports import ExportSpec

MAX_LISTED = 10  # allowed values spelled out in a message before abbreviating
MAX_SHOWN_CHARS = 60  # a delivered value is cut to this length in a message


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
    first_row: dict[object, int] = {}
    for row in _rows(values.is_duplicated() & values.is_not_null()):
        value = values[row]
        if value in first_row:
            first = first_row[value] + log.layout.first_data_row
            log.add(
                Rule.DUPLICATE_ID,
                f"id {value} is duplicated (first in {log.layout.row_word} {first})",
                column,
                row,
            )
        else:
            first_row[value] = row


def check_allowed(
    values: pl.Series, allowed: Sequence[str], column: str, log: ViolationCollector
) -> None:
    """A fixed column restricted to a few values (e.g. Status)."""
    for row in _rows(values.is_not_null() & ~values.is_in(list(allowed))):
        detail = f"value {show(values[row])} is not {describe(allowed)}"
        log.add(Rule.NOT_ALLOWED, detail, column, row)


def check_in_codebook(
    values: pl.Series, allowed: Sequence, column: str, log: ViolationCollector
) -> None:
    """Non-blank values must be among `allowed` (labels or codes)."""
    bad = values.is_not_null() & ~values.is_in(list(allowed))
    for row in _rows(bad):
        log.add(
            Rule.CODEBOOK,
            f"value {show(values[row])} is not in the codebook (allowed: {describe(allowed)})",
            column,
            row,
        )


def check_max_length(
    values: pl.Series, max_length: int | None, column: str, log: ViolationCollector
) -> None:
    if max_length is None:
        return
    lengths = values.str.len_chars()
    for row in _rows(lengths > max_length):
        log.add(
            Rule.MAX_LENGTH,
            f"text of {lengths[row]} characters is longer than {max_length}",
            column,
            row,
        )


def describe(allowed: Sequence) -> str:
    """Allowed values for a message: codes as ranges ('1-5, 98'), labels separated by ';'."""
    if allowed and all(isinstance(a, int | float) for a in allowed):
        return _code_ranges(sorted(int(a) for a in allowed))
    listed = "; ".join(str(a) for a in allowed[:MAX_LISTED])
    more = len(allowed) - MAX_LISTED
    return listed + (f"; ... ({more} more, see docs/export-formats.md)" if more > 0 else "")


def show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + "..."
    return f"'{text}'"


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
