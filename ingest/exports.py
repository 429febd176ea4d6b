"""Export layouts from the questionnaire's `exports:` block, and finding export files on disk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from survey.questionnaire import Questionnaire, Variable, load_questionnaire

from .errors import SPREADSHEET, SPSS, ContractViolation, RowLayout, Rule, Violation
from .quality import quality_rules

LONDON = ZoneInfo("Europe/London")

# DuckDB types of the fixed (meta) columns by their declared `type`.
META_DUCKDB_TYPES = {
    "integer": "BIGINT",
    "string": "VARCHAR",
    "datetime": "TIMESTAMP",
    "float": "DOUBLE",
}
LINEAGE_COLUMNS = {"_source_file": "VARCHAR", "_source_sha256": "VARCHAR", "_export_date": "DATE"}


@dataclass(frozen=True)
class MetaColumn:
    """A fixed (non-question) column: its name in the file and in the raw table."""

    name: str
    raw: str
    type: str  # integer | string | datetime | float
    format: str | None = None  # strptime format of a text datetime
    allowed: tuple[str, ...] | None = None
    quarantined: tuple[str, ...] = ()  # values that quarantine the row (ingest/quality.py)


@dataclass(frozen=True)
class ExportSpec:
    source_id: str
    label: str
    file_pattern: re.Pattern[str]
    formats: tuple[str, ...]
    sheet: str | None
    encoding: str
    delimiter: str | None
    values: str  # "labels" (Talk London) or "codes" (YouGov)
    id_column: str
    meta_columns: tuple[MetaColumn, ...]
    variables: tuple[Variable, ...]

    @property
    def table(self) -> str:
        return f"raw.{self.source_id}_responses"

    @property
    def id_raw(self) -> str:
        return next(m.raw for m in self.meta_columns if m.name == self.id_column)

    def column_of(self, variable: Variable) -> str:
        """The variable's column name in this export: Talk London header or YouGov name."""
        return variable.tl_header if self.values == "labels" else variable.yg_name

    @property
    def expected_columns(self) -> list[str]:
        return [m.name for m in self.meta_columns] + [self.column_of(v) for v in self.variables]

    def variable_duckdb_type(self, variable: Variable) -> str:
        if self.values == "labels" or variable.kind == "open_text":
            return "VARCHAR"
        return "INTEGER"

    @property
    def raw_columns(self) -> dict[str, str]:
        """Raw table columns and their DuckDB types, in table order."""
        return {
            **{m.raw: META_DUCKDB_TYPES[m.type] for m in self.meta_columns},
            **{v.id.lower(): self.variable_duckdb_type(v) for v in self.variables},
            **LINEAGE_COLUMNS,
        }

    @property
    def name_stem(self) -> str:
        """The literal start of the file-name pattern, e.g. 'talk_london_export_'."""
        return re.match(r"\^?([A-Za-z0-9_]*)", self.file_pattern.pattern).group(1)

    @property
    def layout(self) -> RowLayout:
        return SPREADSHEET if self.values == "labels" else SPSS


def export_sources() -> tuple[str, ...]:
    """The current pack's export sources, in questionnaire order."""
    return tuple(load_questionnaire().exports)


def export_spec(source_id: str) -> ExportSpec:
    """The layout of one export source of the current pack."""
    return _export_spec(load_questionnaire(), source_id)


@cache
def _export_spec(q: Questionnaire, source_id: str) -> ExportSpec:
    if source_id not in q.exports:
        raise ValueError(f"unknown export source {source_id!r} (known: {', '.join(q.exports)})")
    raw = q.exports[source_id]
    return ExportSpec(
        source_id=source_id,
        label=raw["label"],
        file_pattern=re.compile(raw["file_pattern"]),
        formats=tuple(raw["formats"]),
        sheet=raw.get("sheet"),
        encoding=raw["encoding"],
        delimiter=raw.get("delimiter"),
        values=raw["values"],
        id_column=raw["id_column"],
        meta_columns=tuple(
            MetaColumn(
                name=m["name"],
                raw=m["raw"],
                type=m["type"],
                format=m.get("format"),
                allowed=tuple(m["allowed"]) if "allowed" in m else None,
                quarantined=tuple(quality_rules().quarantined_status(source_id, m["name"])),
            )
            for m in raw["meta_columns"]
        ),
        variables=tuple(q.exported_variables()),
    )


@dataclass(frozen=True)
class ExportFile:
    """A delivered file whose name matches its source's pattern."""

    path: Path
    source_id: str
    export_date: date
    format: str

    @property
    def name(self) -> str:
        return self.path.name


def parse_export_name(path: Path, spec: ExportSpec) -> ExportFile:
    """Check the file name against the source's pattern and read the export date from it."""
    found = spec.file_pattern.match(path.name)
    if not found or not path.name.isascii():  # \d in the pattern matches any script's digits
        raise _name_violation(path, spec, f"does not match the pattern {spec.file_pattern.pattern}")
    try:
        export_date = datetime.strptime(found["date"], "%Y%m%d").date()
    except ValueError:
        raise _name_violation(
            path, spec, f"export date {found['date']} is not a valid date (YYYYMMDD)"
        ) from None
    if export_date > today():
        raise ContractViolation(
            [
                Violation(
                    path.name,
                    Rule.FUTURE_DATE,
                    f"file name dates the export {export_date}, after today ({today()});"
                    " a cumulative export from the future would supersede every later one:"
                    " correct the date in the name",
                    layout=spec.layout,
                )
            ]
        )
    return ExportFile(path, spec.source_id, export_date, found["ext"])


def today() -> date:
    """Today in London, where the consultation's dates are kept (tests may replace it)."""
    return datetime.now(LONDON).date()


def find_export_files(spec: ExportSpec, landing_dir: Path) -> list[ExportFile]:
    """The source's files in `landing_dir`, oldest export first (then in `formats` order).

    A file that starts like the source's names but does not match the pattern (wrong date,
    extension or case) is a contract violation rather than silently ignored.
    """
    files, errors = [], []
    stem = spec.name_stem.lower().rstrip("_")
    for path in sorted(p for p in landing_dir.iterdir() if p.is_file() or p.is_symlink()):
        if not path.name.lower().startswith(stem):
            continue
        if path.is_symlink():  # a link may point outside the landing folder: never followed
            errors.append(_name_violation(path, spec, "is a symbolic link; deliver the file"))
            continue
        try:
            files.append(parse_export_name(path, spec))
        except ContractViolation as e:
            errors.append(e)
    if errors:
        raise ContractViolation.combine(errors)
    return sorted(files, key=lambda f: (f.export_date, spec.formats.index(f.format)))


def _name_violation(path: Path, spec: ExportSpec, detail: str) -> ContractViolation:
    return ContractViolation(
        [Violation(path.name, Rule.FILE_NAME, f"file name {detail}", layout=spec.layout)]
    )
