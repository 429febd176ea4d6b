"""One streaming pass over a UTF-8 delimited export: encoding, structure and hostile characters.

`scan` reads the file in chunks (never whole) and answers three questions with numpy over the
bytes, so that the Talk London reader can skip its slow exact passes when they would find
nothing:

- Is every byte valid UTF-8? If not, `BadEncoding` gives the offset of the first bad byte (after
  a leading byte-order mark), as `bytes.decode` would report it.
- Is the structure plain (`structure_ok`)? That is: quotes only open a field, close it or are
  doubled inside it; records end with LF or CRLF outside quotes (never a lone CR); no NUL byte;
  no record (so no field) longer than the csv module's field size limit; the first record is
  not blank and every other non-blank record has as many fields as it. Then Python's csv
  module (strict, `newline=''`) reads the file without error and finds no ragged row. Anything
  else is not judged here: the reader runs its exact csv-module pass, which names the row.
- Is the text clean (`text_clean`)? True when no character anywhere in the file is one that
  `hostile.FORBIDDEN` or `hostile.MOJIBAKE` matches; every cell is a substring of the file (the
  quotes around it and doubled quotes are ASCII and match neither), so no cell would be
  rejected either. Otherwise the reader checks cell by cell to name column and row.

The answers only ever select the fast path when the exact checks would pass; a file that
breaks a rule is always reported by the exact checks, with the same messages as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .hostile import FORBIDDEN, MOJIBAKE

CHUNK_BYTES = 16 * 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
WHITESPACE = b" \t\n\r\x0b\x0c"  # what bytes.strip() removes
QUOTE, LF, CR, NUL = 0x22, 0x0A, 0x0D, 0x00

# ASCII characters FORBIDDEN matches (C0 controls other than tab, LF, CR; and DEL).
_BAD_ASCII = np.zeros(256, dtype=bool)
_BAD_ASCII[[b for b in range(128) if FORBIDDEN.match(chr(b))]] = True


class EmptyFile(Exception):
    """The file holds nothing but whitespace (after a byte-order mark)."""


class BadEncoding(Exception):
    """A byte that is not valid UTF-8: `start`, `end` as in UnicodeDecodeError, counted from
    the start of the data after a leading byte-order mark."""

    def __init__(self, start: int, end: int) -> None:
        super().__init__(start, end)
        self.start = start
        self.end = end


@dataclass(frozen=True)
class CsvScan:
    structure_ok: bool
    text_clean: bool


def scan(path: Path, delimiter: str, field_limit: int) -> CsvScan:
    """Scan `path` (UTF-8, optional byte-order mark) in chunks; raise EmptyFile or BadEncoding."""
    structure = _Structure(delimiter, field_limit)
    text = _Text()
    carry = b""  # the start of a character cut by the end of the previous chunk
    offset = 0  # data offset of `carry`'s first byte
    blank = True
    with open(path, "rb") as fh:
        chunk = fh.read(len(UTF8_BOM))
        if chunk == UTF8_BOM:
            chunk = fh.read(CHUNK_BYTES)
        while chunk:
            if blank and chunk.strip(WHITESPACE):
                blank = False
            data = np.frombuffer(chunk, dtype=np.uint8)
            controls = np.flatnonzero(data < 0x20)  # line ends, tabs and any other control
            control_bytes = data[controls]
            structure.feed(data, controls, control_bytes)
            text.feed_controls(data, control_bytes)
            if carry or not chunk.isascii():
                whole = carry + chunk
                valid = _valid_utf8_prefix(whole, offset)
                text.feed(whole[:valid] if valid < len(whole) else whole)
                carry, offset = whole[valid:], offset + valid
            else:
                text.forget()
                offset += len(chunk)
            chunk = fh.read(CHUNK_BYTES)
    if blank:
        raise EmptyFile
    if carry:  # the file ends inside a character
        _valid_utf8_prefix(carry, offset, final=True)
    return CsvScan(structure.finish(), text.clean)


def _valid_utf8_prefix(data: bytes, offset: int, final: bool = False) -> int:
    """Length of the longest prefix of `data` made of whole valid characters; raises
    BadEncoding at the first invalid byte (a character cut by the end of `data` is not
    invalid unless `final`)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        if not final and e.end == len(data) and e.reason == "unexpected end of data":
            return e.start
        raise BadEncoding(offset + e.start, offset + e.end) from None
    return len(data)


