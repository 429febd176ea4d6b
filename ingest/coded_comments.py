"""Analysts' coded comments: contracts and readers (docs/export-formats.md, section 9).

- `coded_comments_YYYYMMDD.csv` in the landing folder: analysts who read a comment and disagree
  with its automatic themes put their codes in this file; they replace the automatic codes of
  that respondent.
- `coded_comments.csv` in the consultation pack: the analysts' double-coded comments (no
  respondent: the text, each coder's themes and stance, the codes they agreed), against which
  the automatic coder's agreement is measured (comments.evaluation).

Both are checked like a vendor export: errors name the file, column, row and rule (never a
value), and every file is checked before any is used.
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

from survey.questionnaire import Questionnaire, load_questionnaire

from .checks import check_columns, check_max_length, check_required, check_unique, describe
from .errors import SPREADSHEET, ContractViolation, Rule, Violation, ViolationCollector

FILE_PATTERN = re.compile(r"^coded_comments_(?P<date>[0-9]{8})\.(?P<ext>csv)$")
NAME_STEM = "coded_comments"
COLUMNS = ("respondent_id", "themes", "coder", "note")
REQUIRED = ("respondent_id", "themes", "coder")
VENDOR_ID = "[0-9]{1,18}"  # ASCII digits, never \d
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


def respondent_id_prefixes(q: Questionnaire | None = None) -> tuple[str, ...]:
    """The pack's respondent id prefixes, one per export source (`exports.<source>.id_prefix`)."""
    q = q or load_questionnaire()
    missing = [source for source, spec in q.exports.items() if not spec.get("id_prefix")]
    if missing:
        raise ValueError(
            f"questionnaire.yaml: exports.{missing[0]}.id_prefix is missing (warehouse respondent"
            " ids are <id_prefix>-<vendor id>)"
        )
    return tuple(str(spec["id_prefix"]) for spec in q.exports.values())


