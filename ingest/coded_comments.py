"""Analysts' coded comments (`coded_comments_YYYYMMDD.csv`): contract and reader.

Analysts who read a comment and disagree with its automatic themes put their codes in this file
in the landing folder; they replace the automatic codes of that respondent. The file is checked
like a vendor export (docs/export-formats.md, section 9): errors name the file, column, row and
rule, and every file is checked before any is used.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from .checks import check_columns, check_max_length, check_required, check_unique, describe
from .errors import SPREADSHEET, ContractViolation, Rule, Violation, ViolationCollector

FILE_PATTERN = re.compile(r"^coded_comments_(?P<date>[0-9]{8})\.(?P<ext>csv)$")
NAME_STEM = "coded_comments"
COLUMNS = ("respondent_id", "themes", "coder", "note")
REQUIRED = ("respondent_id", "themes", "coder")
RESPONDENT_ID = re.compile(r"^(?:tl|rep|boost)-[0-9]{1,18}$")  # ASCII digits, never \d
THEME_SEPARATOR = ";"
OTHER = "other"
MAX_NOTE_CHARS = 1000
UTF8_BOM = b"\xef\xbb\xbf"
SCHEMA = {
    "respondent_id": pl.String,
    "themes": pl.List(pl.String),
    "coder": pl.String,
    "note": pl.String,
    "source_file": pl.String,
    "source_row": pl.Int64,
}


@dataclass(frozen=True)
class _Layout:
    """The columns `check_columns` expects (it reads only `expected_columns`)."""

    expected_columns: tuple[str, ...] = COLUMNS


@dataclass(frozen=True)
class CodedCommentsFile:
    path: Path
    coded_on: date

    @property
    def name(self) -> str:
        return self.path.name


def find_coded_comments_files(landing_dir: Path) -> list[CodedCommentsFile]:
    """The coded-comments files in `landing_dir`, oldest first.

    A file whose name starts with 'coded_comments' but breaks the pattern is a violation.
    """
    files, violations = [], []
    for path in sorted(p for p in Path(landing_dir).iterdir() if p.is_file()):
        if not path.name.lower().startswith(NAME_STEM):
            continue
        found = FILE_PATTERN.match(path.name)
        if not found:
            detail = f"does not match the pattern {FILE_PATTERN.pattern}"
            violations.append(Violation(path.name, Rule.FILE_NAME, f"file name {detail}"))
            continue
        try:
            coded_on = datetime.strptime(found["date"], "%Y%m%d").date()
        except ValueError:
            detail = f"date {found['date']} is not a valid date (YYYYMMDD)"
            violations.append(Violation(path.name, Rule.FILE_NAME, f"file name {detail}"))
            continue
        files.append(CodedCommentsFile(path, coded_on))
    if violations:
        raise ContractViolation(violations)
    return sorted(files, key=lambda f: f.coded_on)


def read_coded_comments(
    path: Path, theme_ids: Sequence[str], respondent_ids: Collection[str] | None = None
) -> pl.DataFrame:
    """Read and check one file (raises ContractViolation).

    `theme_ids` are the codes allowed (the codeframe's); `respondent_ids`, when given, are the
    respondents with a comment to code. Returns one row per respondent (`SCHEMA`).
    """
    path = Path(path)
    log = ViolationCollector(path.name, SPREADSHEET)
    header, rows = _grid(path, log)
    check_columns(header, _Layout(), log)
    log.raise_if_any()
    frame = pl.DataFrame(
        {name: [_cell(row, header.index(name)) for row in rows] for name in COLUMNS},
        schema={name: pl.String for name in COLUMNS},
    )
    for name in REQUIRED:
        check_required(frame[name], name, log)
    ids = frame["respondent_id"]
    check_unique(ids, "respondent_id", log)
    _check_ids(ids, respondent_ids, log)
    themes = [_themes(value, row, theme_ids, log) for row, value in enumerate(frame["themes"])]
    check_max_length(frame["note"], MAX_NOTE_CHARS, "note", log)
    log.raise_if_any()
    return frame.with_columns(
        pl.Series("themes", themes, dtype=pl.List(pl.String)),
        pl.lit(path.name).alias("source_file"),
        pl.int_range(SPREADSHEET.first_data_row, frame.height + SPREADSHEET.first_data_row)
        .cast(pl.Int64)
        .alias("source_row"),
    ).select(list(SCHEMA))


def load_coded_comments(
    landing_dir: Path, theme_ids: Sequence[str], respondent_ids: Collection[str] | None = None
) -> pl.DataFrame:
    """Every coded-comments file, checked together; a respondent's codes come from the latest
    file that codes them (each file may code any respondents)."""
    files = find_coded_comments_files(landing_dir)
    frames, errors = [], []
    for found in files:
        try:
            frames.append(read_coded_comments(found.path, theme_ids, respondent_ids))
        except ContractViolation as e:
            errors.append(e)
    if errors:
        raise ContractViolation.combine(errors)
    if not frames:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(frames).unique("respondent_id", keep="last", maintain_order=True)


def _grid(path: Path, log: ViolationCollector) -> tuple[list[str], list[list[str]]]:
    data = path.read_bytes().removeprefix(UTF8_BOM)
    if not data.strip():
        raise log.fail(Rule.EMPTY, "file is empty (no header row)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        bad = data[e.start : e.end]
        line = data[: e.start].count(b"\n")  # 0 = the header
        raise log.fail(
            Rule.ENCODING,
            f"byte 0x{bad.hex().upper()} is not valid UTF-8 (in Windows-1252 it would be"
            f" '{bad.decode('cp1252', errors='replace')}'); save the file as UTF-8",
            data_row=line - 1,
        ) from None
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error as e:
        raise log.fail(Rule.UNREADABLE, f"not valid CSV ({e})") from None
    header, rows = [h.strip() for h in records[0]], records[1:]
    for index, row in enumerate(rows):
        if len(row) != len(header):
            log.add(
                Rule.RAGGED_ROW, f"has {len(row)} fields, the header {len(header)}", None, index
            )
    if not rows:
        raise log.fail(Rule.NO_ROWS, "has a header but no data rows")
    log.raise_if_any()
    return header, rows


def _cell(row: list[str], index: int) -> str | None:
    value = row[index].strip()
    return value or None


def _check_ids(ids: pl.Series, known: Collection[str] | None, log: ViolationCollector) -> None:
    for row, value in enumerate(ids):
        if value is None:
            continue
        if not RESPONDENT_ID.match(value):
            detail = "value is not a respondent id (tl-<n>, rep-<n> or boost-<n>)"
            log.add(Rule.NOT_ALLOWED, detail, "respondent_id", row)
        elif known is not None and value not in known:
            detail = "the respondent has no comment with a suggestion to code"
            log.add(Rule.NOT_ALLOWED, detail, "respondent_id", row)


def _themes(
    value: str | None, row: int, theme_ids: Sequence[str], log: ViolationCollector
) -> list[str]:
    if value is None:
        return []
    themes = list(dict.fromkeys(t.strip() for t in value.split(THEME_SEPARATOR) if t.strip()))
    for theme in themes:
        if theme not in theme_ids:
            detail = f"a theme is not in the codeframe (allowed: {describe(theme_ids)})"
            log.add(Rule.CODEBOOK, detail, "themes", row)
    if OTHER in themes and len(themes) > 1:
        log.add(Rule.NOT_ALLOWED, f"'{OTHER}' cannot be combined with other themes", "themes", row)
    if not themes:
        log.add(Rule.REQUIRED, "holds no theme", "themes", row)
    return themes