class _Text:
    """Looks for any character FORBIDDEN matches and any pair of characters MOJIBAKE matches."""

    def __init__(self) -> None:
        self.clean = True
        self.last = b""  # the previous chunk's last character when not ASCII (for pairs)

    def feed_controls(self, data: np.ndarray, control_bytes: np.ndarray) -> None:
        """The ASCII characters (single bytes, never part of a longer character)."""
        if self.clean and (_BAD_ASCII[control_bytes].any() or (data == 0x7F).any()):
            self.clean = False

    def forget(self) -> None:
        """The chunk just scanned was all ASCII: no pair spans its start or end."""
        self.last = b""

    def feed(self, data: bytes) -> None:
        """Whole valid UTF-8 characters: the ones of two bytes or more."""
        if not self.clean or not data:
            return
        data = self.last + data
        buffer = np.frombuffer(data, dtype=np.uint8)
        leads = np.flatnonzero(buffer >= 0xC0)  # first bytes of multi-byte characters
        if not leads.size:
            self.last = b""
            return
        b0 = buffer[leads].astype(np.int64)
        width = np.where(b0 < 0xE0, 2, np.where(b0 < 0xF0, 3, 4))
        b1 = buffer[leads + 1].astype(np.int64) & 0x3F
        b2 = buffer[np.minimum(leads + 2, len(buffer) - 1)].astype(np.int64) & 0x3F
        code = np.where(
            width == 2,
            ((b0 & 0x1F) << 6) | b1,
            np.where(width == 3, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, 0x10000),
        )  # 4-byte characters (U+10000 and above) match neither pattern: one stand-in
        if any(FORBIDDEN.match(chr(c)) for c in np.unique(code).tolist()):
            self.clean = False
            return
        adjacent = leads[1:] == leads[:-1] + width[:-1]  # two non-ASCII characters in a row
        pairs = np.unique(code[:-1][adjacent] * 0x110000 + code[1:][adjacent]).tolist()
        if any(MOJIBAKE.search(chr(p // 0x110000) + chr(p % 0x110000)) for p in pairs):
            self.clean = False
            return
        last = int(leads[-1])
        self.last = data[last:] if last + int(width[-1]) == len(data) else b""


class _Structure:
    """Follows quotes, delimiters and record ends chunk by chunk (see the module docstring)."""

    def __init__(self, delimiter: str, field_limit: int) -> None:
        self.ok = len(delimiter) == 1 and delimiter.isascii() and delimiter not in '"\r\n'
        self.delimiter = ord(delimiter) if self.ok else -1
        self.field_limit = field_limit
        self.position = 0  # data offset of the next chunk
        self.quotes = 0  # quotes before the next chunk
        self.previous = -1  # the byte before the next chunk (-1: start of the data)
        self.expect: tuple[int, ...] | None = None  # what the next chunk's first byte must be
        self.fields = 0  # delimiters outside quotes in the current record so far
        self.record_start = 0
        self.header_width: int | None = None

    def feed(self, data: np.ndarray, controls: np.ndarray, control_bytes: np.ndarray) -> None:
        """One chunk; `controls` are the positions of its bytes below 0x20, of these values."""
        if not self.ok:
            return
        size, base = len(data), self.position
        self.position += size
        if self.expect is not None and data[0] not in self.expect:
            self.ok = False
            return
        self.expect = None
        if (control_bytes == NUL).any():
            self.ok = False
            return
        quotes = np.flatnonzero(data == QUOTE)
        if not self._quotes_ok(data, quotes):
            self.ok = False
            return
        before = self.quotes
        self.quotes += quotes.size
        line_ends = controls[(control_bytes == LF) | (control_bytes == CR)]
        line_ends = line_ends[((before + np.searchsorted(quotes, line_ends)) & 1) == 0]
        kinds = data[line_ends]
        # A CR outside quotes must start a CRLF: a lone CR is read differently by csv and polars.
        returns = line_ends[kinds == CR]
        if returns.size:
            if returns[-1] == size - 1:
                self.expect = (LF,)
                returns = returns[:-1]
            if (data[returns + 1] != LF).any():
                self.ok = False
                return
        ends = line_ends[kinds == LF]
        outside = self._outside_delimiters(data, quotes, before)
        self._records(data, base, ends, outside)
        self.previous = int(data[-1])

    def _outside_delimiters(
        self, data: np.ndarray, quotes: np.ndarray, before: int
    ) -> Callable[[np.ndarray], np.ndarray]:
        """A function: for positions outside quotes, the delimiters outside quotes before each."""
        delimiters = np.flatnonzero(data == self.delimiter)
        bounds = np.concatenate(([-1], quotes)) if before % 2 else quotes
        if bounds.size % 2:  # the chunk ends inside a quoted field
            bounds = np.concatenate((bounds, [len(data)]))
        starts, stops = bounds[0::2], bounds[1::2]  # quoted stretches, ends excluded
        inside = np.searchsorted(delimiters, stops) - np.searchsorted(delimiters, starts)
        inside_before = np.concatenate(([0], np.cumsum(inside)))

        def count(positions: np.ndarray) -> np.ndarray:
            every = np.searchsorted(delimiters, positions)
            return every - inside_before[np.searchsorted(stops, positions, side="right")]

        return count

    def _quotes_ok(self, data: np.ndarray, quotes: np.ndarray) -> bool:
        """Each quote opens a field, closes it, or is one of a doubled pair inside it."""
        if not quotes.size:
            return True
        size = len(data)
        opening = ((self.quotes + np.arange(quotes.size)) & 1) == 0
        before = data[np.maximum(quotes - 1, 0)].astype(np.int16)
        if quotes[0] == 0:
            before[0] = self.previous
        allowed = (self.delimiter, LF, CR, QUOTE, -1)  # -1: the start of the data
        if not np.isin(before[opening], allowed).all():
            return False
        closing = quotes[~opening]
        if closing.size and closing[-1] == size - 1:  # judged by the next chunk's first byte
            self.expect = (QUOTE, self.delimiter, CR, LF)
            closing = closing[:-1]
        return bool(np.isin(data[closing + 1], (QUOTE, self.delimiter, CR, LF)).all())

    def _records(
        self,
        data: np.ndarray,
        base: int,
        ends: np.ndarray,
        outside: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        """Field counts of the records that end in this chunk (blank records count 0), and
        their lengths: no field is longer than its record."""
        size = len(data)
        if not ends.size:
            self.fields += int(outside(np.array([size]))[0])
            return
        before = outside(np.concatenate((ends, [size])))
        counts = np.diff(before[:-1], prepend=0)
        counts[0] += self.fields
        starts = np.concatenate(([self.record_start - base], ends[:-1] + 1))
        lengths = ends - starts
        if lengths.max() > self.field_limit:
            self.ok = False
            return
        first = data[np.clip(starts, 0, size - 1)]
        blank = (lengths == 0) | ((lengths == 1) & (first == CR))
        if starts[0] < 0:  # the first record began in an earlier chunk: not blank
            blank[0] = False
        self._widths(np.where(blank, 0, counts + 1))
        self.fields = int(before[-1] - before[-2])
        self.record_start = base + int(ends[-1]) + 1

    def _widths(self, widths: np.ndarray) -> None:
        if self.header_width is None:
            self.header_width = int(widths[0])
            if self.header_width == 0:  # a blank first row: the exact pass says what it is
                self.ok = False
                return
        if ((widths != 0) & (widths != self.header_width)).any():
            self.ok = False

    def finish(self) -> bool:
        if not self.ok:
            return False
        if self.expect == (LF,):  # a lone CR at the very end
            return False
        if self.quotes % 2:  # the file ends inside a quoted field
            return False
        if self.position - self.record_start > self.field_limit:
            return False
        if self.position > self.record_start:  # a last record without a line end
            self._widths(np.array([self.fields + 1]))
        return self.ok and self.header_width is not None