def read_coded_comments(
    path: Path,
    theme_ids: Sequence[str],
    respondent_ids: Collection[str] | None = None,
    id_prefixes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Read and check one file (raises ContractViolation).

    `theme_ids` are the codes allowed (the codeframe's); `respondent_ids`, when given, are the
    respondents with a comment to code; `id_prefixes` those of the respondent ids (default: the
    pack's). Returns one row per respondent (`SCHEMA`).
    """
    path = Path(path)
    prefixes = tuple(id_prefixes or respondent_id_prefixes())
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
    _check_ids(ids, respondent_ids, prefixes, log)
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
    landing_dir: Path,
    theme_ids: Sequence[str],
    respondent_ids: Collection[str] | None = None,
    id_prefixes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Every coded-comments file, checked together; a respondent's codes come from the latest
    file that codes them (each file may code any respondents)."""
    files = find_coded_comments_files(landing_dir)
    prefixes = tuple(id_prefixes or respondent_id_prefixes()) if files else ()
    frames, errors = [], []
    for found in files:
        try:
            frames.append(read_coded_comments(found.path, theme_ids, respondent_ids, prefixes))
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


def _check_ids(
    ids: pl.Series,
    known: Collection[str] | None,
    prefixes: Sequence[str],
    log: ViolationCollector,
) -> None:
    pattern = re.compile(f"^(?:{'|'.join(re.escape(p) for p in prefixes)})-{VENDOR_ID}$")
    shapes = " or ".join(f"{p}-<n>" for p in prefixes)
    for row, value in enumerate(ids):
        if value is None:
            continue
        if not pattern.match(value):
            detail = f"value is not a respondent id ({shapes})"
            log.add(Rule.NOT_ALLOWED, detail, "respondent_id", row)
        elif known is not None and value not in known:
            detail = "the respondent has no comment with a suggestion to code"
            log.add(Rule.NOT_ALLOWED, detail, "respondent_id", row)


def _themes(
    value: str | None,
    row: int,
    theme_ids: Sequence[str],
    log: ViolationCollector,
    column: str = "themes",
) -> list[str]:
    if value is None:
        return []
    themes = list(dict.fromkeys(t.strip() for t in value.split(THEME_SEPARATOR) if t.strip()))
    for theme in themes:
        if theme not in theme_ids:
            detail = f"a theme is not in the codeframe (allowed: {describe(theme_ids)})"
            log.add(Rule.CODEBOOK, detail, column, row)
    if OTHER in themes and len(themes) > 1:
        log.add(Rule.NOT_ALLOWED, f"'{OTHER}' cannot be combined with other themes", column, row)
    if not themes:
        log.add(Rule.REQUIRED, "holds no theme", column, row)
    return themes


# The pack's double-coded comments (`consultations/<id>/coded_comments.csv`).
DOUBLE_CODED_FILE = "coded_comments.csv"
CODINGS = ("coder_a", "coder_b", "agreed")  # each coder's codes, then the codes they agreed
DOUBLE_CODED_THEMES = tuple(f"{c}_themes" for c in CODINGS)
DOUBLE_CODED_STANCES = tuple(f"{c}_stance" for c in CODINGS)
# The file's header, in order.
DOUBLE_CODED_COLUMNS = (
    "comment_id",
    "text",
    *(f"{c}_{part}" for c in CODINGS for part in ("themes", "stance")),
)
MAX_COMMENT_CHARS = 10_000
DOUBLE_CODED_SCHEMA = {
    "comment_id": pl.String,
    "text": pl.String,
    **{name: pl.List(pl.String) for name in DOUBLE_CODED_THEMES},
    **{name: pl.String for name in DOUBLE_CODED_STANCES},
    "source_row": pl.Int64,
}


def read_double_coded_comments(
    path: Path,
    theme_ids: Sequence[str],
    stance_theme: str | None = None,
    stance_ids: Sequence[str] = (),
) -> pl.DataFrame:
    """Read and check the double-coded comments (raises ContractViolation).

    Columns: `comment_id` (unique, no respondent id), `text`, and for coder A, coder B and the
    agreed coding `<coding>_themes` (codeframe themes separated by ';') and, when the codeframe
    has a stance theme, `<coding>_stance` (one of `stance_ids` when the coding has the stance
    theme, else empty). Returns one row per comment (`DOUBLE_CODED_SCHEMA`), stances null where
    empty.
    """
    path = Path(path)
    log = ViolationCollector(path.name, SPREADSHEET)
    stances = DOUBLE_CODED_STANCES if stance_theme else ()
    columns = ("comment_id", "text", *DOUBLE_CODED_THEMES, *stances)
    header, rows = _grid(path, log)
    check_columns(header, _Layout(columns), log)
    log.raise_if_any()
    frame = pl.DataFrame(
        {name: [_cell(row, header.index(name)) for row in rows] for name in columns},
        schema={name: pl.String for name in columns},
    )
    for name in ("comment_id", "text"):
        check_required(frame[name], name, log)
    check_unique(frame["comment_id"], "comment_id", log)
    check_max_length(frame["text"], MAX_COMMENT_CHARS, "text", log)
    themes = {
        name: [_themes(value, row, theme_ids, log, name) for row, value in enumerate(frame[name])]
        for name in DOUBLE_CODED_THEMES
    }
    for coding, name in zip(CODINGS, stances, strict=False):
        for row, (value, coded) in enumerate(
            zip(frame[name], themes[f"{coding}_themes"], strict=True)
        ):
            _check_stance(value, stance_theme in coded, row, name, stance_ids, log)
    log.raise_if_any()
    return frame.with_columns(
        *(pl.Series(name, values, dtype=pl.List(pl.String)) for name, values in themes.items()),
        *(pl.lit(None, dtype=pl.String).alias(n) for n in DOUBLE_CODED_STANCES if n not in stances),
        pl.int_range(SPREADSHEET.first_data_row, frame.height + SPREADSHEET.first_data_row)
        .cast(pl.Int64)
        .alias("source_row"),
    ).select(list(DOUBLE_CODED_SCHEMA))


def _check_stance(
    value: str | None,
    has_theme: bool,
    row: int,
    column: str,
    stance_ids: Sequence[str],
    log: ViolationCollector,
) -> None:
    if has_theme and value is None:
        log.add(Rule.REQUIRED, "holds no stance, and the coding has the stance theme", column, row)
    elif not has_theme and value is not None:
        log.add(
            Rule.NOT_ALLOWED, "holds a stance, and the coding lacks the stance theme", column, row
        )
    elif value is not None and value not in stance_ids:
        detail = f"a stance is not in the codeframe (allowed: {describe(stance_ids)})"
        log.add(Rule.CODEBOOK, detail, column, row)
