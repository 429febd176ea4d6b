"""YouGov SPSS export (.sav, numeric codes): read and check the contract.

Besides the cells, the file's metadata is checked against the questionnaire: every coded
variable's value labels must be the codebook's (a changed label means the codes may have moved),
and a string variable must be declared at least as wide as the contract says (a narrower one may
have cut answers short).
"""

from __future__ import annotations

import codecs
import re
import shutil
import struct
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyreadstat

from . import hostile, sniff
from .checks import (
    check_columns,
    check_duplicates,
    check_in_codebook,
    check_max_length,
    check_required,
    check_time_order,
    describe,
)
from .errors import SPSS, Rule, ViolationCollector, reader_boundary
from .exports import ExportSpec, MetaColumn, export_spec, parse_export_name
from .quality import quality_rules

READER = f"pyreadstat {pyreadstat.__version__}"


def read_yougov(path: Path, source_id: str) -> pl.DataFrame:
    """Read one YouGov .sav export and check its contract (raises ContractViolation).

    User-missing codes (97/98/99) stay codes. Returns the raw-table layout: meta columns under
    their raw names, then one column per exported variable named by its lower-case id (codes
    as Int32, open text as String).
    """
    spec = export_spec(source_id)
    if spec.values != "codes":
        raise ValueError(f"{source_id} is not an SPSS export source")
    export = parse_export_name(Path(path), spec)
    log = ViolationCollector(export.name, SPSS)
    if export.path.stat().st_size == 0:
        raise log.fail(Rule.EMPTY, "file is empty")
    hostile.check_file(export.path, export.format, log)
    sniff.check_kind(export.path, export.format, log)  # a CSV or a ZIP named .sav ...
    with reader_boundary(log, READER):
        return _read_checked(export.path, spec, log)


