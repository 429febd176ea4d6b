"""Bad exports not covered in tests/ingest: encodings, layout, hostile content, rows and
deliveries (issue 6, section 1). Each file is made by the test from the tests/ingest builders."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from ingest import ContractViolation, Rule, export_spec, hostile, load_export_source
from ingest.talk_london import read_talk_london

NAME = "talk_london_export_20220121"
COMMENT = export_spec("talk_london").column_of(
    next(v for v in export_spec("talk_london").variables if v.kind == "open_text")
)


@pytest.fixture
def table(builders):
    return builders.talk_london_table(n=8)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "w" / "warehouse.duckdb"


def rejected(landing: Path, warehouse: Path, source: str = "talk_london") -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        load_export_source(source, landing, warehouse)
    assert not warehouse.exists(), "nothing is written from a rejected batch"
    return caught.value


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_mojibake_is_rejected_naming_column_and_row(builders, table, landing, warehouse, ext):
    table.set(2, COMMENT, "more cafÃ© patrols â€“ itâ€™s needed")
    getattr(builders, f"write_{ext}")(table, landing / f"{NAME}.{ext}")
    error = rejected(landing, warehouse)
    assert (error.rule, error.column, error.row) == (Rule.MOJIBAKE, COMMENT, 4)
    assert "patrols" not in str(error)


@pytest.mark.parametrize(
    "char",
    ["\u202e", "\u200b", "\x07", "\ufeff", "\u2066"],
    ids=["rlo", "zwsp", "bel", "zwnbsp", "lri"],
)
def test_control_zero_width_and_bidi_characters_are_rejected(
    builders, table, landing, warehouse, char
):
    table.set(1, COMMENT, f"harmless looking{char}text")
    builders.write_csv(table, landing / f"{NAME}.csv")
    error = rejected(landing, warehouse)
    assert (error.rule, error.column, error.row) == (Rule.CONTROL_CHARACTER, COMMENT, 3)
    assert f"U+{ord(char):04X}" in str(error) and "harmless" not in str(error)


def test_control_character_in_a_yougov_string_is_rejected(builders, landing, warehouse):
    t = builders.yougov_table()
    t.set(1, "Q43", "fine\u202etext")
    builders.write_sav(t, landing / "yougov_representative_20211208.sav")
    error = rejected(landing, warehouse, "yougov_representative")
    assert (error.rule, error.column, error.row) == (Rule.CONTROL_CHARACTER, "Q43", 2)


def test_line_breaks_and_tabs_in_open_text_are_allowed(builders, table, landing, warehouse):
    table.set(1, COMMENT, "first line\r\nsecond\tline")
    builders.write_csv(table, landing / f"{NAME}.csv")
    assert load_export_source("talk_london", landing, warehouse).respondents == 8


def test_semicolon_delimited_csv_is_rejected(table, landing, warehouse):
    path = landing / f"{NAME}.csv"
    path.write_text(
        "\n".join(
            ";".join("" if c is None else str(c) for c in r) for r in [table.header] + table.rows
        )
        + "\n",
        encoding="utf-8",
    )
    error = rejected(landing, warehouse)
    rules = {v.rule for v in error.violations}
    assert Rule.MISSING_COLUMN in rules or Rule.HEADER_ROW in rules or Rule.RAGGED_ROW in rules


def test_reordered_columns_are_accepted(builders, table, landing):
    builders.write_csv(table, landing / f"{NAME}.csv")
    expected = read_talk_london(landing / f"{NAME}.csv")
    order = list(reversed(range(len(table.header))))
    table.header = [table.header[i] for i in order]
    table.rows = [[row[i] for i in order] for row in table.rows]
    builders.write_csv(table, landing / f"{NAME}.csv")
    assert read_talk_london(landing / f"{NAME}.csv").equals(expected)


def test_format_switch_from_xlsx_to_csv_is_accepted(builders, landing, warehouse):
    builders.write_xlsx(
        builders.talk_london_table(n=4), landing / "talk_london_export_20211210.xlsx"
    )
    builders.write_csv(builders.talk_london_table(n=6), landing / f"{NAME}.csv")
    summary = load_export_source("talk_london", landing, warehouse)
    assert [f.format for f in summary.files] == ["xlsx", "csv"] and summary.respondents == 6


def test_renamed_weight_variable_is_rejected(builders, landing, warehouse):
    t = builders.yougov_table()
    t.header[t.index("Weight")] = "weight"
    builders.write_sav(t, landing / "yougov_representative_20211208.sav")
    error = rejected(landing, warehouse, "yougov_representative")
    found = {(v.rule, v.column) for v in error.violations}
    assert (Rule.MISSING_COLUMN, "Weight") in found and (Rule.UNKNOWN_COLUMN, "weight") in found


def _quarantine(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT file_row, respondent_id, reason FROM raw.quarantine ORDER BY file_row"
        ).fetchall()


@pytest.mark.parametrize(
    "status, reason",
    [("Test", "test_or_preview"), ("Preview", "test_or_preview"), ("Partial", "partial")],
)
def test_test_preview_and_partial_responses_are_quarantined(
    builders, landing, warehouse, status, reason
):
    table = builders.talk_london_table(n=40)  # one row in 40: within the 5% tolerance
    table.set(3, "Status", status)
    builders.write_csv(table, landing / f"{NAME}.csv")
    summary = load_export_source("talk_london", landing, warehouse)
    assert summary.respondents == 39 and summary.quarantined[reason] == 1
    assert _quarantine(warehouse) == [(5, 1004, reason)]


def test_an_unknown_status_is_still_rejected(builders, table, landing, warehouse):
    table.set(3, "Status", "Abandoned")
    builders.write_csv(table, landing / f"{NAME}.csv")
    error = rejected(landing, warehouse)
    assert (error.rule, error.column, error.row) == (Rule.NOT_ALLOWED, "Status", 5)
    assert "value is not allowed (allowed: Complete; Test; Preview; Partial; Incomplete)" in str(
        error
    )


def test_duplicate_ids_with_identical_answers_keep_one_row(builders, landing, warehouse):
    table = builders.talk_london_table(n=40)
    table.rows.append(list(table.rows[0]))
    builders.write_csv(table, landing / f"{NAME}.csv")
    summary = load_export_source("talk_london", landing, warehouse)
    assert summary.respondents == 40 and summary.quarantined["duplicate_identical"] == 1
    assert _quarantine(warehouse) == [(42, 1001, "duplicate_identical")]


def test_ids_with_leading_zeros_are_read_as_numbers(builders, table, landing, warehouse):
    table.set(0, "Response ID", "0042")
    builders.write_csv(table, landing / f"{NAME}.csv")
    frame = read_talk_london(landing / f"{NAME}.csv")
    assert frame["response_id"][0] == 42


def test_dates_in_mixed_formats_are_rejected_naming_the_row(builders, table, landing, warehouse):
    table.set(4, "Date Submitted", "01/12/2021 10:04:30")
    builders.write_csv(table, landing / f"{NAME}.csv")
    error = rejected(landing, warehouse)
    assert (error.rule, error.column, error.row) == (Rule.DATETIME, "Date Submitted", 6)


def test_cumulative_export_with_fewer_responses_is_refused(builders, landing, warehouse):
    builders.write_csv(builders.talk_london_table(n=8), landing / "talk_london_export_20211210.csv")
    builders.write_csv(builders.talk_london_table(n=5), landing / f"{NAME}.csv")
    with pytest.raises(ContractViolation) as caught:
        load_export_source("talk_london", landing, warehouse)
    error = caught.value
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the transaction rolled back
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]
    assert (error.file, error.rule) == (f"{NAME}.csv", Rule.SHRINKING_EXPORT)
    assert "5 respondents, fewer than the 8 of talk_london_export_20211210.csv" in str(error)


def test_same_file_under_a_new_name_is_a_no_op(builders, landing, warehouse):
    first = builders.write_csv(
        builders.talk_london_table(n=5), landing / "talk_london_export_20211210.csv"
    )
    load_export_source("talk_london", landing, warehouse)
    shutil.copy(first, landing / f"{NAME}.csv")
    summary = load_export_source("talk_london", landing, warehouse)
    assert [f.status for f in summary.files] == ["skipped", "skipped"]


def _xlsx_with_cells(path: Path, table, cells: dict[tuple[int, str], str]) -> Path:
    """Write `table`, then formulas with cached values at (data row, column)."""
    with xlsxwriter.Workbook(path) as workbook:
        ws = workbook.add_worksheet("Responses")
        ws.write_row(0, 0, table.header)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write_string(r, c, str(value))
        for (row, column), (formula, cached) in cells.items():
            ws.write_formula(row + 1, table.index(column), formula, None, cached)
    return path


def test_formula_cells_are_read_as_their_stored_value_never_evaluated(table, landing):
    gender = table.get(0, "Gender")
    path = _xlsx_with_cells(
        landing / f"{NAME}.xlsx",
        table,
        {
            (0, "Gender"): ('=IF(TRUE,"Male","Female")', gender),
            (1, COMMENT): ('=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0"),
        },
    )
    frame = read_talk_london(path)
    assert frame["gender"][0] == gender
    text = frame[next(c for c in frame.columns if c.startswith("i_missing"))][1]
    assert text == "=cmd|' /C calc'!A0"  # text as stored; the publication neutralises it


def test_text_starting_with_formula_triggers_is_read_as_text(builders, table, landing):
    for row, text in enumerate(["=1+1", "+44 20", "-minus", "@SUM(A1)"]):
        table.set(row, COMMENT, text)
    builders.write_csv(table, landing / f"{NAME}.csv")
    frame = read_talk_london(landing / f"{NAME}.csv")
    column = next(c for c in frame.columns if c.startswith("i_missing"))
    assert frame[column].to_list()[:4] == ["=1+1", "+44 20", "-minus", "@SUM(A1)"]


def test_macro_workbooks_are_rejected(builders, table, landing, warehouse):
    builders.write_xlsx(table, landing / f"{NAME}.xlsm")
    assert rejected(landing, warehouse).rule == Rule.FILE_NAME
    (landing / f"{NAME}.xlsm").unlink()
    path = builders.write_xlsx(table, landing / f"{NAME}.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    assert rejected(landing, warehouse).rule == Rule.MACRO


def test_zip_bomb_workbook_is_rejected_before_reading(builders, table, landing, warehouse):
    path = builders.write_xlsx(table, landing / f"{NAME}.xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (4 * 1024 * 1024))
    error = rejected(landing, warehouse)
    assert error.rule == Rule.OVERSIZED and "zip bomb" in str(error)


def test_oversized_file_is_rejected_before_reading(
    builders, table, landing, warehouse, monkeypatch
):
    monkeypatch.setattr(hostile, "MAX_FILE_BYTES", 1000)
    builders.write_csv(table, landing / f"{NAME}.csv")
    assert rejected(landing, warehouse).rule == Rule.OVERSIZED
