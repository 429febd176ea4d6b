"""What a delivered file really is, from its first bytes, before any reader opens it.

A reader given the wrong kind of file answers in its own terms ("row 1 is not valid UTF-8", a
header of NUL characters, "not a readable SPSS file"). `check_kind` looks at the file's magic
bytes and byte pattern instead and names what it found: "this .csv is a ZIP archive (an XLSX
workbook?)", "this file is UTF-16 (little-endian, without a byte-order mark)". Never a byte of
the content is quoted.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Rule, ViolationCollector

SNIFF_BYTES = 4096

# Signatures, longest first where one is a prefix of another.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive (empty)"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 file (an old .xls or an encrypted workbook?)"),
    (b"$FL2", "an SPSS .sav file"),
    (b"$FL3", "an SPSS .zsav file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3", "an SQLite database"),
)
BOMS: tuple[tuple[bytes, str], ...] = (  # UTF-32 first: its little-endian BOM starts like UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian, with a byte-order mark)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian, with a byte-order mark)"),
    (b"\xff\xfe", "UTF-16 (little-endian, with a byte-order mark)"),
    (b"\xfe\xff", "UTF-16 (big-endian, with a byte-order mark)"),
)
EXPECTED = {"csv": "a UTF-8 text file", "xlsx": "an XLSX workbook", "sav": "an SPSS .sav file"}


def check_kind(path: Path, file_format: str, log: ViolationCollector) -> None:
    """Raise (via `log.fail`) unless the file's first bytes fit its extension."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        return  # an empty file: the reader says so
    found = kind_of(head)
    if file_format == "xlsx":
        ok = found is not None and found.startswith("a ZIP archive")
    elif file_format == "sav":
        ok = found in ("an SPSS .sav file", "an SPSS .zsav file")
    else:
        ok = found is None or found.startswith("text")
    if ok:
        return
    what = found or "not a recognised file type"
    if file_format == "csv" and found.startswith(("UTF-16", "UTF-32")):
        encoding = found.split(" ", 1)[0]
        raise log.fail(Rule.ENCODING, f"this file is {found}; save it as UTF-8, not {encoding}")
    if found == "binary data":
        what = "binary data (it holds NUL bytes)"
    elif found == "text" or found.startswith(("UTF-16", "UTF-32")):
        what = f"a text file ({'UTF-8 or ASCII' if found == 'text' else found})"
    raise log.fail(Rule.FILE_TYPE, f"this .{file_format} is {what}, not {EXPECTED[file_format]}")


def kind_of(head: bytes) -> str | None:
    """What the first bytes say the file is: a described format, an encoding, 'binary data',
    'text ...' for plain text without NUL bytes, or None when nothing is known."""
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    if b"\x00" not in head:
        return "text"
    return _utf16_or_32(head) or "binary data"


def _utf16_or_32(head: bytes) -> str | None:
    """UTF-16 / UTF-32 without a byte-order mark: mostly ASCII text leaves NUL bytes in fixed
    positions (every second byte, or three of every four)."""
    size = len(head) - len(head) % 4
    if size < 4:
        return None
    data = head[:size]
    zero = [sum(b == 0 for b in data[i::4]) / (size // 4) for i in range(4)]
    if min(zero[1:4]) > 0.9 and zero[0] < 0.5:
        return "UTF-32 (little-endian, without a byte-order mark)"
    if min(zero[0:3]) > 0.9 and zero[3] < 0.5:
        return "UTF-32 (big-endian, without a byte-order mark)"
    odd = (zero[1] + zero[3]) / 2
    even = (zero[0] + zero[2]) / 2
    if odd > 0.7 and even < 0.3:
        return "UTF-16 (little-endian, without a byte-order mark)"
    if even > 0.7 and odd < 0.3:
        return "UTF-16 (big-endian, without a byte-order mark)"
    return None