def _read_checked(path: Path, spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    declared = declared_cases(path)
    failed = None
    try:
        with _without_case_count(path) as readable:
            frame, meta = read_sav(readable)
    except pyreadstat.ReadstatError as e:  # readstat's own fixed messages: they quote no data
        failed = Rule.UNREADABLE, f"not a readable SPSS .sav file ({_first_line(e)})"
    except UnicodeError:
        encoding = _declared_encoding(path)
        failed = (
            Rule.VARIABLE_NAMES,
            (
                f"text in the file does not decode in the encoding it declares ({encoding});"
                " export it again declaring UTF-8"
            ),
        )
    except pyreadstat.PyreadstatError as e:
        failed = Rule.UNREADABLE, f"not a readable SPSS .sav file ({type(e).__name__})"
    if failed is not None:
        raise log.fail(*failed)
    if declared is not None and declared >= 0 and declared != frame.height:
        raise log.fail(
            Rule.CASE_COUNT,
            f"the file's header declares {declared} cases but the file holds {frame.height}"
            " complete cases;"
            " the file was cut short or its header is wrong: export it again",
        )
    counted = uncompressed_cases(path)
    if counted is not None and (counted[1] or counted[0] != frame.height):
        raise log.fail(
            Rule.CASE_COUNT,
            f"the file's data holds {counted[0]} whole cases and {counted[1]} bytes more, but"
            f" {frame.height} cases were read: the file was cut short or is damaged; export it"
            " again",
        )
    if frame.height == 0:
        raise log.fail(Rule.NO_ROWS, "has variables but no cases")
    _check_name_encoding(frame.columns, spec, meta.file_encoding, log)
    _check_declared_encoding(meta.file_encoding, spec, log)
    check_columns(frame.columns, spec, log)
    log.raise_if_any()
    check_value_labels(meta.variable_value_labels, meta.readstat_variable_types, spec, log)
    check_string_widths(meta.variable_storage_width, meta.readstat_variable_types, spec, log)
    hostile.check_text(frame, log)  # string variables: control characters, mojibake
    typed = _typed(frame, spec, log)
    log.raise_if_any()
    return typed


def read_sav(path: Path) -> tuple[pl.DataFrame, pyreadstat.metadata_container]:
    """The file's cases as polars reads them from pyreadstat's polars output, and its metadata.

    User-missing codes stay codes (without user_missing=True pyreadstat turns 97/98/99 into
    nulls). pyreadstat builds its polars output from a Python object per cell (about 3 GB and
    40 s for 426k cases of 155 variables); its pandas output fills numpy arrays instead (a
    third of the memory, faster). So the pandas output is read, with date-times left as SPSS
    seconds, and given exactly the types and values of the polars output: date-times converted
    as pyreadstat converts them for polars, a variable without a single value typed Null. Files
    with date or time (not date-time) formats are read through the polars output itself.
    """
    with warnings.catch_warnings():  # e.g. duplicated names renamed: the name checks report
        warnings.simplefilter("ignore")
        pandas_frame, meta = pyreadstat.read_sav(
            path, user_missing=True, output_format="pandas", disable_datetime_conversion=True
        )
    formats = {
        name: _DATE_FORMAT.match(fmt or "") for name, fmt in meta.original_variable_types.items()
    }
    kinds = {name: m.group(1) for name, m in formats.items() if m}
    if any(kind in _DATE_OR_TIME_FORMATS for kind in kinds.values()):
        del pandas_frame
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyreadstat.read_sav(path, user_missing=True, output_format="polars")
    frame = pl.from_pandas(pandas_frame)
    del pandas_frame
    columns = []
    for name in frame.columns:
        values = frame.get_column(name)
        if kinds.get(name) in _DATETIME_FORMATS and values.len():
            values = _spss_datetime(values)
        elif values.dtype.is_numeric() and values.null_count() == values.len() and values.len():
            values = pl.Series(name, [None] * values.len(), dtype=pl.Null)
        columns.append(values)
    return pl.DataFrame(columns), meta


# The SPSS file header (the first 176 bytes): layout code at 64 (2 or 3, giving the byte order),
# the case count at 80 (-1 when the writer did not know it).
HEADER_BYTES = 176
LAYOUT_AT = 64
CASES_AT = 80


def declared_cases(path: Path) -> int | None:
    """The case count the file's header declares (-1: not stated), or None if no header."""
    with open(path, "rb") as fh:
        head = fh.read(HEADER_BYTES)
    if len(head) < HEADER_BYTES:
        return None
    return struct.unpack(f"{_byte_order(path)}i", head[CASES_AT : CASES_AT + 4])[0]


def _byte_order(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(HEADER_BYTES)
    return "<" if struct.unpack("<i", head[LAYOUT_AT : LAYOUT_AT + 4])[0] in (2, 3) else ">"


@contextmanager
def _without_case_count(path: Path) -> Iterator[Path]:
    """A private copy of the file whose header says -1 cases ("not stated"), so that readstat
    reads every case the data holds instead of stopping at the header's count: the count is
    then compared with what was read (a lower count would otherwise load fewer cases)."""
    declared = declared_cases(path)
    if declared is None or declared == -1:
        yield path
        return
    order = _byte_order(path)
    with tempfile.TemporaryDirectory(prefix="sav-") as folder:
        copy = Path(folder) / "export.sav"
        with open(path, "rb") as src, open(copy, "wb") as dst:
            head = bytearray(src.read(HEADER_BYTES))
            head[CASES_AT : CASES_AT + 4] = struct.pack(f"{order}i", -1)
            dst.write(head)
            shutil.copyfileobj(src, dst, 16 * 1024 * 1024)
        yield copy


DICTIONARY_BYTES = 16 * 1024 * 1024  # a dictionary longer than this is not measured


def uncompressed_cases(path: Path) -> tuple[int, int] | None:
    """For an uncompressed .sav (compression 0 in its header): the whole cases its data holds
    and the bytes left over after them (a file cut inside a case leaves some). None for a
    compressed file or a dictionary this walk does not understand."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        data = fh.read(DICTIONARY_BYTES)  # the dictionary, not the cases
    if len(data) < HEADER_BYTES or data[:4] != b"$FL2":
        return None
    order = _byte_order(path)

    def int32(at: int) -> int:
        return struct.unpack(f"{order}i", data[at : at + 4])[0]

    if int32(72) != 0:  # bytecode or zlib compressed
        return None
    try:
        return _walk_dictionary(data, size, int32)
    except (IndexError, struct.error):  # a dictionary longer than what was read, or damaged
        return None


def _walk_dictionary(data: bytes, size: int, int32) -> tuple[int, int] | None:  # noqa: ANN001
    """Walk the dictionary records to the data: (whole cases, bytes left over) in the data."""
    at, width = HEADER_BYTES, 0  # width: 8-byte segments per case, from the variable records
    while at + 4 <= len(data):
        kind = int32(at)
        if kind == 2:
            width += 1
            has_label, missing = int32(at + 8), abs(int32(at + 12))
            at += 32
            if has_label:
                at += 4 + (int32(at) + 3) // 4 * 4
            at += 8 * missing
        elif kind == 3:
            count, at = int32(at + 4), at + 8
            for _ in range(count):
                at += 8 + (data[at + 8] + 1 + 7) // 8 * 8
            if int32(at) != 4:
                return None
            at += 8 + 4 * int32(at + 4)
        elif kind == 6:
            at += 8 + 80 * int32(at + 4)
        elif kind == 7:
            at += 16 + int32(at + 8) * int32(at + 12)
        elif kind == 999:
            at += 8
            if not width:
                return None
            return (size - at) // (width * 8), (size - at) % (width * 8)
        else:
            return None
    return None


def _declared_encoding(path: Path) -> str:
    """The character encoding the file declares, for a message (read without decoding text)."""
    try:
        _, meta = pyreadstat.read_sav(path, metadataonly=True, encoding="iso-8859-1")
        return meta.file_encoding or "not stated"
    except Exception:  # noqa: BLE001 - only a message depends on it
        return "unknown"


def _check_declared_encoding(
    declared: str | None, spec: ExportSpec, log: ViolationCollector
) -> None:
    """Text is decoded in the encoding the file declares; the contract names one (UTF-8). A
    file declaring another may be right, or may be UTF-8 text labelled wrongly (then its open
    answers would load garbled, silently): it is rejected either way. Old files that declare
    none are read as they are."""
    if not declared:
        return
    try:
        same = codecs.lookup(declared).name == codecs.lookup(spec.encoding).name
    except LookupError:
        same = False
    if not same:
        raise log.fail(
            Rule.ENCODING,
            f"the file declares its text is {declared}, the contract {spec.encoding.upper()}:"
            f" export it again as {spec.encoding.upper()} (SPSS Unicode mode)",
        )


def _check_name_encoding(
    names: list[str], spec: ExportSpec, encoding: str | None, log: ViolationCollector
) -> None:
    """Variable names that are not ASCII while expected names are missing: the names did not
    decode in the declared encoding. One violation instead of a list of garbled names."""
    expected = set(spec.expected_columns)
    garbled = [n for n in names if n not in expected and not n.isascii()]
    if not garbled or expected <= set(names):
        return
    raise log.fail(
        Rule.VARIABLE_NAMES,
        f"{len(garbled)} of {len(names)} variable names do not read as the contract's names in"
        f" the encoding the file declares ({encoding or 'not stated'}); export it again"
        " declaring UTF-8",
    )


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# pyreadstat's reading of SPSS formats (its format regex and format lists).
_DATE_FORMAT = re.compile(r"^([A-Z][A-Z0-9]+[A-Z])(\d+)?(?(2)(?:\.\d+)?$|$)")
_DATETIME_FORMATS = ("DATETIME", "YMDHMS")
_DATE_OR_TIME_FORMATS = ("DATE", "ADATE", "EDATE", "JDATE", "SDATE", "TIME", "DTIME")
_SPSS_EPOCH_TO_UNIX_S = 12_219_379_200  # 1582-10-14 to 1970-01-01


def _spss_datetime(seconds: pl.Series) -> pl.Series:
    """SPSS seconds since 1582-10-14 as a date-time, as pyreadstat converts them for polars."""
    x = seconds.cast(pl.Float64)
    return pl.select(
        pl.from_epoch(
            (x % 1 * 1e6).round().cast(pl.Int64)
            + (x.floor() * 1e6).cast(pl.Int64)
            - (pl.lit(float(_SPSS_EPOCH_TO_UNIX_S)) * 1e6).cast(pl.Int64),
            time_unit="us",
        ).alias(seconds.name)
    ).to_series()


def _typed(frame: pl.DataFrame, spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    columns = [
        _meta_values(frame.get_column(m.name), m, log).alias(m.raw) for m in spec.meta_columns
    ]
    for variable in spec.variables:
        name = spec.column_of(variable)
        values = frame.get_column(name)
        if values.dtype == pl.Null:  # nobody answered: pyreadstat cannot tell the type, accept
            values = values.cast(pl.String if variable.kind == "open_text" else pl.Float64)
        if variable.kind == "open_text":
            if _type_is(values, values.dtype == pl.String, "a string", log):
                values = values.replace("", None)  # SPSS strings have no system-missing
                check_max_length(values, variable.max_length, name, log)
        elif _type_is(values, values.dtype.is_numeric(), "numeric", log):
            values = values.cast(pl.Float64)
            check_in_codebook(values, [float(c) for c in variable.valid_codes], name, log)
            values = values.cast(pl.Int32, strict=False)
        columns.append(values.alias(variable.id.lower()))
    frame = pl.DataFrame(columns)
    check_time_order(frame, spec, log)
    check_duplicates(frame, spec.id_raw, spec.id_column, log)
    return frame


def _meta_values(values: pl.Series, meta: MetaColumn, log: ViolationCollector) -> pl.Series:
    """Check one fixed variable and give it its declared type."""
    if meta.type == "datetime":
        if _type_is(values, isinstance(values.dtype, pl.Datetime), "an SPSS date-time", log):
            check_required(values, meta.name, log)
            values = values.cast(pl.Datetime("us"))
        return values
    if meta.type not in ("integer", "float"):
        raise ValueError(f"{meta.name}: {meta.type} variables are not supported in an SPSS export")
    if not _type_is(values, values.dtype.is_numeric(), "numeric", log):
        return values
    values = values.cast(pl.Float64)
    check_required(values, meta.name, log)
    if meta.type == "integer":
        for row in (values.is_not_null() & (values != values.floor())).arg_true().to_list():
            log.add(Rule.INTEGER, "value is not a whole number", meta.name, row)
        return values.cast(pl.Int64, strict=False)
    # The float fixed variables are weights: positive, and not extreme.
    positive = (values > 0) & values.is_finite()
    for row in (values.is_not_null() & ~positive).arg_true().to_list():
        log.add(Rule.WEIGHT, "weight is not a number greater than 0", meta.name, row)
    ratio = quality_rules().max_weight_to_mean
    mean = values.filter(positive).mean()
    if mean is not None:
        for row in (positive & (values > ratio * mean)).arg_true().to_list():
            detail = f"weight is more than {ratio:g} times the file's mean weight"
            log.add(Rule.EXTREME_WEIGHT, detail, meta.name, row)
    return values


def check_value_labels(
    labels: dict[str, dict[float, str]],
    types: dict[str, str],
    spec: ExportSpec,
    log: ViolationCollector,
) -> None:
    """Each coded variable's value labels must be the codebook's, code for code."""
    for variable in spec.variables:
        expected = variable.spss_value_labels
        name = spec.column_of(variable)
        if expected is None or types.get(name) == "string":
            continue  # a coded variable stored as text is reported by the type check
        found = {_code(code): label for code, label in (labels.get(name) or {}).items()}
        for code, label in expected.items():
            if code not in found:
                detail = f"code {code} has no value label (the codebook's is '{label}')"
                log.add(Rule.VALUE_LABELS, detail, name)
            elif found[code] != label:
                detail = f"the value label of code {code} is not the codebook's '{label}'"
                log.add(Rule.VALUE_LABELS, detail, name)
        for code in found:
            if code not in expected:
                detail = (
                    f"code {code} has a value label but is not in the codebook"
                    f" (allowed: {describe(list(expected))})"
                )
                log.add(Rule.VALUE_LABELS, detail, name)


def check_string_widths(
    widths: dict[str, int], types: dict[str, str], spec: ExportSpec, log: ViolationCollector
) -> None:
    """A string variable narrower than its declared width may hold answers cut short."""
    for variable in spec.variables:
        name = spec.column_of(variable)
        if variable.spss_width is None or types.get(name) != "string":
            continue  # a numeric one is reported by the type check
        width = widths.get(name) or 0
        if width < variable.spss_width:
            detail = (
                f"string variable is {width} bytes wide, narrower than the contract's"
                f" {variable.spss_width}: answers may have been cut short; export it at least"
                f" A{variable.spss_width}"
            )
            log.add(Rule.TRUNCATED, detail, name)


def _code(code: float | int | str) -> float | int | str:
    """A value-label key as the codebook writes it (1.0 -> 1)."""
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code


def _type_is(values: pl.Series, ok: bool, expected: str, log: ViolationCollector) -> bool:
    """Record a violation unless the variable has the expected SPSS type."""
    if not ok:
        log.add(Rule.COLUMN_TYPE, f"must be {expected}, but is {values.dtype}", values.name)
    return ok
