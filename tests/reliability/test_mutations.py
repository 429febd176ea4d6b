"""A seeded mutation harness over the ingest (issue 13): a valid cumulative delivery, one fault
at a time, through `ingest.load_export_source`.

Each source has an earlier export (44 Talk London rows, 40 SPSS cases) already loaded into a
template warehouse; each case copies that warehouse and lands one later export of the same
respondents carrying one fault. Respondent ids, member uids and open answers hold marker
strings. Every case must end in one of two ways:

- **rejected**: a `ContractViolation` (never another exception), every violation naming a file
  of the landing folder, no library exception chained to it, and, for the faults that sit in one
  cell, the column and the row; or
- **loaded correctly**: the later export is the raw table (status `loaded`), no row lost: rows
  delivered = the export's rows, respondents = rows - quarantined; the faults that only change
  the form of the file (line ends, byte-order mark, column order) load exactly the reference.

No message, violation or quarantine detail holds a marker. The faults cover bytes, truncation,
encodings, line endings, quotes, columns, values, ids, dates, formulas, huge cells, SPSS headers,
dictionaries and labels, and landing-folder oddities; random faults are seeded.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import random
import shutil
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest import ContractViolation, Rule, export_spec, load_export_source

from .conftest import load_builders

pytestmark = pytest.mark.slow  # about 300 loads

TL, REP = "talk_london", "yougov_representative"
TL_ROWS, REP_CASES = 44, 40
EARLIER, LATER = "20211210", "20220121"
REP_EARLIER, REP_LATER = "20211201", "20211208"
TL_NAME = f"talk_london_export_{LATER}"
REP_FILE = f"{REP}_{REP_LATER}.sav"
SPEC = export_spec(TL)
COMMENT = SPEC.column_of(next(v for v in SPEC.variables if v.kind == "open_text"))
MARKERS = ("MKUID", "MKTXT", "MKYG", "77700", "88800")
B = load_builders()


def tl_table(changed: bool = True):
    table = B.talk_london_table(n=TL_ROWS, first_id=7770001)
    for row in range(TL_ROWS):
        table.set(row, "Member UID", f"MKUID{row:03d}Q")
        table.set(row, COMMENT, f"MKTXT{row:03d} more patrols, please" if row % 3 else None)
    if changed:  # the later export: one answer changed since the earlier one
        table.set(0, "Gender", "Prefer not to say")
    return table


def rep_table(changed: bool = True):
    table = B.yougov_table(n=REP_CASES, first_record=8880001)
    for row in range(REP_CASES):
        table.set(row, "Q43", f"MKYG{row:03d} café words" if row % 2 else None)
    if changed:
        table.set(0, "Q1", 98)
    return table


def csv_bytes(table) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows([["" if c is None else c for c in row] for row in table.rows])
    return out.getvalue().encode("utf-8")


# --- what a case lands ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    land: Callable[[Path], None]  # writes the later delivery into the landing folder
    expect: str  # "reject", "accept", "same" (accept, identical to the reference) or "either"
    rule: Rule | None = None  # the rule of the first violation, when rejected
    located: bool = False  # the violation names column and row


def tl_csv_case(name, mutate_table=None, mutate_bytes=None, expect="reject", **kw) -> Case:
    def land(landing: Path) -> None:
        table = tl_table()
        if mutate_table:
            mutate_table(table)
        data = csv_bytes(table)
        if mutate_bytes:
            data = mutate_bytes(data)
        (landing / f"{TL_NAME}.csv").write_bytes(data)

    return Case(name, TL, land, expect, **kw)


def tl_xlsx_case(name, mutate_table=None, after=None, expect="reject", **kw) -> Case:
    def land(landing: Path) -> None:
        table = tl_table()
        if mutate_table:
            mutate_table(table)
        path = B.write_xlsx(table, landing / f"{TL_NAME}.xlsx")
        if after:
            after(path)

    return Case(name, TL, land, expect, **kw)


def rep_case(name, mutate_table=None, mutate_bytes=None, expect="reject", write=None, **kw):
    def land(landing: Path) -> None:
        table = rep_table()
        if mutate_table:
            mutate_table(table)
        path = landing / REP_FILE
        B.write_sav(table, path, REP, **(write or {}))
        if mutate_bytes:
            path.write_bytes(mutate_bytes(path.read_bytes()))

    return Case(name, REP, land, expect, **kw)


# --- byte-level faults --------------------------------------------------------------------------


def seeded(kind: str, seed: int) -> Callable[[bytes], bytes]:
    def mutate(data: bytes) -> bytes:
        rng = random.Random(f"{kind}-{seed}")
        at = rng.randrange(len(data))
        if kind == "flip":
            return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
        if kind == "insert":
            return data[:at] + bytes([rng.randrange(256)]) + data[at:]
        if kind == "delete":
            return data[:at] + data[at + 1 :]
        if kind == "truncate":
            return data[: max(at, 1)]
        if kind == "quote":
            return data[:at] + b'"' + data[at + 1 :]
        if kind == "nul":
            return data[:at] + b"\x00" + data[at:]
        raise ValueError(kind)

    return mutate


def set_cell(row: int, column: str, value) -> Callable:
    return lambda t: t.set(row, column, value)


def reencode(codec: str, bom: bytes = b"") -> Callable[[bytes], bytes]:
    return lambda data: bom + data.decode("utf-8").encode(codec)


def header_cases(count: int) -> Callable[[bytes], bytes]:
    """Patch an SPSS file's header case count (offset 80, the file's byte order)."""

    def patch(data: bytes) -> bytes:
        order = "<" if struct.unpack("<i", data[64:68])[0] in (2, 3) else ">"
        return data[:80] + struct.pack(f"{order}i", count) + data[84:]

    return patch


def declared_encoding(name: bytes) -> Callable[[bytes], bytes]:
    """Replace the encoding an SPSS file declares (same length)."""
    return lambda data: data.replace(b"UTF-8", name, 1)


def xlsx_with_formula(cached: bool) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        table = tl_table()
        column = table.index("Gender")
        with zipfile.ZipFile(path) as archive:
            parts = {n: archive.read(n) for n in archive.namelist()}
        sheet = parts["xl/worksheets/sheet1.xml"].decode()
        ref = f"{chr(ord('A') + column)}4"
        start = sheet.index(f'<c r="{ref}"')
        end = sheet.index("</c>", start) + len("</c>")
        value = "<v>Male</v>" if cached else ""
        sheet = (
            sheet[:start] + f'<c r="{ref}" t="str"><f>LOWER("MALE")</f>{value}</c>' + sheet[end:]
        )
        parts["xl/worksheets/sheet1.xml"] = sheet.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in parts.items():
                archive.writestr(name, content)

    return write


def zip_of(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("export.csv", data)
    return out.getvalue()


def xlsx_bytes_flip(seed: int) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(seeded("flip", seed)(path.read_bytes()))


def xlsx_truncate(seed: int) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(seeded("truncate", seed)(path.read_bytes()))


def drop_rows(*rows: int) -> Callable:
    def mutate(t) -> None:
        for row in sorted(rows, reverse=True):
            del t.rows[row]

    return mutate


def landing_oddity(kind: str) -> Callable[[Path], None]:
    def land(landing: Path) -> None:
        data = csv_bytes(tl_table())
        if kind == "symlink":
            target = landing.parent / "elsewhere.csv"
            target.write_bytes(data)
            (landing / f"{TL_NAME}.csv").symlink_to(target)
        elif kind == "directory":
            (landing / f"{TL_NAME}.csv").mkdir()
        elif kind == "hidden":
            (landing / f".{TL_NAME}.csv").write_bytes(data)
        elif kind == "future":
            (landing / "talk_london_export_20991231.csv").write_bytes(data)
        elif kind == "fullwidth_date":
            (landing / "talk_london_export_２０２２０１２１.csv").write_bytes(data)
        elif kind == "upper":
            (landing / f"{TL_NAME}.CSV").write_bytes(data)
        elif kind == "xlsm":
            B.write_xlsx(tl_table(), landing / f"{TL_NAME}.xlsm")
        elif kind == "formats_differ":
            B.write_xlsx(tl_table(), landing / f"{TL_NAME}.xlsx")
            other = tl_table()
            other.set(5, "Gender", "Prefer not to say")
            (landing / f"{TL_NAME}.csv").write_bytes(csv_bytes(other))
        elif kind == "both_formats":
            B.write_xlsx(tl_table(), landing / f"{TL_NAME}.xlsx")
            (landing / f"{TL_NAME}.csv").write_bytes(data)
        elif kind == "older_late":  # an export older than the loaded one: history only
            (landing / "talk_london_export_20211201.csv").write_bytes(csv_bytes(tl_table()))
        else:
            raise ValueError(kind)

    return land


def cases() -> list[Case]:
    out: list[Case] = []
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in "7770003")
    arabic = "".join(chr(0x0660 + int(d)) for d in "7770003")
    # bytes, seeded
    for kind, count in (("flip", 35), ("insert", 12), ("delete", 12), ("truncate", 25)):
        out += [
            tl_csv_case(f"csv-{kind}-{s}", mutate_bytes=seeded(kind, s), expect="either")
            for s in range(count)
        ]
    out += [
        tl_csv_case(f"csv-quote-byte-{s}", mutate_bytes=seeded("quote", s), expect="either")
        for s in range(25)
    ]
    out += [tl_csv_case(f"csv-nul-{s}", mutate_bytes=seeded("nul", s)) for s in range(4)]
    # encodings and file kinds
    out += [
        tl_csv_case("utf16-bom", mutate_bytes=reencode("utf-16"), rule=Rule.ENCODING),
        tl_csv_case("utf16le-nobom", mutate_bytes=reencode("utf-16-le"), rule=Rule.ENCODING),
        tl_csv_case("utf16be-nobom", mutate_bytes=reencode("utf-16-be"), rule=Rule.ENCODING),
        tl_csv_case("utf32-bom", mutate_bytes=reencode("utf-32"), rule=Rule.ENCODING),
        tl_csv_case("utf32be-nobom", mutate_bytes=reencode("utf-32-be"), rule=Rule.ENCODING),
        tl_csv_case(
            "cp1252",
            set_cell(4, COMMENT, "MKTXT café"),
            lambda d: d.decode().encode("cp1252"),
            rule=Rule.ENCODING,
            located=True,
        ),
        tl_csv_case("utf8-bom", mutate_bytes=lambda d: codecs.BOM_UTF8 + d, expect="same"),
        tl_csv_case("double-bom", mutate_bytes=lambda d: codecs.BOM_UTF8 * 2 + d),
        tl_csv_case("zip-named-csv", mutate_bytes=zip_of, rule=Rule.FILE_TYPE),
        tl_csv_case("gzip-named-csv", mutate_bytes=gzip.compress, rule=Rule.FILE_TYPE),
        tl_csv_case("pdf-named-csv", mutate_bytes=lambda d: b"%PDF-1.7\n" + d, rule=Rule.FILE_TYPE),
        tl_csv_case("empty", mutate_bytes=lambda d: b"", rule=Rule.EMPTY),
        tl_csv_case("blank", mutate_bytes=lambda d: b"\r\n \n", rule=Rule.EMPTY),
        tl_csv_case(
            "header-only", mutate_bytes=lambda d: d.split(b"\r\n")[0] + b"\r\n", rule=Rule.NO_ROWS
        ),
    ]
    # line endings
    out += [
        tl_csv_case("lf", mutate_bytes=lambda d: d.replace(b"\r\n", b"\n"), expect="same"),
        tl_csv_case("cr-only", mutate_bytes=lambda d: d.replace(b"\r\n", b"\r"), expect="same"),
        tl_csv_case(
            "one-cr-line", mutate_bytes=lambda d: d.replace(b"\r\n", b"\r", 3), expect="same"
        ),
        tl_csv_case("no-final-newline", mutate_bytes=lambda d: d.rstrip(b"\r\n"), expect="same"),
        tl_csv_case("trailing-blank-lines", mutate_bytes=lambda d: d + b"\r\n\r\n", expect="same"),
    ]
    # quotes
    for row in (2, 17, 40):
        out += [
            tl_csv_case(
                f"stray-quote-unquoted-{row}",
                mutate_bytes=lambda d, row=row: d.replace(
                    f"MKUID{row:03d}Q".encode(), b'MKUID"x', 1
                ),
                rule=Rule.QUOTING,
                located=True,
            ),
            tl_csv_case(
                f"unclosed-quote-{row}",
                mutate_bytes=lambda d, row=row: _unclose(d, row),
                rule=Rule.QUOTING,
                located=True,
            ),
            tl_csv_case(
                f"text-after-quote-{row}",
                mutate_bytes=lambda d, row=row: _after_quote(d, row),
                rule=Rule.QUOTING,
                located=True,
            ),
        ]
    # huge cells
    out += [
        tl_csv_case(
            "huge-comment-200k",
            set_cell(7, COMMENT, "MKTXT " + "x" * 200_000),
            rule=Rule.MAX_LENGTH,
            located=True,
        ),
        tl_csv_case(
            "comment-4001", set_cell(8, COMMENT, "y" * 4001), rule=Rule.MAX_LENGTH, located=True
        ),
        tl_csv_case("comment-4000", set_cell(8, COMMENT, "y" * 4000), expect="accept"),
        tl_csv_case(
            "huge-gender-150k",
            set_cell(9, "Gender", "z" * 150_000),
            rule=Rule.CODEBOOK,
            located=True,
        ),
    ]
    # columns
    out += [
        tl_csv_case("extra-column", lambda t: t.add("Email", "MKUID@x"), rule=Rule.UNKNOWN_COLUMN),
        tl_csv_case("missing-column", lambda t: t.drop("Gender"), rule=Rule.MISSING_COLUMN),
        tl_csv_case(
            "renamed-column",
            lambda t: t.header.__setitem__(t.index("Age"), "age"),
            rule=Rule.UNKNOWN_COLUMN,
        ),
        tl_csv_case(
            "duplicated-column",
            lambda t: t.header.__setitem__(t.index("Age"), "Gender"),
            rule=Rule.DUPLICATE_COLUMN,
        ),
        tl_csv_case("reordered", _reorder, expect="same"),
        tl_csv_case("semicolons", mutate_bytes=lambda d: d.replace(b",", b";"), expect="reject"),
        tl_csv_case(
            "extra-field",
            mutate_bytes=lambda d: _line(d, 5, lambda s: s + b",x"),
            rule=Rule.RAGGED_ROW,
        ),
        tl_csv_case(
            "missing-field",
            mutate_bytes=lambda d: _line(
                d, 6, lambda s: s[:-1] if s.endswith(b",") else s.rsplit(b",", 1)[0]
            ),
            rule=Rule.RAGGED_ROW,
        ),
    ]
    # values and ids
    out += [
        tl_csv_case("label-case", set_cell(3, "Gender", "male"), rule=Rule.CODEBOOK, located=True),
        tl_csv_case(
            "label-space", set_cell(3, "Gender", "Male "), rule=Rule.CODEBOOK, located=True
        ),
        tl_csv_case("rank-5", set_cell(3, _rank(), "5"), rule=Rule.CODEBOOK, located=True),
        tl_csv_case("rank-2.0", set_cell(3, _rank(), "2.0"), expect="accept"),
        tl_csv_case(
            "id-fullwidth", set_cell(2, "Response ID", fullwidth), rule=Rule.INTEGER, located=True
        ),
        tl_csv_case(
            "id-arabic-indic", set_cell(2, "Response ID", arabic), rule=Rule.INTEGER, located=True
        ),
        tl_csv_case(
            "id-negative", set_cell(2, "Response ID", "-7770003"), rule=Rule.INTEGER, located=True
        ),
        tl_csv_case(
            "id-decimal", set_cell(2, "Response ID", "7770003.5"), rule=Rule.INTEGER, located=True
        ),
        tl_csv_case(
            "id-19-digits",
            set_cell(2, "Response ID", "7770003" * 3),
            rule=Rule.INTEGER,
            located=True,
        ),
        tl_csv_case("id-blank", set_cell(2, "Response ID", None), rule=Rule.REQUIRED, located=True),
        tl_csv_case(
            "id-duplicate",
            set_cell(2, "Response ID", "7770002"),
            rule=Rule.DUPLICATE_ID,
            located=True,
        ),
        tl_csv_case("identical-copy", lambda t: t.rows.append(list(t.rows[5])), expect="accept"),
        tl_csv_case(
            "status-unknown",
            set_cell(4, "Status", "MKUID-status"),
            rule=Rule.NOT_ALLOWED,
            located=True,
        ),
        tl_csv_case("status-test", set_cell(4, "Status", "Test"), expect="accept"),
        tl_csv_case(
            "control-char",
            set_cell(4, COMMENT, "MKTXT\u202eevil"),
            rule=Rule.CONTROL_CHARACTER,
            located=True,
        ),
        tl_csv_case(
            "zero-width",
            set_cell(4, "Member UID", "MKUID\u200b"),
            rule=Rule.CONTROL_CHARACTER,
            located=True,
        ),
        tl_csv_case(
            "mojibake", set_cell(4, COMMENT, "MKTXT cafÃ©"), rule=Rule.MOJIBAKE, located=True
        ),
        tl_csv_case("formula-text", set_cell(4, COMMENT, "=HYPERLINK(1)"), expect="accept"),
        tl_csv_case("drop-a-row", drop_rows(10), rule=Rule.SHRINKING_EXPORT),
        tl_csv_case("drop-three-rows", drop_rows(1, 20, 43), rule=Rule.SHRINKING_EXPORT),
        tl_csv_case("swap-rows", lambda t: t.rows.reverse(), expect="accept"),
    ]
    # dates
    out += [
        tl_csv_case(
            "date-format",
            set_cell(5, "Date Submitted", "01/12/2021 10:00:30"),
            rule=Rule.DATETIME,
            located=True,
        ),
        tl_csv_case(
            "date-feb-30",
            set_cell(5, "Date Submitted", "2021-02-30 10:00:30"),
            rule=Rule.DATETIME,
            located=True,
        ),
        tl_csv_case(
            "date-fullwidth",
            set_cell(5, "Time Started", "２０２１-12-06 10:05:00"),
            rule=Rule.DATETIME,
            located=True,
        ),
        tl_csv_case(
            "started-after-completed",
            set_cell(5, "Time Started", "2021-12-06 11:00:00"),
            rule=Rule.TIME_ORDER,
            located=True,
        ),
        tl_csv_case(
            "started-before-fieldwork",
            set_cell(5, "Time Started", "2021-11-01 10:00:00"),
            expect="accept",
        ),
        tl_csv_case(
            "completed-in-2030",
            set_cell(5, "Date Submitted", "2030-01-01 10:00:00"),
            expect="accept",
        ),
    ]
    # XLSX
    out += [
        tl_xlsx_case("xlsx-valid", expect="same"),
        tl_xlsx_case(
            "xlsx-formula-no-value", after=xlsx_with_formula(False), rule=Rule.FORMULA, located=True
        ),
        tl_xlsx_case("xlsx-formula-cached", after=xlsx_with_formula(True), expect="accept"),
        tl_xlsx_case(
            "xlsx-id-fullwidth",
            after=lambda p: _xlsx_text_cells(p, {(2, "Response ID"): fullwidth}),
            rule=Rule.INTEGER,
            located=True,
        ),
        tl_xlsx_case(
            "xlsx-huge-comment",
            set_cell(7, COMMENT, "MKTXT " + "x" * 30_000),
            rule=Rule.MAX_LENGTH,
            located=True,
        ),
        tl_xlsx_case(
            "xlsx-started-after",
            set_cell(5, "Time Started", "2021-12-06 11:00:00"),
            rule=Rule.TIME_ORDER,
            located=True,
        ),
        tl_xlsx_case("xlsx-drop-row", drop_rows(3), rule=Rule.SHRINKING_EXPORT),
        tl_xlsx_case(
            "xlsx-macro", after=lambda p: _append(p, "xl/vbaProject.bin", b"x"), rule=Rule.MACRO
        ),
        tl_xlsx_case(
            "xlsx-csv-inside",
            after=lambda p: p.write_bytes(csv_bytes(tl_table())),
            rule=Rule.FILE_TYPE,
        ),
        tl_xlsx_case(
            "xlsx-pdf", after=lambda p: p.write_bytes(b"%PDF-1.4 MKTXT"), rule=Rule.FILE_TYPE
        ),
        tl_xlsx_case(
            "xlsx-utf16",
            after=lambda p: p.write_bytes(csv_bytes(tl_table()).decode().encode("utf-16")),
            rule=Rule.FILE_TYPE,
        ),
    ]
    out += [
        tl_xlsx_case(f"xlsx-flip-{s}", after=xlsx_bytes_flip(s), expect="either") for s in range(15)
    ]
    out += [
        tl_xlsx_case(f"xlsx-truncate-{s}", after=xlsx_truncate(s), expect="either")
        for s in range(8)
    ]
    # SPSS
    out += [
        rep_case("sav-valid", expect="same"),
        rep_case(
            "sav-header-fewer", mutate_bytes=header_cases(REP_CASES - 19), rule=Rule.CASE_COUNT
        ),
        rep_case("sav-header-more", mutate_bytes=header_cases(REP_CASES + 5), rule=Rule.CASE_COUNT),
        rep_case("sav-header-zero", mutate_bytes=header_cases(0), rule=Rule.CASE_COUNT),
        rep_case("sav-header-unknown", mutate_bytes=header_cases(-1), expect="same"),
        rep_case(
            "sav-csv-inside", mutate_bytes=lambda d: csv_bytes(tl_table()), rule=Rule.FILE_TYPE
        ),
        rep_case("sav-zip", mutate_bytes=zip_of, rule=Rule.FILE_TYPE),
        rep_case("sav-empty", mutate_bytes=lambda d: b"", rule=Rule.EMPTY),
        rep_case(
            "sav-encoding-utf16", mutate_bytes=declared_encoding(b"UTF16"), rule=Rule.VARIABLE_NAMES
        ),
        rep_case(
            "sav-encoding-cp850", mutate_bytes=declared_encoding(b"CP850"), rule=Rule.ENCODING
        ),
        rep_case(
            "sav-label-changed",
            write={"labels": {"Q2": {1.0: "MKYG label"}}},
            rule=Rule.VALUE_LABELS,
        ),
        rep_case("sav-code-outside", set_cell(3, "Q1", 7), rule=Rule.CODEBOOK, located=True),
        rep_case("sav-weight-zero", set_cell(3, "Weight", 0.0), rule=Rule.WEIGHT, located=True),
        rep_case(
            "sav-weight-extreme",
            set_cell(3, "Weight", 900.0),
            rule=Rule.EXTREME_WEIGHT,
            located=True,
        ),
        rep_case(
            "sav-record-duplicate",
            set_cell(3, "record", 8880002),
            rule=Rule.DUPLICATE_ID,
            located=True,
        ),
        rep_case(
            "sav-record-fraction", set_cell(3, "record", 8880004.5), rule=Rule.INTEGER, located=True
        ),
        rep_case("sav-narrow-q43", write={"string_width": 0}, rule=Rule.TRUNCATED),
        rep_case("sav-code-as-text", write={"as_text": ("Q1",)}, rule=Rule.COLUMN_TYPE),
        rep_case(
            "sav-control", set_cell(3, "Q43", "MKYG\x07"), rule=Rule.CONTROL_CHARACTER, located=True
        ),
        rep_case(
            "sav-started-after",
            lambda t: t.set(3, "starttime", t.get(3, "endtime").replace(hour=23)),
            rule=Rule.TIME_ORDER,
            located=True,
        ),
        rep_case(
            "sav-ended-after-fieldwork",
            lambda t: t.set(3, "endtime", t.get(3, "endtime").replace(month=12, day=20)),
            expect="accept",
        ),
        rep_case("sav-drop-case", drop_rows(4), rule=Rule.SHRINKING_EXPORT),
        rep_case("sav-missing-variable", lambda t: t.drop("Q2"), rule=Rule.MISSING_COLUMN),
        rep_case(
            "sav-extra-variable", lambda t: t.add("email", "MKYG@x"), rule=Rule.UNKNOWN_COLUMN
        ),
    ]
    out += [
        rep_case(f"sav-flip-{s}", mutate_bytes=seeded("flip", s), expect="either")
        for s in range(30)
    ]
    out += [
        rep_case(f"sav-truncate-{s}", mutate_bytes=seeded("truncate", s), expect="either")
        for s in range(15)
    ]
    out += [
        rep_case(f"sav-delete-{s}", mutate_bytes=seeded("delete", s), expect="either")
        for s in range(8)
    ]
    # landing-folder oddities
    for kind, expect, rule in (
        ("symlink", "reject", Rule.FILE_NAME),
        ("directory", "unchanged", None),
        ("hidden", "unchanged", None),
        ("future", "reject", Rule.FUTURE_DATE),
        ("fullwidth_date", "reject", Rule.FILE_NAME),
        ("upper", "reject", Rule.FILE_NAME),
        ("xlsm", "reject", Rule.FILE_NAME),
        ("formats_differ", "reject", Rule.FORMATS_DIFFER),
        ("both_formats", "same", None),
        ("older_late", "unchanged", None),
    ):
        out.append(Case(f"landing-{kind}", TL, landing_oddity(kind), expect, rule))
    return out


def _rank() -> str:
    return next(SPEC.column_of(v) for v in SPEC.variables if v.kind == "ranking_item")


def _reorder(table) -> None:
    order = list(reversed(range(len(table.header))))
    table.header = [table.header[i] for i in order]
    table.rows = [[row[i] for i in order] for row in table.rows]


def _line(data: bytes, number: int, change: Callable[[bytes], bytes]) -> bytes:
    """Change physical line `number` (0 = header) of a file without line breaks in fields."""
    lines = data.split(b"\r\n")
    lines[number] = change(lines[number])
    return b"\r\n".join(lines)


def _comment_field(data: bytes, row: int) -> tuple[list[bytes], int]:
    lines = data.split(b"\r\n")
    return lines, row + 1


def _unclose(data: bytes, row: int) -> bytes:
    """The Member UID field of data row `row` opens a quote that is never closed."""
    lines = data.split(b"\r\n")
    lines[row + 1] = lines[row + 1].replace(b",MKUID", b',"MKUID', 1)
    return b"\r\n".join(lines)


def _after_quote(data: bytes, row: int) -> bytes:
    """The Member UID field of data row `row` is quoted, then text follows the closing quote."""
    lines = data.split(b"\r\n")
    uid = f"MKUID{row:03d}Q".encode()
    lines[row + 1] = lines[row + 1].replace(b"," + uid, b',"' + uid + b'"x', 1)
    return b"\r\n".join(lines)


def _xlsx_text_cells(path: Path, cells: dict[tuple[int, str], str]) -> None:
    """Write the later table again as text cells only, with `cells` (data row, column) set."""
    import xlsxwriter

    table = tl_table()
    for (row, column), value in cells.items():
        table.set(row, column, value)
    with xlsxwriter.Workbook(path) as workbook:
        sheet = workbook.add_worksheet("Responses")
        sheet.write_row(0, 0, table.header)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write_string(r, c, str(value))


def _append(path: Path, name: str, content: bytes) -> None:
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(name, content)


# --- running the cases --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """A warehouse per source with the earlier export loaded, and the reference raw table of
    the untouched later export."""
    root = tmp_path_factory.mktemp("mutations")
    out = {}
    for source, name, table in (
        (TL, f"talk_london_export_{EARLIER}.csv", tl_table(changed=False)),
        (REP, f"{REP}_{REP_EARLIER}.sav", rep_table(changed=False)),
    ):
        landing = root / f"landing-{source}"
        landing.mkdir()
        if source == TL:
            (landing / name).write_bytes(csv_bytes(table))
        else:
            B.write_sav(table, landing / name, REP)
        warehouse = root / f"{source}.duckdb"
        load_export_source(source, landing, warehouse)
        out[source] = warehouse
    return out


def _run(case: Case, templates: dict[str, Path], folder: Path):
    landing = folder / "landing"
    landing.mkdir(parents=True)
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(templates[case.source], warehouse)
    case.land(landing)
    try:
        return landing, warehouse, load_export_source(case.source, landing, warehouse)
    except ContractViolation as error:
        return landing, warehouse, error


def _table(warehouse: Path, source: str) -> list[tuple]:
    spec = export_spec(source)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"SELECT * EXCLUDE (_source_file, _source_sha256) FROM {spec.table}"
            f" ORDER BY {spec.id_raw}"
        ).fetchall()


def _texts(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [d for (d,) in con.execute("SELECT detail FROM raw.quarantine").fetchall()]


CASES = cases()


def test_the_harness_has_hundreds_of_faults_of_many_kinds() -> None:
    assert len(CASES) >= 300
    assert len({c.name.rstrip("0123456789").rstrip("-") for c in CASES}) >= 90
    assert len({c.name for c in CASES}) == len(CASES)


def test_every_fault_is_loaded_correctly_or_rejected_clearly(templates, tmp_path: Path) -> None:
    references = {}
    for source, case in ((TL, "csv-reference"), (REP, "sav-reference")):
        land = tl_csv_case(case, expect="same") if source == TL else rep_case(case, expect="same")
        _, warehouse, summary = _run(land, templates, tmp_path / case)
        assert summary.files[-1].status == "loaded", summary
        references[source] = _table(warehouse, source)
    outcomes: dict[str, str] = {}
    problems: list[str] = []
    for number, case in enumerate(CASES):
        landing, warehouse, result = _run(case, templates, tmp_path / f"c{number}")
        files = {p.name for p in landing.iterdir()}
        texts = _texts(warehouse)
        if isinstance(result, ContractViolation):
            outcomes[case.name] = f"rejected {result.rule}"
            texts += [str(result), *(repr(v) for v in result.violations)]
            if case.expect in ("accept", "same", "unchanged"):
                problems.append(f"{case.name}: rejected ({result.rule}) but should load")
            if case.rule is not None and result.rule != case.rule:
                problems.append(f"{case.name}: rule {result.rule}, expected {case.rule}")
            if not all(v.file in files for v in result.violations):
                problems.append(f"{case.name}: a violation names no landed file")
            if result.__cause__ is not None or (
                result.__context__ is not None and not result.__suppress_context__
            ):
                problems.append(f"{case.name}: a library exception is chained to the violation")
            if case.located and (result.column is None or result.row is None):
                problems.append(f"{case.name}: no column or row in {result.violations[0]}")
        else:
            summary = result
            outcomes[case.name] = "loaded"
            if case.expect == "reject":
                problems.append(f"{case.name}: loaded but should be rejected")
            latest = [f for f in summary.files if f.status == "loaded"]
            if case.expect == "unchanged":
                if latest or summary.respondents != {TL: TL_ROWS, REP: REP_CASES}[case.source]:
                    problems.append(f"{case.name}: the raw table changed")
                continue
            if not latest:
                problems.append(f"{case.name}: nothing loaded and nothing rejected")
                continue
            expected_rows = {TL: TL_ROWS, REP: REP_CASES}[case.source]
            loaded = latest[-1]
            if loaded.rows < expected_rows:
                problems.append(f"{case.name}: silently shortened ({loaded.rows} rows)")
            if summary.respondents != loaded.rows - loaded.quarantined:
                problems.append(
                    f"{case.name}: {summary.respondents} respondents loaded of"
                    f" {loaded.rows} rows, {loaded.quarantined} quarantined"
                )
            if case.expect == "same" and _table(warehouse, case.source) != references[case.source]:
                problems.append(f"{case.name}: loaded, but not what the valid export holds")
        leaked = [m for m in MARKERS for t in texts if m in t]
        if leaked:
            problems.append(f"{case.name}: a message or detail quotes delivered data {leaked}")
    assert problems == [], "\n".join(problems)
    rejected = sum(o.startswith("rejected") for o in outcomes.values())
    assert rejected >= 200 and len(outcomes) - rejected >= 20  # both outcomes well exercised
