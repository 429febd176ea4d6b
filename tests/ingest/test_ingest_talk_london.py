"""Talk London contract: each rule rejects a broken file with a precise message, writing nothing."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import xlsxwriter

from ingest import ContractViolation, Rule, export_spec, load_export_source, read_talk_london

NAME = "talk_london_export_20220121"
SPEC = export_spec("talk_london")
OPEN_TEXT = next(v for v in SPEC.variables if v.kind == "open_text")
RANK = next(v for v in SPEC.variables if v.kind == "ranking_item")
ROWS_NOTE = " (rows are spreadsheet rows; the header is row 1)"


@pytest.fixture
def table(exports):
    return exports.talk_london_table()


@pytest.fixture
def write(exports, landing: Path):
    """Write a table as the landing folder's export, in format `ext`."""

    def write(table, ext: str, **kwargs) -> Path:
        writer = exports.write_xlsx if ext == "xlsx" else exports.write_csv
        return writer(table, landing / f"{NAME}.{ext}", **kwargs)

    return write


@pytest.fixture
def rejected(landing: Path, warehouse):
    """Load the landing folder: expect a contract violation, and nothing in `raw`."""

    def rejected() -> ContractViolation:
        with pytest.raises(ContractViolation) as info:
            load_export_source("talk_london", landing, warehouse.path)
        assert warehouse.raw_tables() == set()
        return info.value

    return rejected


def test_csv_and_xlsx_of_the_same_export_read_identically(exports, write) -> None:
    table = exports.talk_london_table(n=6)
    from_csv = read_talk_london(write(table, "csv"))
    from_xlsx = read_talk_london(write(table, "xlsx"))  # ids and ranks as numeric cells
    assert from_csv.equals(from_xlsx)
    assert from_csv.columns == [c for c in SPEC.raw_columns if not c.startswith("_")]
    assert from_csv["response_id"].to_list() == list(range(1001, 1007))
    assert from_csv[RANK.id.lower()].to_list() == [table.get(i, RANK.tl_header) for i in range(6)]
    assert from_csv["i_missing"][1] == "Respondent 1: more café patrols – it’s needed"


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_label_outside_the_codebook(exports, write, rejected, ext: str) -> None:
    table = exports.talk_london_table(n=13)
    table.set(12, "Gender", "Mail")
    write(table, ext)
    error = rejected()
    assert (error.file, error.column, error.row, error.rule) == (
        f"{NAME}.{ext}",
        "Gender",
        14,
        Rule.CODEBOOK,
    )
    assert str(error) == (
        f"{NAME}.{ext}: column 'Gender' row 14: value is not in the codebook (allowed:"
        " Male; Female; Non-binary; Prefer to self-describe; Prefer not to say)" + ROWS_NOTE
    )


def test_missing_column(table, write, rejected) -> None:
    table.drop("Gender")
    write(table, "csv")
    error = rejected()
    assert (error.column, error.row, error.rule) == ("Gender", None, Rule.MISSING_COLUMN)
    assert str(error) == f"{NAME}.csv: column 'Gender': is missing"


def test_unknown_column(table, write, rejected) -> None:
    table.add("Email address", "someone@example.org")
    write(table, "xlsx")
    error = rejected()
    assert (error.column, error.rule) == ("Email address", Rule.UNKNOWN_COLUMN)
    assert str(error) == f"{NAME}.xlsx: column 'Email address': is not part of the export layout"


def test_misspelt_column_gets_a_hint(table, write, rejected) -> None:
    table.header[table.index("Gender")] = "gender "
    write(table, "csv")
    error = rejected()
    assert [(v.rule, v.column) for v in error.violations] == [
        (Rule.UNKNOWN_COLUMN, "gender "),
        (Rule.MISSING_COLUMN, "Gender"),
    ]
    assert "is not part of the export layout (did you mean 'Gender'?)" in str(error)


def test_duplicated_column(table, write, rejected) -> None:
    table.add("Gender", "Male")
    write(table, "xlsx")
    error = rejected()
    assert (error.column, error.rule) == ("Gender", Rule.DUPLICATE_COLUMN)
    assert str(error) == f"{NAME}.xlsx: column 'Gender': appears 2 times in the header"


