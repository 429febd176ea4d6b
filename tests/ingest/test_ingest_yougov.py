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
        f"{NAME}.sav: variable 'Q1' case 3: value is not in the codebook"
        " (allowed: 1-5, 98)" + CASES_NOTE
    )


def test_age_outside_the_valid_years(table, write, rejected) -> None:
    table.set(0, "age", 15)
    write(table)
    error = rejected()
    assert (error.column, error.row, error.rule) == ("age", 1, Rule.CODEBOOK)
    assert str(error) == (
        f"{NAME}.sav: variable 'age' case 1: value is not in the codebook (allowed: 16-99)"
        + CASES_NOTE
    )


def test_duplicated_record(table, write, rejected) -> None:
    table.set(4, "record", 2)
    write(table)
    error = rejected()
    assert (error.column, error.row, error.rule) == ("record", 5, Rule.DUPLICATE_ID)
    assert str(error) == (
        f"{NAME}.sav: variable 'record' case 5: id is duplicated with different answers"
        " (first in case 2)" + CASES_NOTE
    )


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
    assert str(error).splitlines()[1:] == [
        f"  {NAME}.sav: variable 'Weight' case 4: is blank but required",
        f"  {NAME}.sav: variable 'Weight' case 2: weight is not a number greater than 0",
    ]


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
        ("yougov_representative_20211209.sav", Rule.FILE_TYPE),
    ]
    assert str(error).startswith("2 files: 2 contract violations\n")


def test_value_labels_changed_since_the_codebook(exports, table, landing: Path, rejected) -> None:
    labels = {
        # Q1 support5: two labels swapped (codes moved), Don't know unlabelled, a new code
        "Q1": {
            1.0: "Strongly support",
            2.0: "Tend to oppose",
            3.0: "Neither support nor oppose",
            4.0: "Tend to support",
            5.0: "Strongly oppose",
            96.0: "Refused",
        },
        "Q16_1": {0.0: "Not selected", 1.0: "Selected"},  # a multi-select option: as agreed
    }
    exports.write_sav(table, landing / f"{NAME}.sav", SOURCE, labels=labels)
    error = rejected()
    assert {(v.rule, v.column, v.row) for v in error.violations} == {
        (Rule.VALUE_LABELS, "Q1", None)
    }
    assert str(error).splitlines() == [
        f"{NAME}.sav: 4 contract violations",
        f"  {NAME}.sav: variable 'Q1': the value label of code 2 is not the codebook's"
        " 'Tend to support'",
        f"  {NAME}.sav: variable 'Q1': the value label of code 4 is not the codebook's"
        " 'Tend to oppose'",
        f"  {NAME}.sav: variable 'Q1': code 98 has no value label (the codebook's is 'Don't know')",
        f"  {NAME}.sav: variable 'Q1': code 96 has a value label but is not in the codebook"
        " (allowed: 1-5, 98)",
    ]


def test_multi_select_labels_are_not_selected_and_selected(
    exports, table, landing: Path, rejected
) -> None:
    option = next(v for v in SPEC.variables if v.kind == "multi_option")
    assert option.spss_value_labels == {0: "Not selected", 1: "Selected"}
    labels = {option.yg_name: {0.0: "Not selected", 1.0: option.item_label}}
    exports.write_sav(table, landing / f"{NAME}.sav", SOURCE, labels=labels)
    error = rejected()
    assert str(error) == (
        f"{NAME}.sav: variable '{option.yg_name}': the value label of code 1 is not the"
        " codebook's 'Selected'"
    )


def test_extreme_weight_is_rejected(exports, write, rejected) -> None:
    table = exports.yougov_table(n=20)  # weights 0.5 ... 2.4, mean 1.45
    table.set(6, "Weight", 80.0)  # the mean becomes 7.3: more than 10 times it
    table.set(7, "Weight", 40.0)  # under 10 times: accepted
    write(table)
    error = rejected()
    assert (error.column, error.row, error.rule) == ("Weight", 7, Rule.EXTREME_WEIGHT)
    assert str(error) == (
        f"{NAME}.sav: variable 'Weight' case 7: weight is more than 10 times the file's mean"
        " weight" + CASES_NOTE
    )


def test_weights_up_to_the_bound_are_accepted(exports, write) -> None:
    table = exports.yougov_table(n=20)
    table.set(6, "Weight", 14.0)  # the mean becomes 2.1: 6.7 times it
    assert read_yougov(write(table), SOURCE)["supplier_weight"][6] == 14.0


def test_string_variable_narrower_than_the_contract_is_rejected(
    exports, table, landing: Path, rejected
) -> None:
    assert next(v for v in SPEC.variables if v.yg_name == "Q43").spss_width == 4000
    exports.write_sav(table, landing / f"{NAME}.sav", SOURCE, string_width=255)
    error = rejected()
    assert (error.column, error.row, error.rule) == ("Q43", None, Rule.TRUNCATED)
    assert str(error) == (
        f"{NAME}.sav: variable 'Q43': string variable is 255 bytes wide, narrower than the"
        " contract's 4000: answers may have been cut short; export it at least A4000"
    )


def test_string_variable_wider_than_the_contract_is_accepted(exports, table, landing) -> None:
    path = exports.write_sav(table, landing / f"{NAME}.sav", SOURCE, string_width=8000)
    assert read_yougov(path, SOURCE)["i_missing"][1] == "Respondent 1: café – it’s needed"


def test_the_lean_read_gives_what_pyreadstat_gives_polars(exports, table, landing: Path) -> None:
    """ingest.yougov.read_sav reads pyreadstat's pandas output (numpy arrays) instead of its
    polars output (a Python object per cell): same types and values, nulls and user-missing
    codes, date-times, a variable nobody answered (Null), and text."""
    import polars as pl
    import pyreadstat

    from ingest.yougov import read_sav

    table.set(0, "Q1", 98)
    table.set(1, "Q1", None)
    table.set(2, "endtime", None)
    for row in range(len(table.rows)):
        table.set(row, "Q2", None)
    path = exports.write_sav(table, landing / f"{NAME}.sav", SOURCE)
    expected, _ = pyreadstat.read_sav(path, user_missing=True, output_format="polars")
    frame, meta = read_sav(path)
    assert frame.schema == expected.schema
    assert frame.equals(expected)
    assert frame["Q2"].dtype == pl.Null and isinstance(frame["endtime"].dtype, pl.Datetime)
    assert meta.number_rows == len(table.rows)


def test_a_date_formatted_variable_is_read_as_pyreadstat_reads_it(landing: Path) -> None:
    import polars as pl
    import pyreadstat

    from ingest.yougov import read_sav

    path = landing / f"{NAME}.sav"
    frame = pl.DataFrame({"record": [1.0, 2.0], "day": [13_000_000_000.0, None]})
    pyreadstat.write_sav(frame, path, variable_format={"day": "DATE11"})
    expected, _ = pyreadstat.read_sav(path, user_missing=True, output_format="polars")
    assert read_sav(path)[0].equals(expected)
    assert expected["day"].dtype == pl.Date
