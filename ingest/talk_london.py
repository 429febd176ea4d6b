"""Talk London survey platform export (XLSX or CSV, answer labels): read and check the contract.

Both formats are read cell by cell as text into a grid whose first row is the header, so that
the same export gives the same frame whichever format it was delivered in.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import fastexcel
import polars as pl

from . import csv_scan, hostile, sniff, xlsx_cells
from .checks import (
    check_allowed,
    check_columns,
    check_duplicates,
    check_in_codebook,
    check_max_length,
    check_required,
    check_time_order,
)
from .errors import SPREADSHEET, ContractViolation, Rule, ViolationCollector, reader_boundary
from .exports import ExportFile, ExportSpec, MetaColumn, export_spec, parse_export_name

READER = f"polars {pl.__version__} / fastexcel {fastexcel.__version__}"
UTF8_BOM = b"\xef\xbb\xbf"
HEADER_SEARCH_ROWS = 10  # rows searched for a header that is not in row 1
WHOLE_NUMBER = r"^([0-9]+)\.0+$"  # '1.0': a rank stored as a number by a spreadsheet
ASCII_ID = r"^([0-9]{1,18})$"  # not \d: full-width and Arabic-Indic digits match \d
# A field may be as long as a file may be: the contract (max_length, codebook) judges its length,
# never the csv module's default limit of 131,072 characters.
FIELD_LIMIT = hostile.MAX_FILE_BYTES
BATCH_ROWS = 50_000  # records collected before they become a polars frame


def read_talk_london(path: Path, source_id: str = "talk_london") -> pl.DataFrame:
    """Read one Talk London export and check its contract (raises ContractViolation).

    Returns the raw-table layout: meta columns under their raw names (typed), then one column
    per exported variable named by its lower-case id, labels as delivered (an Enum of the
    codebook's labels for coded variables, text for open answers).
    """
    spec = export_spec(source_id)
    if spec.values != "labels":
        raise ValueError(f"{source_id} is not a label (Talk London) export source")
    export = parse_export_name(Path(path), spec)
    log = ViolationCollector(export.name, SPREADSHEET)
    hostile.check_file(export.path, export.format, log)  # size, zip bomb, macros
    sniff.check_kind(export.path, export.format, log)  # a ZIP named .csv, UTF-16, a PDF ...
    with reader_boundary(log, READER):
        return _read_checked(export, spec, log)


def _read_checked(export: ExportFile, spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    text_clean = False  # True when a scan of the whole file found no hostile character
    if export.format == "xlsx":
        grid = _read_xlsx_grid(export.path, spec, log)
    else:
        grid, text_clean = _read_csv_grid(export.path, spec, log)
    header, data = _header_and_data(grid, spec, log)
    if export.format == "xlsx":
        _check_formulas(export.path, spec, [str(c) for c in grid.row(0)], log)
    del grid
    check_columns(header, spec, log)
    hostile.check_header(header, log)
    log.raise_if_any()
    named = data.select(
        pl.col(data.columns[header.index(name)]).alias(name) for name in spec.expected_columns
    )
    del data
    if not text_clean:
        hostile.check_text(named, log)  # control, zero-width, bidi characters; mojibake
    frame = _typed(named, spec, log)
    log.raise_if_any()
    return frame


def _read_xlsx_grid(path: Path, spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    try:
        workbook = fastexcel.read_excel(path)
        if spec.sheet not in workbook.sheet_names:
            sheets = ", ".join(f"'{s}'" for s in workbook.sheet_names)
            detail = f"sheet '{spec.sheet}' not found (the workbook has {sheets})"
            raise log.fail(Rule.SHEET, detail)
        # header_row=None with skip_rows=0 keeps leading blank rows: row numbers stay as in Excel.
        sheet = workbook.load_sheet_by_name(
            spec.sheet, header_row=None, skip_rows=0, dtypes="string"
        )
        return sheet.to_polars()
    except fastexcel.FastExcelError as e:
        kind = type(e).__name__  # never its message: it may quote a cell
        failed = f"not a readable XLSX workbook (fastexcel: {kind})"
    raise log.fail(Rule.UNREADABLE, failed)


def _check_formulas(
    path: Path, spec: ExportSpec, header: list[str], log: ViolationCollector
) -> None:
    """A formula cell without a stored (cached) value would read as blank: rejected."""
    for row, column, ref in xlsx_cells.formulas_without_value(path, spec.sheet):
        name = header[column] if column < len(header) else None
        log.add(
            Rule.FORMULA,
            f"cell {ref} of sheet '{spec.sheet}' holds a formula without a stored value;"
            " calculate and save the workbook, or export values rather than formulas",
            name,
            data_row=row - 2 if row >= 2 else None,
        )


def _read_csv_grid(
    path: Path, spec: ExportSpec, log: ViolationCollector
) -> tuple[pl.DataFrame, bool]:
    """The cells as a grid (row 0 the header) and whether the text is known to be clean.

    The file is never held whole: one streaming scan (ingest/csv_scan.py) checks the encoding
    and tells whether the structure and the text are plain. A plain file is read by polars
    (the coded variables' columns as categoricals). Any other file is read by the exact pass,
    the csv module, streamed: what it reads is what is loaded (polars never re-reads a file
    whose structure is not plain, so the two can never disagree), and it names the row and
    column of each quoting fault.
    """
    if codecs.lookup(spec.encoding).name != "utf-8":
        return _read_csv_grid_in_memory(path, spec, log), False
    try:
        scan = csv_scan.scan(path, spec.delimiter, FIELD_LIMIT)
    except csv_scan.EmptyFile:
        raise log.fail(Rule.EMPTY, "file is empty (no header row)") from None
    except csv_scan.BadEncoding as e:
        raise _encoding_violation_in_file(path, e.start, e.end, spec, log) from None
    if scan.structure_ok:
        _check_header_position(_first_records(path, spec), spec, log)
        log.raise_if_any()
        try:
            return _read_plain_csv(path, spec), scan.text_clean
        except pl.exceptions.PolarsError:
            pass  # not expected for a plain file: the exact pass below reads it and says why
    with open(path, encoding="utf-8-sig", newline="") as text:
        return _read_records(text, spec, log), False


def _read_plain_csv(path: Path, spec: ExportSpec) -> pl.DataFrame:
    options = dict(
        has_header=False,
        infer_schema=False,
        separator=spec.delimiter,
        quote_char='"',
        raise_if_empty=False,
    )
    first = pl.read_csv(path, n_rows=1, **options)
    coded = _coded_columns(spec)
    categorical = {
        column: pl.Categorical
        for column in first.columns
        if first.height and first.get_column(column)[0] in coded
    }
    return pl.read_csv(path, schema_overrides=categorical, **options)


def _read_csv_grid_in_memory(path: Path, spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    """Any other declared encoding: decoded whole, then read by the exact pass."""
    data = path.read_bytes().removeprefix(UTF8_BOM)
    if not data.strip():
        raise log.fail(Rule.EMPTY, "file is empty (no header row)")
    try:
        text = data.decode(spec.encoding)
    except UnicodeDecodeError as e:
        failure = _encoding_violation(data, e, spec, log)
    else:
        del data
        return _read_records(io.StringIO(text, newline=""), spec, log)
    raise failure


class _Lines:
    """The lines of a text, remembering those handed out since the last `take`: the csv module
    reads one record's lines at a time, so `take` after each record gives its raw text."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line

    def take(self) -> str:
        raw, self.taken = "".join(self.taken), []
        return raw


def _read_records(lines: Iterable[str], spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    """The exact pass: read every record with the csv module (strict), checking quoting and
    field counts, and return the grid while nothing is wrong. Row numbers are records."""
    source = _Lines(lines)
    records = csv.reader(source, delimiter=spec.delimiter, strict=True)
    first_rows: list[list[str]] = []
    header_width = None
    ragged: list[tuple[int, int]] = []  # (data row, fields)
    batch: list[list[str | None]] = []
    frames: list[pl.DataFrame] = []
    index = -1
    limit = csv.field_size_limit(FIELD_LIMIT)  # restored below
    try:
        for index, record in enumerate(records):
            raw = source.take()
            if '"' in raw and (fault := _quote_fault(raw, spec.delimiter)) is not None:
                field, detail = fault
                log.add(Rule.QUOTING, detail, _column_name(first_rows, field), index - 1)
            if len(first_rows) < HEADER_SEARCH_ROWS:
                first_rows.append(record)
            width = len(record)
            if header_width is None:
                header_width = width
            elif width and width != header_width:
                ragged.append((index - 1, width))
            if log.total or ragged:
                batch, frames = [], []  # nothing will be loaded: only the checks go on
                continue
            batch.append(record if width else [None] * header_width)
            if len(batch) == BATCH_ROWS:
                frames.append(_frame(batch, header_width))
                batch = []
    except csv.Error:
        failing = index + 1  # the record the csv module could not finish: where it began
        fault = _quote_fault(source.take(), spec.delimiter)
        field, detail = fault or (None, "is not valid CSV quoting (RFC 4180)")
        raise log.fail(Rule.QUOTING, detail, _column_name(first_rows, field), failing - 1) from None
    finally:
        csv.field_size_limit(limit)
    _check_header_position(first_rows, spec, log)
    for row, width in ragged:
        log.add(Rule.RAGGED_ROW, f"has {width} fields, the header {header_width}", data_row=row)
    log.raise_if_any()
    if batch:
        frames.append(_frame(batch, header_width))
    return pl.concat(frames) if frames else pl.DataFrame()


def _frame(rows: list[list[str | None]], width: int) -> pl.DataFrame:
    schema = {f"column_{i}": pl.String for i in range(width)}  # as polars names them
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.with_columns(pl.all().replace("", None))  # blank as polars reads it: null


def _column_name(first_rows: list[list[str]], field: int | None) -> str | None:
    if field is None or not first_rows or field >= len(first_rows[0]):
        return None
    return first_rows[0][field] or None


def _quote_fault(raw: str, delimiter: str) -> tuple[int, str] | None:
    """The first quoting fault in one record's raw text (RFC 4180): (field index, what)."""
    unquoted = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    field, i, n = 0, 0, len(raw)
    while i < n:
        if raw[i] == '"':
            j = i + 1
            while True:
                k = raw.find('"', j)
                if k < 0:
                    return field, (
                        "a quoted field begins in this row but its closing double quote is"
                        " missing (a stray or lost double quote?)"
                    )
                if raw.startswith('"', k + 1):
                    j = k + 2
                    continue
                break
            i = k + 1
            if i < n and raw[i] not in (delimiter, "\r", "\n"):
                return field, (
                    "text follows the closing double quote of a quoted field that begins in"
                    ' this row; a double quote inside a field must be doubled ("")'
                )
        else:
            end = unquoted.match(raw, i).end()
            if '"' in raw[i:end]:
                return field, (
                    "a double quote inside a field that is not enclosed in double quotes;"
                    ' enclose the field in double quotes and double the quote ("")'
                )
            i = end
        if i < n and raw[i] == delimiter:
            field += 1
            i += 1
            if i == n:
                return None
            continue
        return None
    return None


@contextmanager
def _no_field_limit() -> Iterator[None]:
    """The csv module's field size limit lifted to FIELD_LIMIT (it is process-wide)."""
    limit = csv.field_size_limit(FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def _first_records(path: Path, spec: ExportSpec) -> list[list[str]]:
    """The first records, for the header check (the file is known to be plain CSV)."""
    with open(path, encoding="utf-8-sig", newline="") as text, _no_field_limit():
        records = csv.reader(text, delimiter=spec.delimiter, strict=True)
        return list(itertools.islice(records, HEADER_SEARCH_ROWS))


def _coded_columns(spec: ExportSpec) -> set[str]:
    """Header names of the variables delivered as codebook labels (read as categoricals)."""
    return {
        spec.column_of(v) for v in spec.variables if v.kind not in ("open_text", "ranking_item")
    }


def _encoding_violation_in_file(
    path: Path, start: int, end: int, spec: ExportSpec, log: ViolationCollector
) -> ContractViolation:
    """As `_encoding_violation`, reading only the file's bytes up to the bad one, streamed."""
    with open(path, "rb") as fh:
        skip = len(UTF8_BOM) if fh.read(len(UTF8_BOM)) == UTF8_BOM else 0
        fh.seek(skip + start)
        bad = fh.read(end - start)
        fh.seek(skip)
        before = io.TextIOWrapper(
            io.BufferedReader(_Prefix(fh, start)), encoding=spec.encoding, newline=""
        )
        count, header, last = _records_to_the_end(before, spec)
    return _bad_byte(bad, count, header, last, spec, log)


def _encoding_violation(
    data: bytes, error: UnicodeDecodeError, spec: ExportSpec, log: ViolationCollector
) -> ContractViolation:
    """Point at the row (and column) of the first byte that is not valid in the encoding."""
    before = io.StringIO(data[: error.start].decode(spec.encoding), newline="")
    count, header, last = _records_to_the_end(before, spec)
    return _bad_byte(data[error.start : error.end], count, header, last, spec, log)


def _records_to_the_end(lines: Iterable[str], spec: ExportSpec) -> tuple[int, list[str], list[str]]:
    """Records of the text before a bad byte: how many, the first and the last. A sentinel
    character appended to the text makes an empty partial last record count as a record."""
    count, header, last = 0, [], []
    for record in csv.reader(_with_sentinel(lines), delimiter=spec.delimiter):
        if not count:
            header = record
        count, last = count + 1, record
    return count, header, last


def _with_sentinel(lines: Iterable[str]) -> Iterator[str]:
    """The lines of `text + "_"`, read one at a time."""
    previous = None
    for line in lines:
        if previous is not None:
            yield previous
        previous = line
    if previous is None or previous.endswith(("\n", "\r")):
        if previous is not None:
            yield previous
        yield "_"
    else:
        yield previous + "_"


class _Prefix(io.RawIOBase):
    """The next `size` bytes of an open binary file."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh, self.left = fh, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        data = self.fh.read(min(len(buffer), self.left))
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


def _bad_byte(
    bad: bytes,
    count: int,
    header: list[str],
    last: list[str],
    spec: ExportSpec,
    log: ViolationCollector,
) -> ContractViolation:
    record_index = count - 1  # 0 = the header
    field = len(last) - 1
    column = header[field] if record_index and field < len(header) else None
    encoding = spec.encoding.upper()
    return log.fail(
        Rule.ENCODING,
        f"byte 0x{bad.hex().upper()} is not valid {encoding} (in Windows-1252 it would be"
        f" '{bad.decode('cp1252', errors='replace')}'); save the file as {encoding}",
        column,
        data_row=record_index - 1,  # -1 = the header row
    )


def _check_header_position(
    first_rows: Sequence[Sequence[str | None]], spec: ExportSpec, log: ViolationCollector
) -> None:
    """The header must be in row 1; recognise a title (or blank) row above it."""
    rows = [[cell or None for cell in row] for row in first_rows]
    if not rows or spec.id_column in rows[0]:
        return
    found = next((i for i, row in enumerate(rows) if spec.id_column in row), None)
    title = next((cell for cell in rows[0] if cell), None)
    if found is None and title is not None:
        return  # row 1 is the header with the wrong columns: the column checks say which
    above = "row 1 holds other text, a title?" if title else "row 1 is blank"
    where = f"the header is in row {found + 1}" if found is not None else "no header found"
    raise log.fail(
        Rule.HEADER_ROW,
        f"the header must be in row 1, but {where} ({above}); remove any rows above the header",
    )


def _header_and_data(
    grid: pl.DataFrame, spec: ExportSpec, log: ViolationCollector
) -> tuple[list[str], pl.DataFrame]:
    """Split the grid into header names and data rows; blank cells become null."""
    grid = grid.with_columns(pl.all().replace("", None))
    last = None
    if grid.width:
        filled = grid.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
        last = max(filled.arg_true(), default=None)
    if last is None:
        raise log.fail(Rule.EMPTY, "file is empty (no header row)")
    grid = grid.head(last + 1)  # trailing blank rows are formatting, not data
    _check_header_position(grid.head(HEADER_SEARCH_ROWS).rows(), spec, log)
    cells, data = grid.row(0), grid.slice(1)
    if data.height == 0:
        raise log.fail(Rule.NO_ROWS, "has a header but no data rows")
    keep = []
    for index, name in enumerate(cells):
        if name is not None:
            keep.append(index)
        elif data.get_column(data.columns[index]).is_not_null().any():
            log.add(Rule.UNKNOWN_COLUMN, f"column {index + 1} has values but no header")
    return [cells[i] for i in keep], data.select(data.columns[i] for i in keep)


def _typed(frame: pl.DataFrame, spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    columns = [
        _meta_values(frame.get_column(m.name), m, log).alias(m.raw) for m in spec.meta_columns
    ]
    for variable in spec.variables:
        name = spec.column_of(variable)
        values = frame.get_column(name)
        if variable.kind == "ranking_item":
            values = values.cast(pl.String).str.replace(WHOLE_NUMBER, "${1}")
        if variable.kind == "open_text":
            check_max_length(values, variable.max_length, name, log)
        elif not check_in_codebook(values, variable.valid_labels, name, log):
            # every label is the codebook's: a small Enum instead of a column of text
            values = values.cast(pl.Enum(list(dict.fromkeys(variable.valid_labels))))
        columns.append(values.alias(variable.id.lower()))
    frame = pl.DataFrame(columns)
    check_time_order(frame, spec, log)
    check_duplicates(frame, spec.id_raw, spec.id_column, log)
    return frame


def _meta_values(values: pl.Series, meta: MetaColumn, log: ViolationCollector) -> pl.Series:
    """Check one fixed column and type it from its text."""
    check_required(values, meta.name, log)
    if meta.type == "integer":
        typed = values.str.extract(ASCII_ID).cast(pl.Int64)
        _report_unparsed(values, typed, Rule.INTEGER, "a whole number", meta.name, log)
    elif meta.type == "datetime":
        typed = values.str.strptime(pl.Datetime("us"), meta.format, strict=False)
        expected = f"a date-time formatted {meta.format}"
        _report_unparsed(values, typed, Rule.DATETIME, expected, meta.name, log)
    elif meta.type == "string":
        typed = values
    else:
        raise ValueError(f"{meta.name}: {meta.type} columns are not supported in a text export")
    if meta.allowed is not None:  # and the values that quarantine the row (ingest/quality.py)
        check_allowed(values, meta.allowed + meta.quarantined, meta.name, log)
    return typed


def _report_unparsed(
    text: pl.Series,
    typed: pl.Series,
    rule: Rule,
    expected: str,
    column: str,
    log: ViolationCollector,
) -> None:
    for row in (text.is_not_null() & typed.is_null()).arg_true().to_list():
        log.add(rule, f"value is not {expected}", column, row)
