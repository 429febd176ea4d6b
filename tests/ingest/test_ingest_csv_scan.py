"""The streaming CSV scan (ingest/csv_scan.py) against the exact checks it lets the reader skip.

Whatever bytes it is given, in chunks of any size: when the scan calls the structure plain,
Python's csv module (strict, as the reader runs it) reads the file without error and finds no
ragged row; when it calls the text clean, neither hostile pattern matches anywhere in it; and a
bad byte is reported where `bytes.decode` reports it. And files written by a CSV writer are
called plain, so the fast path is taken for ordinary exports.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from ingest import csv_scan
from ingest.hostile import FORBIDDEN, MOJIBAKE

PIECES = ["a", "bc", ",", ",", '"', '""', "\n", "\r\n", "\r", " ", "é", "’", "€", "â€", "Ã©"]
FIELD_PIECES = [p for p in PIECES if p != "\r"]  # a lone CR is not quoted by the writer
RARE = ["\x01", "\u200b", "\x85", "\ufeff", "\x00", "Â", "\x7f"]
LIMIT = 40  # a small field size limit, so that long fields occur


def _written(rng: random.Random) -> str:
    """A small file as a CSV writer writes it (fields quoted where needed)."""
    width = rng.randint(1, 6)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]))
    for _ in range(rng.randint(1, 8)):
        writer.writerow(
            "".join(rng.choice(FIELD_PIECES) for _ in range(rng.randint(0, 6))) or "h"
            for _ in range(width)
        )
    text = out.getvalue()
    return text.rstrip("\r\n") if rng.random() < 0.5 else text  # a last line end or not


def _csv_verdict(text: str, limit: int) -> bool:
    """What the reader's exact pass concludes: no csv error, no ragged row, row 1 not blank."""
    old = csv.field_size_limit(limit)
    try:
        widths = [len(r) for r in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error:
        return False
    finally:
        csv.field_size_limit(old)
    return bool(widths) and widths[0] > 0 and all(w in (0, widths[0]) for w in widths[1:])


def _scan(
    tmp_path: Path, data: bytes, chunk: int, monkeypatch, limit: int = LIMIT
) -> csv_scan.CsvScan:
    monkeypatch.setattr(csv_scan, "CHUNK_BYTES", chunk)
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return csv_scan.scan(path, ",", limit)


@pytest.mark.parametrize("seed", range(3))
def test_a_plain_verdict_is_never_wrong(tmp_path: Path, monkeypatch, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        pieces = PIECES + (RARE if rng.random() < 0.3 else [])
        if rng.random() < 0.5:
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        else:  # a written file with a few pieces put in anywhere
            text = _written(rng)
            for _ in range(rng.randint(0, 2)):
                at = rng.randint(0, len(text))
                text = text[:at] + rng.choice(pieces) + text[at:]
        if rng.random() < 0.2:
            text = "x" * rng.randint(30, 50) + "," + text  # near the field size limit
        data = text.encode()
        if rng.random() < 0.1:
            data = b"\xef\xbb\xbf" + data
        chunk = rng.choice([1, 2, 3, 5, 8, 64])
        decoded = data.decode("utf-8-sig")
        if not decoded.encode().strip():
            with pytest.raises(csv_scan.EmptyFile):
                _scan(tmp_path, data, chunk, monkeypatch)
            continue
        limit = rng.choice([LIMIT, csv.field_size_limit()])
        result = _scan(tmp_path, data, chunk, monkeypatch, limit)
        if result.structure_ok:
            assert _csv_verdict(decoded, limit), repr(text)
        if result.text_clean:
            assert not FORBIDDEN.search(decoded) and not MOJIBAKE.search(decoded), repr(text)


@pytest.mark.parametrize("seed", range(3))
def test_written_csv_is_plain(tmp_path: Path, monkeypatch, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(150):
        text = _written(rng)
        chunk = rng.choice([1, 3, 7, 4096])
        result = _scan(tmp_path, text.encode(), chunk, monkeypatch, csv.field_size_limit())
        assert result.structure_ok, repr(text)
        assert result.text_clean == (not MOJIBAKE.search(text)), repr(text)


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 4096])
@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,caf\xe9\n",  # cp1252
        b"a,b\n1,\xe2\x80\n",  # a character cut short, then a line end
        b"a,b\n1,x\xe2\x80",  # cut short at the end of the file
        b"a,b\n1,\xff\xfe\n",
        b"\xef\xbb\xbfa,b\n\xc3\xa9,\xc3\x28\n",  # after a byte-order mark
    ],
)
def test_a_bad_byte_is_found_where_decode_finds_it(
    tmp_path: Path, monkeypatch, chunk: int, data: bytes
) -> None:
    body = data.removeprefix(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError) as expected:
        body.decode("utf-8")
    with pytest.raises(csv_scan.BadEncoding) as found:
        _scan(tmp_path, data, chunk, monkeypatch)
    assert (found.value.start, found.value.end) == (expected.value.start, expected.value.end)


def test_blank_files_are_empty(tmp_path: Path, monkeypatch) -> None:
    for data in (b"", b"\xef\xbb\xbf", b" \r\n\t\n"):
        with pytest.raises(csv_scan.EmptyFile):
            _scan(tmp_path, data, 2, monkeypatch)
