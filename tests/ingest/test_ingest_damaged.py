"""Damaged and hostile exports (issue 13): files that are not what their names say, reader
errors at the file boundary, ASCII ids, quoting faults, over-long cells, line ends, SPSS case
counts and encodings, formulas without a value, dates from the future, start times."""

from __future__ import annotations

import struct
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest import ContractViolation, Rule, export_spec, exports, load_export_source, sniff
from ingest.errors import SPREADSHEET, ViolationCollector, reader_boundary
from ingest.talk_london import read_talk_london
from ingest.yougov import declared_cases, read_yougov

TL = "talk_london"
REP = "yougov_representative"
NAME = "talk_london_export_20220121"
SAV = f"{REP}_20211208.sav"
COMMENT = export_spec(TL).column_of(
    next(v for v in export_spec(TL).variables if v.kind == "open_text")
)


def violation(read, path: Path, *args) -> ContractViolation:
    with pytest.raises(ContractViolation) as info:
        read(path, *args)
    error = info.value
    assert error.__cause__ is None and (error.__suppress_context__ or error.__context__ is None)
    return error


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"PK\x03\x04rest", "a ZIP archive"),
        (b"%PDF-1.7", "a PDF document"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an OLE2 file (an old .xls or an encrypted workbook?)",
        ),
        (b"$FL2@(#) IBM SPSS", "an SPSS .sav file"),
        (b"\x1f\x8b\x08", "a gzip archive"),
        ("Response ID,Gender\n".encode("utf-16"), "UTF-16 (little-endian, with a byte-order mark)"),
        (
            "Response ID,Gender\n".encode("utf-16-le"),
            "UTF-16 (little-endian, without a byte-order mark)",
        ),
        (
            "Response ID,Gender\n".encode("utf-16-be"),
            "UTF-16 (big-endian, without a byte-order mark)",
        ),
        ("Response ID,Gender\n".encode("utf-32"), "UTF-32 (little-endian, with a byte-order mark)"),
        (
            "Response ID,Gender\n".encode("utf-32-le"),
            "UTF-32 (little-endian, without a byte-order mark)",
        ),
        (
            "Response ID,Gender\n".encode("utf-32-be"),
            "UTF-32 (big-endian, without a byte-order mark)",
        ),
        (b"\xef\xbb\xbfResponse ID,Gender\n", "text"),
        (b"Response ID,\x00\x01\x02\xff\xfe binary", "binary data"),
    ],
)
def test_the_first_bytes_say_what_a_file_is(head: bytes, found: str) -> None:
    assert sniff.kind_of(head) == found


