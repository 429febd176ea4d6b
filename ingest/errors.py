"""Contract violations: what is wrong with a delivered export file, and where."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

MAX_REPORTED = 20  # violations listed in an error message
MAX_KEPT = 1000  # violations kept on the exception (the total is always counted)
MAX_NAME_SHOWN = 400  # a longer column name is cut short in messages


class Rule(StrEnum):
    """The contract rule a file breaks (stable identifiers, listed in docs/export-formats.md)."""

    FILE_NAME = "file_name"
    UNREADABLE = "unreadable"
    ENCODING = "encoding"
    SHEET = "sheet"
    EMPTY = "empty"
    HEADER_ROW = "header_row"
    RAGGED_ROW = "ragged_row"
    NO_ROWS = "no_rows"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    DUPLICATE_COLUMN = "duplicate_column"
    COLUMN_TYPE = "column_type"
    REQUIRED = "required"
    INTEGER = "integer"
    DUPLICATE_ID = "duplicate_id"
    DATETIME = "datetime"
    NOT_ALLOWED = "not_allowed"
    WEIGHT = "weight"
    EXTREME_WEIGHT = "extreme_weight"
    CODEBOOK = "codebook"
    VALUE_LABELS = "value_labels"
    TRUNCATED = "truncated"
    MAX_LENGTH = "max_length"
    FORMATS_DIFFER = "formats_differ"
    OVERSIZED = "oversized"  # ingest/hostile.py
    MACRO = "macro"
    CONTROL_CHARACTER = "control_character"
    MOJIBAKE = "mojibake"
    QUARANTINE_SHARE = "quarantine_share"  # ingest/quality.py
    FILE_TYPE = "file_type"  # ingest/sniff.py
    QUOTING = "quoting"
    CASE_COUNT = "case_count"
    VARIABLE_NAMES = "variable_names"
    FORMULA = "formula"
    TIME_ORDER = "time_order"
    FUTURE_DATE = "future_date"
    SHRINKING_EXPORT = "shrinking_export"  # ingest/load.py


@dataclass(frozen=True)
class RowLayout:
    """How a file format names its columns and numbers its rows in messages."""

    column_word: str  # "column" (spreadsheet) or "variable" (SPSS)
    row_word: str  # "row" or "case"
    first_data_row: int  # number of the first data row as a person sees it
    note: str


SPREADSHEET = RowLayout("column", "row", 2, "rows are spreadsheet rows; the header is row 1")
SPSS = RowLayout("variable", "case", 1, "cases are numbered from 1 as in SPSS Data View")


@dataclass(frozen=True)
class Violation:
    file: str
    rule: Rule
    detail: str
    column: str | None = None
    row: int | None = None  # as a person sees it in the file (see RowLayout)
    layout: RowLayout = SPREADSHEET

    def __str__(self) -> str:
        location = []
        if self.column is not None:
            column = self.column
            if len(column) > MAX_NAME_SHOWN:  # a whole header line read as one name
                column = f"{column[:80]}... ({len(column)} characters)"
            location.append(f"{self.layout.column_word} '{column}'")
        if self.row is not None:
            location.append(f"{self.layout.row_word} {self.row}")
        return ": ".join([self.file, *([" ".join(location)] if location else []), self.detail])


class ContractViolation(ValueError):
    """One or more export files break the export contract. Nothing has been loaded.

    `file`, `column`, `row` and `rule` describe the first violation; `violations` holds the
    first MAX_KEPT of them and `total` counts all.
    """

    def __init__(self, violations: list[Violation], total: int | None = None) -> None:
        if not violations:
            raise ValueError("ContractViolation needs at least one violation")
        self.violations = violations
        self.total = total if total is not None else len(violations)
        super().__init__(self._message())

    def __reduce__(self):  # keep the structured fields when pickled (e.g. across processes)
        return self.__class__, (self.violations, self.total)

    @property
    def file(self) -> str:
        return self.violations[0].file

    @property
    def column(self) -> str | None:
        return self.violations[0].column

    @property
    def row(self) -> int | None:
        return self.violations[0].row

    @property
    def rule(self) -> Rule:
        return self.violations[0].rule

    def records(self) -> list[dict[str, object]]:
        """The violations kept, as plain records (file, column, row, rule, detail): for a table
        in run metadata or a console summary. Never a delivered value (details hold none)."""
        return [
            {
                "file": v.file,
                "column": v.column,
                "row": v.row,
                "row_kind": v.layout.row_word,
                "rule": str(v.rule),
                "detail": v.detail,
            }
            for v in self.violations
        ]

    @classmethod
    def combine(cls, errors: Iterable[ContractViolation]) -> ContractViolation:
        errors = list(errors)
        return cls(
            [v for e in errors for v in e.violations][:MAX_KEPT], sum(e.total for e in errors)
        )

    def _message(self) -> str:
        if self.total == 1:
            only = self.violations[0]
            note = f" ({only.layout.note})" if only.row is not None else ""
            return f"{only}{note}"
        files = list(dict.fromkeys(v.file for v in self.violations))
        where = files[0] if len(files) == 1 else f"{len(files)} files"
        notes = "; ".join(
            dict.fromkeys(v.layout.note for v in self.violations if v.row is not None)
        )
        lines = [f"{where}: {self.total} contract violations" + (f" ({notes})" if notes else "")]
        lines += [f"  {v}" for v in self.violations[:MAX_REPORTED]]
        if self.total > MAX_REPORTED:
            lines.append(f"  ... and {self.total - MAX_REPORTED} more")
        return "\n".join(lines)


class ViolationCollector:
    """Collects the violations found in one file; `raise_if_any` raises them together."""

    def __init__(self, file: str, layout: RowLayout) -> None:
        self.file = file
        self.layout = layout
        self.violations: list[Violation] = []
        self.total = 0

    def add(
        self, rule: Rule, detail: str, column: str | None = None, data_row: int | None = None
    ) -> None:
        """Record a violation; `data_row` is the 0-based index among the file's data rows."""
        self.total += 1
        if len(self.violations) < MAX_KEPT:
            row = None if data_row is None else data_row + self.layout.first_data_row
            self.violations.append(Violation(self.file, rule, detail, column, row, self.layout))

    def fail(
        self, rule: Rule, detail: str, column: str | None = None, data_row: int | None = None
    ) -> ContractViolation:
        """A violation that stops the checks: returns the error to raise (with earlier ones)."""
        self.add(rule, detail, column, data_row)
        return ContractViolation(self.violations, self.total)

    def raise_if_any(self) -> None:
        if self.total:
            raise ContractViolation(self.violations, self.total)


@contextmanager
def reader_boundary(log: ViolationCollector, reader: str) -> Iterator[None]:
    """Turn any exception a reader library raises into the file's own violation.

    Library messages are never shown: they may quote a cell (polars quotes the text it could
    not parse), so only the exception's type is named. ContractViolation passes through.
    """
    failed = None
    try:
        yield
    except ContractViolation:
        raise
    except Exception as e:  # noqa: BLE001 - the file boundary: every reader error ends here
        failed = type(e).__name__
    if failed is not None:  # raised outside the handler: no library exception chained to it
        raise log.fail(
            Rule.UNREADABLE,
            f"could not be read ({reader} stopped with {failed}); the file is damaged"
            " or not in the documented layout (docs/export-formats.md)",
        ) from None  # neither cause nor context: tracebacks never show the library's message


class RawTableMismatch(RuntimeError):
    """An existing raw table's columns differ from what the questionnaire now defines."""
