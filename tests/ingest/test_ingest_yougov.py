"""YouGov SPSS contract: codes, user-missing values and fixed variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ContractViolation, Rule, export_spec, load_export_source, read_yougov

SOURCE = "yougov_representative"
NAME = "yougov_representative_20211208"
SPEC = export_spec(SOURCE)
CASES_NOTE = " (cases are numbered from 1 as in SPSS Data View)"


@pytest.fixture
def table(exports):
    return exports.yougov_table()


@pytest.fixture
def write(exports, landing: Path):
    def write(table) -> Path:
        return exports.write_sav(table, landing / f"{NAME}.sav", SOURCE)

    return write


@pytest.fixture
def rejected(landing: Path, warehouse):
    """Load the landing folder: expect a contract violation, and nothing in `raw`."""

    def rejected() -> ContractViolation:
        with pytest.raises(ContractViolation) as info:
            load_export_source(SOURCE, landing, warehouse.path)
        assert warehouse.raw_tables() == set()
        return info.value

    return rejected


def test_valid_file_reads_with_codes_and_user_missing_kept(table, write) -> None:
    table.set(0, "Q1", 98)  # Don't know: declared user-missing in the file
    table.set(1, "Q1", None)  # system-missing: not asked
    frame = read_yougov(write(table), SOURCE)
    assert frame.columns == [c for c in SPEC.raw_columns if not c.startswith("_")]
    assert frame["b_support"][:2].to_list() == [98, None]
    assert frame["record"].to_list() == [1, 2, 3, 4, 5]
    assert frame["age_band"].to_list() == [16, 23, 30, 37, 44]
    assert frame["i_missing"][:2].to_list() == [None, "Respondent 1: café – it’s needed"]
    assert frame["supplier_weight"][0] == 0.5


def test_a_question_nobody_answered_loads_as_blank(table, write) -> None:
    for row in range(len(table.rows)):
        table.set(row, "Q2", None)  # all system-missing: SPSS gives the reader no type
    frame = read_yougov(write(table), SOURCE)
    assert frame["b_safer"].null_count() == frame.height


def test_code_outside_the_codebook(table, write, rejected) -> None:
    table.set(2, "Q1", 6)
    write(table)
    error = rejected()
    assert (error.file, error.column, error.row, error.rule) == (
        f"{NAME}.sav",
        "Q1",
        3,
        Rule.CODEBOOK,
    )
    assert str(error) == (
        f"{NAME}.sav: variable 'Q1' case 3: value '6' is not in the codebook"
        " (allowed: 1-5, 98)" + CASES_NOTE
    )


def test_age_outside_the_valid_years(table, write, rejected) -> None:
    table.set(0, "age", 15)
    write(table)
    error = rejected()
    assert (error.column, error.row, error.rule) == ("age", 1, Rule.CODEBOOK)
    assert "value '15' is not in the codebook (allowed: 16-99)" in str(error)


def test_duplicated_record(table, write, rejected) -> None:
    table.set(4, "record", 2)
    write(table)
    error = rejected()
    assert (error.column, error.row, error.rule) == ("record", 5, Rule.DUPLICATE_ID)
    assert "variable 'record' case 5: id 2 is duplicated (first in case 2)" in str(error)


def test_missing_and_unknown_variables(table, write, rejected) -> None:
    table.drop("Q7_3")
    table.add("email", 1)
    write(table)
    error = rejected()
    assert [(v.rule, v.column) for v in error.violations] == [
        (Rule.UNKNOWN_COLUMN, "email"),
        (Rule.MISSING_COLUMN, "Q7_3"),
    ]
    assert str(error).splitlines() == [
        f"{NAME}.sav: 2 contract violations",
        f"  {NAME}.sav: variable 'email': is not part of the export layout",
        f"  {NAME}.sav: variable 'Q7_3': is missing",
    ]


def test_weight_must_be_positive(table, write, rejected) -> None:
    table.set(1, "Weight", 0.0)
    table.set(3, "Weight", None)
    write(table)
    error = rejected()
    assert {(v.rule, v.row) for v in error.violations} == {(Rule.WEIGHT, 2), (Rule.REQUIRED, 4)}
    assert "variable 'Weight' case 2: value '0' is not greater than 0" in str(error)


def test_coded_variable_stored_as_text(exports, table, landing: Path, rejected) -> None:
    exports.write_sav(table, landing / f"{NAME}.sav", SOURCE, as_text=("Q2",))
    error = rejected()
    assert (error.column, error.rule) == ("Q2", Rule.COLUMN_TYPE)
    assert str(error) == f"{NAME}.sav: variable 'Q2': must be numeric, but is String"


def test_file_without_cases(table, write, rejected) -> None:
    table.rows = []
    write(table)
    error = rejected()
    assert str(error) == f"{NAME}.sav: has variables but no cases"


def test_empty_and_unreadable_files(landing: Path, rejected) -> None:
    (landing / f"{NAME}.sav").write_bytes(b"")
    (landing / "yougov_representative_20211209.sav").write_text("record,Q1\n1,2\n")
    error = rejected()
    assert [(v.file, v.rule) for v in error.violations] == [
        (f"{NAME}.sav", Rule.EMPTY),
        ("yougov_representative_20211209.sav", Rule.UNREADABLE),
    ]
    assert str(error).startswith("2 files: 2 contract violations\n")