def test_duplicated_response_id(table, write, rejected) -> None:
    table.set(3, "Response ID", "1001")
    write(table, "csv")
    error = rejected()
    assert (error.column, error.row, error.rule) == ("Response ID", 5, Rule.DUPLICATE_ID)
    assert str(error) == (
        f"{NAME}.csv: column 'Response ID' row 5: id is duplicated with different answers"
        " (first in row 2)" + ROWS_NOTE
    )


def test_cp1252_csv_names_the_first_bad_row(table, write, rejected) -> None:
    write(table, "csv", encoding="cp1252")
    error = rejected()
    # The first open-text answer (data row 2, spreadsheet row 3) holds 'café'.
    assert (error.column, error.row, error.rule) == (OPEN_TEXT.tl_header, 3, Rule.ENCODING)
    assert str(error) == (
        f"{NAME}.csv: column '{OPEN_TEXT.tl_header}' row 3: byte 0xE9 is not valid UTF-8"
        " (in Windows-1252 it would be 'é'); save the file as UTF-8" + ROWS_NOTE
    )


def test_cp1252_curly_apostrophe_in_the_header(table, write, rejected) -> None:
    table.add("Member’s note", None)
    write(table, "csv", encoding="cp1252")
    error = rejected()
    assert (error.column, error.row, error.rule) == (None, 1, Rule.ENCODING)
    assert "row 1: byte 0x92 is not valid UTF-8 (in Windows-1252 it would be '’')" in str(error)


def test_utf8_bom_is_accepted(table, write) -> None:
    path = write(table, "csv")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_talk_london(path).height == 5


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_empty_file(landing: Path, rejected, ext: str) -> None:
    path = landing / f"{NAME}.{ext}"
    if ext == "csv":
        path.write_bytes(b"")
    else:
        with xlsxwriter.Workbook(path) as workbook:
            workbook.add_worksheet("Responses")
    error = rejected()
    assert (error.file, error.rule) == (path.name, Rule.EMPTY)
    assert str(error) == f"{path.name}: file is empty (no header row)"


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_header_only_file(table, write, rejected, ext: str) -> None:
    table.rows = []
    write(table, ext)
    error = rejected()
    assert error.rule == Rule.NO_ROWS
    assert str(error) == f"{NAME}.{ext}: has a header but no data rows"


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_title_row_above_the_header(table, write, rejected, ext: str) -> None:
    write(table, ext, title="MOPAC consultation export")
    error = rejected()
    assert error.rule == Rule.HEADER_ROW
    assert str(error) == (
        f"{NAME}.{ext}: the header must be in row 1, but the header is in row 2 (row 1 holds"
        " other text, a title?); remove any rows above the header"
    )


def test_blank_rows_above_the_header_in_xlsx(table, landing: Path, rejected) -> None:
    with xlsxwriter.Workbook(landing / f"{NAME}.xlsx") as workbook:
        sheet = workbook.add_worksheet("Responses")
        sheet.write_row(2, 0, table.header)
        for r, row in enumerate(table.rows, start=3):
            sheet.write_row(r, 0, row)
    error = rejected()
    assert error.rule == Rule.HEADER_ROW
    assert "but the header is in row 3 (row 1 is blank)" in str(error)


def test_wrong_sheet_name(table, write, rejected) -> None:
    write(table, "xlsx", sheet="Sheet1")
    error = rejected()
    assert error.rule == Rule.SHEET
    assert str(error) == f"{NAME}.xlsx: sheet 'Responses' not found (the workbook has 'Sheet1')"


def test_fixed_columns_are_checked_and_reported_together(table, write, rejected) -> None:
    table.set(0, "Date Submitted", "21/01/2022 10:00")
    table.set(1, "Status", "Deleted")  # Test, Preview, Partial, Incomplete are quarantined
    table.set(2, "Response ID", "10x3")
    table.set(3, "Member UID", None)
    write(table, "csv")
    error = rejected()
    assert {(v.rule, v.column, v.row) for v in error.violations} == {
        (Rule.DATETIME, "Date Submitted", 2),
        (Rule.NOT_ALLOWED, "Status", 3),
        (Rule.INTEGER, "Response ID", 4),
        (Rule.REQUIRED, "Member UID", 5),
    }
    lines = str(error).splitlines()
    assert lines[0] == f"{NAME}.csv: 4 contract violations{ROWS_NOTE}"
    assert lines[1:] == [
        f"  {NAME}.csv: column 'Response ID' row 4: value is not a whole number",
        f"  {NAME}.csv: column 'Member UID' row 5: is blank but required",
        f"  {NAME}.csv: column 'Date Submitted' row 2: value is not a date-time formatted"
        " %Y-%m-%d %H:%M:%S",
        f"  {NAME}.csv: column 'Status' row 3: value is not allowed (allowed: Complete; Test;"
        " Preview; Partial; Incomplete)",
    ]


