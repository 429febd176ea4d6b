"""YouGov SPSS export (.sav, numeric codes): read and check the contract."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyreadstat

from . import hostile
from .checks import (
    check_columns,
    check_in_codebook,
    check_max_length,
    check_required,
    check_unique,
    show,
)
from .errors import SPSS, Rule, ViolationCollector
from .exports import ExportSpec, MetaColumn, export_spec, parse_export_name

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
    try:
        # Without user_missing=True pyreadstat turns 97/98/99 into nulls.
        frame, _ = pyreadstat.read_sav(export.path, user_missing=True, output_format="polars")
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeError) as e:
        raise log.fail(Rule.UNREADABLE, f"not a readable SPSS .sav file ({e})") from e
    if frame.height == 0:
        raise log.fail(Rule.NO_ROWS, "has variables but no cases")
    check_columns(frame.columns, spec, log)
    log.raise_if_any()
    hostile.check_text(frame, log)  # string variables: control characters, mojibake
    typed = _typed(frame, spec, log)
    log.raise_if_any()
    return typed


def _typed(frame: pl.DataFrame, spec: ExportSpec, log: ViolationCollector) -> pl.DataFrame:
    columns = [
        _meta_values(frame.get_column(m.name), m, log).alias(m.raw) for m in spec.meta_columns
    ]
    ids = next(c for c in columns if c.name == spec.id_raw)
    check_unique(ids, spec.id_column, log)
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
    return pl.DataFrame(columns)


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
            detail = f"value {show(values[row])} is not a whole number"
            log.add(Rule.INTEGER, detail, meta.name, row)
        return values.cast(pl.Int64, strict=False)
    # The float fixed variables are weights: they must be positive.
    for row in (values.is_not_null() & ~((values > 0) & values.is_finite())).arg_true().to_list():
        log.add(Rule.WEIGHT, f"value {show(values[row])} is not greater than 0", meta.name, row)
    return values


def _type_is(values: pl.Series, ok: bool, expected: str, log: ViolationCollector) -> bool:
    """Record a violation unless the variable has the expected SPSS type."""
    if not ok:
        log.add(Rule.COLUMN_TYPE, f"must be {expected}, but is {values.dtype}", values.name)
    return ok
