"""Hostile-content checks run before and after an export file is read (docs/export-formats.md,
section 6, "Hostile content").

- Before reading: a file larger than `MAX_FILE_BYTES` is rejected (`oversized`); an XLSX is
  opened as a zip archive first and rejected if its members would expand to more than
  `MAX_UNCOMPRESSED_BYTES` or any member compresses more than `MAX_COMPRESSION_RATIO` times (a
  zip bomb, `oversized`), or if it carries a VBA project (a macro workbook, `macro`).
- After reading, in every text cell: C0/C1 control characters (other than tab, line feed and
  carriage return), zero-width characters and bidirectional controls are rejected
  (`control_character`); so is mojibake, UTF-8 text that was decoded as Windows-1252 and saved
  again (`'â€™'` for `'’'`, `'Ã©'` for `'é'`: `mojibake`). Nothing is stripped or repaired: the
  vendor re-exports. Messages name the code point, never the text.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import polars as pl

from .errors import Rule, ViolationCollector

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # members smaller than RATIO_FLOOR_BYTES are not judged
RATIO_FLOOR_BYTES = 1024 * 1024
MACRO_PART = "vbaProject.bin"  # the VBA project of an .xlsm (also inside a renamed one)

# Tab, LF and CR are allowed (line breaks in open text); every other control, the zero-width
# characters and the bidirectional controls are not.
FORBIDDEN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (not tab, LF, CR), DEL, C1
    r"\u200b-\u200f"  # zero-width space, non-joiner, joiner; LRM, RLM
    r"\u202a-\u202e"  # bidi embeddings and overrides
    r"\u2060-\u2064\u2066-\u2069"  # word joiner, invisible operators, bidi isolates
    r"\u061c\ufeff\ufff9-\ufffb]"  # Arabic letter mark, zero-width no-break space, annotations
)
# UTF-8 read as Windows-1252 and saved again: 'â€™' for '’', 'Ã©' for 'é', 'Â£' for '£'.
MOJIBAKE = re.compile(r"\u00e2\u20ac|[\u00c2\u00c3][\u0080-\u00bf]")


def check_file(path: Path, file_format: str, log: ViolationCollector) -> None:
    """Size, zip-bomb and macro limits, checked before a reader touches the file's contents."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise log.fail(Rule.OVERSIZED, f"file of {size} bytes is larger than {MAX_FILE_BYTES}")
    if file_format != "xlsx" or not zipfile.is_zipfile(path):
        return  # not a zip: the reader reports an unreadable workbook
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if any(m.filename.rsplit("/", 1)[-1].lower() == MACRO_PART.lower() for m in members):
        raise log.fail(Rule.MACRO, "workbook carries a VBA macro project; export without macros")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise log.fail(
            Rule.OVERSIZED,
            f"workbook expands to {total} bytes, more than {MAX_UNCOMPRESSED_BYTES}",
        )
    for m in members:
        if m.file_size > RATIO_FLOOR_BYTES and m.file_size > MAX_COMPRESSION_RATIO * max(
            m.compress_size, 1
        ):
            raise log.fail(
                Rule.OVERSIZED,
                f"workbook part {m.filename} expands {m.file_size // max(m.compress_size, 1)}"
                f" times (more than {MAX_COMPRESSION_RATIO}): a zip bomb?",
            )


def check_text(frame: pl.DataFrame, log: ViolationCollector) -> None:
    """Every text cell of `frame` (columns named as in the file, rows = data rows)."""
    either = f"{FORBIDDEN.pattern}|{MOJIBAKE.pattern}"
    for name in frame.columns:
        values = frame.get_column(name)
        if isinstance(values.dtype, pl.Categorical | pl.Enum):  # judged by its distinct values
            if not values.unique().drop_nulls().cast(pl.String).str.contains(either).any():
                continue
            values = values.cast(pl.String)
        elif values.dtype != pl.String or not values.str.contains(either).any():
            continue
        for rule, pattern in ((Rule.CONTROL_CHARACTER, FORBIDDEN), (Rule.MOJIBAKE, MOJIBAKE)):
            hits = values.str.contains(pattern.pattern).fill_null(False)
            for row in hits.arg_true().to_list():
                log.add(rule, _describe(rule, pattern, values[row]), name, row)


def check_header(header: list[str], log: ViolationCollector) -> None:
    for name in header:
        for rule, pattern in ((Rule.CONTROL_CHARACTER, FORBIDDEN), (Rule.MOJIBAKE, MOJIBAKE)):
            if name and pattern.search(name):
                log.add(rule, f"a header {_describe(rule, pattern, name)}")


def _describe(rule: Rule, pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text).group(0)
    if rule is Rule.MOJIBAKE:
        return (
            "holds mojibake (UTF-8 read as Windows-1252, e.g. "
            f"{' '.join(f'U+{ord(c):04X}' for c in found)}); export the file again as UTF-8"
        )
    name = unicodedata.name(found, "control character")
    return (
        f"holds U+{ord(found):04X} ({name}): control, zero-width and bidirectional characters"
        " are not allowed"
    )