def test_ragged_csv_row(table, write, rejected) -> None:
    path = write(table, "csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\r\n") + ",extra\r\n"
    path.write_text("".join(lines), encoding="utf-8", newline="")
    error = rejected()
    assert (error.row, error.rule) == (4, Rule.RAGGED_ROW)
    width = len(table.header)
    assert (
        str(error) == f"{NAME}.csv: row 4: has {width + 1} fields, the header {width}" + ROWS_NOTE
    )


def test_rank_written_as_a_decimal_is_normalised(table, write) -> None:
    table.set(0, RANK.tl_header, "2.0")
    assert read_talk_london(write(table, "csv"))[RANK.id.lower()][0] == "2"


def test_open_text_longer_than_allowed(table, write, rejected) -> None:
    table.set(1, OPEN_TEXT.tl_header, "x" * (OPEN_TEXT.max_length + 1))
    write(table, "csv")
    error = rejected()
    assert (error.column, error.row, error.rule) == (OPEN_TEXT.tl_header, 3, Rule.MAX_LENGTH)
    assert str(error) == (
        f"{NAME}.csv: column '{OPEN_TEXT.tl_header}' row 3: text is longer than 4000 characters"
        + ROWS_NOTE
    )


def test_many_violations_are_listed_up_to_twenty(exports, write, rejected) -> None:
    table = exports.talk_london_table(n=30)
    for row in range(30):
        table.set(row, "Gender", "Mail")
    write(table, "csv")
    error = rejected()
    assert error.total == 30 and len(error.violations) == 30
    lines = str(error).splitlines()
    assert lines[0] == f"{NAME}.csv: 30 contract violations{ROWS_NOTE}"
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "  ... and 10 more"


def test_file_name_that_almost_matches(exports, table, landing: Path, rejected) -> None:
    exports.write_csv(table, landing / "talk_london_export_2022-01-21.csv")
    error = rejected()
    assert (error.file, error.rule) == ("talk_london_export_2022-01-21.csv", Rule.FILE_NAME)
    assert str(error) == (
        "talk_london_export_2022-01-21.csv: file name does not match the pattern "
        + SPEC.file_pattern.pattern
    )


def test_impossible_export_date(exports, table, landing: Path, rejected) -> None:
    exports.write_csv(table, landing / "talk_london_export_20221321.csv")
    error = rejected()
    assert error.rule == Rule.FILE_NAME
    assert "export date 20221321 is not a valid date (YYYYMMDD)" in str(error)


def test_rows_count_records_not_lines_in_csv(table, write, rejected) -> None:
    table.set(1, OPEN_TEXT.tl_header, "First line\nsecond line")
    table.set(3, "Gender", "Mail")
    write(table, "csv")
    error = rejected()
    assert (error.column, error.row) == ("Gender", 5)


def test_unreadable_workbook(landing: Path, rejected) -> None:
    (landing / f"{NAME}.xlsx").write_text("Response ID,Gender\n1,Male\n")
    error = rejected()
    assert error.rule == Rule.FILE_TYPE
    assert str(error) == (
        f"{NAME}.xlsx: this .xlsx is a text file (UTF-8 or ASCII), not an XLSX workbook"
    )
    (landing / f"{NAME}.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a broken zip
    error = rejected()
    assert error.rule == Rule.UNREADABLE
    assert str(error).startswith(f"{NAME}.xlsx: not a readable XLSX workbook (")


def test_contract_violation_survives_pickling(table, write) -> None:
    table.set(0, "Gender", "Mail")
    with pytest.raises(ContractViolation) as info:
        read_talk_london(write(table, "csv"))
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.file, copy.column, copy.row, copy.rule) == (f"{NAME}.csv", "Gender", 2, "codebook")
    assert str(copy) == str(info.value)