@pytest.mark.parametrize(
    ("ext", "content", "rule", "message"),
    [
        (
            "csv",
            b"PK\x03\x04" + b"\0" * 64,
            Rule.FILE_TYPE,
            "this .csv is a ZIP archive, not a UTF-8 text file",
        ),
        (
            "csv",
            b"%PDF-1.4 x",
            Rule.FILE_TYPE,
            "this .csv is a PDF document, not a UTF-8 text file",
        ),
        (
            "csv",
            "Response ID,Gender\r\n1,Male\r\n".encode("utf-16-le"),
            Rule.ENCODING,
            "this file is UTF-16 (little-endian, without a byte-order mark); save it as UTF-8,"
            " not UTF-16",
        ),
        (
            "xlsx",
            b"%PDF-1.4 x",
            Rule.FILE_TYPE,
            "this .xlsx is a PDF document, not an XLSX workbook",
        ),
        (
            "xlsx",
            b"Response ID,Gender\n",
            Rule.FILE_TYPE,
            "this .xlsx is a text file (UTF-8 or ASCII), not an XLSX workbook",
        ),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_named(
    tmp_path: Path, ext: str, content: bytes, rule: Rule, message: str
) -> None:
    path = tmp_path / f"{NAME}.{ext}"
    path.write_bytes(content)
    error = violation(read_talk_london, path)
    assert (error.rule, str(error)) == (rule, f"{NAME}.{ext}: {message}")


def test_violations_as_records(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}.csv"
    path.write_bytes(b"%PDF-1.4")
    error = violation(read_talk_london, path)
    assert error.records() == [
        {
            "file": f"{NAME}.csv",
            "column": None,
            "row": None,
            "row_kind": "row",
            "rule": "file_type",
            "detail": "this .csv is a PDF document, not a UTF-8 text file",
        }
    ]


def test_a_sav_that_is_a_zip_is_named(tmp_path: Path) -> None:
    path = tmp_path / SAV
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "x")
    error = violation(read_yougov, path, REP)
    assert str(error) == f"{SAV}: this .sav is a ZIP archive, not an SPSS .sav file"


def test_a_library_error_becomes_a_violation_without_its_message() -> None:
    log = ViolationCollector("f.csv", SPREADSHEET)
    with pytest.raises(ContractViolation) as info, reader_boundary(log, "polars 9"):
        raise pl.exceptions.ComputeError("could not parse `SECRET-COMMENT` as dtype str")
    error = info.value
    assert str(error) == (
        "f.csv: could not be read (polars 9 stopped with ComputeError); the file is damaged or"
        " not in the documented layout (docs/export-formats.md)"
    )
    assert error.__context__ is None or error.__suppress_context__
    assert error.__cause__ is None and "SECRET" not in repr(error.violations)


def test_a_polars_failure_on_a_plain_csv_falls_back_to_the_exact_reader(
    exports, tmp_path: Path, monkeypatch
) -> None:
    from ingest import talk_london

    path = exports.write_csv(exports.talk_london_table(n=4), tmp_path / f"{NAME}.csv")
    expected = read_talk_london(path)

    def broken(*args, **kwargs):
        raise pl.exceptions.ComputeError("quotes `MARKER`")

    monkeypatch.setattr(talk_london, "_read_plain_csv", broken)
    assert read_talk_london(path).equals(expected)


@pytest.mark.parametrize(
    "digits",
    ["\uff11\uff12\uff13", "\u0661\u0662\u0663", "\u06f1\u06f2\u06f3", "\u0967\u0968\u0969"],
    ids=["full-width", "arabic-indic", "extended-arabic-indic", "devanagari"],
)
def test_ids_must_be_ascii_digits(exports, tmp_path: Path, digits: str) -> None:
    table = exports.talk_london_table(n=4)
    table.set(2, "Response ID", digits)
    path = exports.write_csv(table, tmp_path / f"{NAME}.csv")
    error = violation(read_talk_london, path)
    assert (error.rule, error.column, error.row) == (Rule.INTEGER, "Response ID", 4)
    assert digits not in str(error)


def test_non_ascii_digits_in_a_file_name_never_match(exports, landing: Path, warehouse) -> None:
    exports.write_csv(
        exports.talk_london_table(n=3), landing / "talk_london_export_２０２２０１２１.csv"
    )
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert info.value.rule == Rule.FILE_NAME


def _csv_with_lines(exports, path: Path, change) -> Path:
    table = exports.talk_london_table(n=6)
    exports.write_csv(table, path)
    lines = path.read_bytes().split(b"\r\n")
    change(lines)
    path.write_bytes(b"\r\n".join(lines))
    return path


def test_a_stray_quote_in_an_unquoted_field_names_row_and_column(exports, tmp_path: Path) -> None:
    def stray(lines):
        lines[3] = lines[3].replace(b"TL-001003", b'TL-00"1003', 1)

    error = violation(read_talk_london, _csv_with_lines(exports, tmp_path / f"{NAME}.csv", stray))
    assert (error.rule, error.column, error.row) == (Rule.QUOTING, "Member UID", 3 + 1)
    assert "a double quote inside a field that is not enclosed" in str(error)


def test_an_unclosed_quote_names_the_row_where_the_field_began(exports, tmp_path: Path) -> None:
    def unclosed(lines):  # the quote opened in row 3 runs on until the next quote, rows later
        lines[2] = lines[2].replace(b",TL-001002", b',"TL-001002', 1)

    error = violation(
        read_talk_london, _csv_with_lines(exports, tmp_path / f"{NAME}.csv", unclosed)
    )
    assert (error.rule, error.column, error.row) == (Rule.QUOTING, "Member UID", 3)
    assert "begins in this row" in str(error)


def test_a_quote_never_closed_before_the_end_names_its_row(exports, tmp_path: Path) -> None:
    path = exports.write_csv(exports.talk_london_table(n=6), tmp_path / f"{NAME}.csv")
    data = path.read_bytes().replace(b'"', b"").replace(b",TL-001004", b',"TL-001004', 1)
    path.write_bytes(data)  # every other quote removed: nothing closes it
    error = violation(read_talk_london, path)
    assert (error.rule, error.row) == (Rule.QUOTING, 5)


@pytest.mark.parametrize("size", [4001, 131_073, 300_000])
def test_an_over_long_cell_is_the_max_length_rule(exports, tmp_path: Path, size: int) -> None:
    table = exports.talk_london_table(n=4)
    table.set(2, COMMENT, "x" * size)
    error = violation(read_talk_london, exports.write_csv(table, tmp_path / f"{NAME}.csv"))
    assert (error.rule, error.column, error.row) == (Rule.MAX_LENGTH, COMMENT, 4)


@pytest.mark.parametrize("ending", [b"\r", b"\n"], ids=["cr-only", "lf"])
def test_other_line_ends_read_as_crlf(exports, tmp_path: Path, ending: bytes) -> None:
    table = exports.talk_london_table(n=5)
    table.set(1, COMMENT, "two\nlines")  # a line break inside a quoted field stays
    crlf = exports.write_csv(table, tmp_path / f"{NAME}.csv")
    expected = read_talk_london(crlf)
    other = tmp_path / "other"
    other.mkdir()
    path = other / f"{NAME}.csv"
    path.write_bytes(crlf.read_bytes().replace(b"\r\n", ending))
    frame = read_talk_london(path)
    assert frame.height == 5
    assert frame.drop(COMMENT_RAW).equals(expected.drop(COMMENT_RAW))


COMMENT_RAW = next(v for v in export_spec(TL).variables if v.kind == "open_text").id.lower()


def _set_cases(path: Path, count: int) -> None:
    data = bytearray(path.read_bytes())
    data[80:84] = struct.pack("<i", count)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("declared", [0, 3, 7, 12])
def test_an_spss_case_count_that_is_not_the_data_is_rejected(
    exports, tmp_path: Path, declared: int
) -> None:
    path = exports.write_sav(exports.yougov_table(n=7), tmp_path / SAV, REP)
    assert declared_cases(path) == 7
    _set_cases(path, declared)
    if declared == 7:
        assert read_yougov(path, REP).height == 7
        return
    error = violation(read_yougov, path, REP)
    assert (error.rule, str(error)) == (
        Rule.CASE_COUNT,
        f"{SAV}: the file's header declares {declared} cases but the file holds 7 complete"
        " cases; the file was cut short or its header is wrong: export it again",
    )


def test_an_spss_case_count_of_minus_one_means_not_stated(exports, tmp_path: Path) -> None:
    path = exports.write_sav(exports.yougov_table(n=7), tmp_path / SAV, REP)
    _set_cases(path, -1)
    assert read_yougov(path, REP).height == 7


def test_spss_names_that_do_not_decode_name_the_declared_encoding(exports, tmp_path: Path) -> None:
    path = exports.write_sav(exports.yougov_table(n=4), tmp_path / SAV, REP)
    path.write_bytes(path.read_bytes().replace(b"UTF-8", b"UTF16", 1))
    error = violation(read_yougov, path, REP)
    assert error.rule == Rule.VARIABLE_NAMES and error.total == 1
    assert "in the encoding the file declares (UTF16)" in str(error)


def test_spss_declaring_another_encoding_is_rejected(exports, tmp_path: Path) -> None:
    path = exports.write_sav(exports.yougov_table(n=4), tmp_path / SAV, REP)
    path.write_bytes(path.read_bytes().replace(b"UTF-8", b"CP850", 1))
    error = violation(read_yougov, path, REP)
    assert (error.rule, str(error)) == (
        Rule.ENCODING,
        f"{SAV}: the file declares its text is CP850, the contract UTF-8: export it again as"
        " UTF-8 (SPSS Unicode mode)",
    )


def _formula_workbook(exports, path: Path, cached: bool) -> Path:
    exports.write_xlsx(exports.talk_london_table(n=4), path)
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index('<c r="F3"')
    end = sheet.index("</c>", start) + 4
    value = "<v>Male</v>" if cached else ""
    parts["xl/worksheets/sheet1.xml"] = (
        sheet[:start] + f'<c r="F3" t="str"><f>"Ma"&amp;"le"</f>{value}</c>' + sheet[end:]
    ).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def test_a_formula_without_a_stored_value_is_rejected_naming_sheet_and_cell(
    exports, tmp_path: Path
) -> None:
    error = violation(
        read_talk_london, _formula_workbook(exports, tmp_path / f"{NAME}.xlsx", False)
    )
    assert (error.rule, error.column, error.row) == (Rule.FORMULA, "Gender", 3)
    assert "cell F3 of sheet 'Responses' holds a formula without a stored value" in str(error)


def test_a_formula_with_a_stored_value_reads_as_that_value(exports, tmp_path: Path) -> None:
    frame = read_talk_london(_formula_workbook(exports, tmp_path / f"{NAME}.xlsx", True))
    assert frame["gender"][1] == "Male"


def test_an_export_dated_after_today_is_rejected(
    exports, landing: Path, warehouse, monkeypatch
) -> None:
    monkeypatch.setattr(exports_module, "today", lambda: date(2022, 1, 20))
    exports.write_csv(exports.talk_london_table(n=3), landing / f"{NAME}.csv")
    with pytest.raises(ContractViolation) as info:
        load_export_source(TL, landing, warehouse.path)
    assert (info.value.rule, str(info.value)) == (
        Rule.FUTURE_DATE,
        f"{NAME}.csv: file name dates the export 2022-01-21, after today (2022-01-20); a"
        " cumulative export from the future would supersede every later one: correct the date"
        " in the name",
    )
    monkeypatch.setattr(exports_module, "today", lambda: date(2022, 1, 21))  # today is fine
    assert load_export_source(TL, landing, warehouse.path).respondents == 3


exports_module = exports


@pytest.mark.parametrize("source", [TL, REP])
def test_a_start_after_completion_is_rejected(exports, tmp_path: Path, source: str) -> None:
    if source == TL:
        table = exports.talk_london_table(n=4)
        table.set(1, "Time Started", "2021-12-02 11:00:00")
        path, read, column = (
            exports.write_csv(table, tmp_path / f"{NAME}.csv"),
            read_talk_london,
            "Time Started",
        )
        args, row = (), 3
    else:
        table = exports.yougov_table(n=4)
        table.set(1, "starttime", table.get(1, "endtime").replace(hour=23))
        path, read, column = exports.write_sav(table, tmp_path / SAV, REP), read_yougov, "starttime"
        args, row = (REP,), 2
    error = violation(read, path, *args)
    assert (error.rule, error.column, error.row) == (Rule.TIME_ORDER, column, row)


def test_a_nul_byte_beyond_the_first_bytes_is_a_control_character(exports, tmp_path: Path) -> None:
    path = exports.write_csv(exports.talk_london_table(n=300), tmp_path / f"{NAME}.csv")
    data = path.read_bytes()
    at = data.index(b"TL-001250") + 3  # far past the bytes the file kind is judged by
    path.write_bytes(data[:at] + b"\x00" + data[at:])
    error = violation(read_talk_london, path)
    assert (error.rule, error.column, error.row) == (Rule.CONTROL_CHARACTER, "Member UID", 251)


def test_an_spss_file_cut_inside_a_case_is_rejected_whatever_its_header_says(
    exports, tmp_path: Path
) -> None:
    path = exports.write_sav(exports.yougov_table(n=6), tmp_path / SAV, REP)
    path.write_bytes(path.read_bytes()[:-100])
    _set_cases(path, -1)  # "not stated": the header cannot tell
    error = violation(read_yougov, path, REP)
    assert error.rule == Rule.CASE_COUNT
    assert "holds 5 whole cases and" in str(error) and "cut short" in str(error)
