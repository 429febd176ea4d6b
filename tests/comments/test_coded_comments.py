"""The analysts' coded-comments file: contract, errors naming file/column/row/rule, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from comments.codeframe import load_codeframe
from ingest import ContractViolation, Rule, load_coded_comments, read_coded_comments

THEMES = load_codeframe().theme_ids
KNOWN = {"tl-1", "tl-2", "rep-100001"}


def write_coded(folder: Path, name: str, rows: list[list[str]], header=None) -> Path:
    """A coded-comments CSV in `folder`."""
    header = header or ["respondent_id", "themes", "coder", "note"]
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_good_file_is_read(tmp_path: Path) -> None:
    path = write_coded(
        tmp_path,
        "coded_comments_20220301.csv",
        [["tl-1", "drugs; volume_crime", "AB", "dealing"], ["rep-100001", "other", "CD", ""]],
    )
    frame = read_coded_comments(path, THEMES, KNOWN)
    assert frame.rows() == [
        ("tl-1", ["drugs", "volume_crime"], "AB", "dealing", path.name, 2),
        ("rep-100001", ["other"], "CD", None, path.name, 3),
    ]


@pytest.mark.parametrize(
    ("rows", "rule", "column", "row"),
    [
        ([["tl-1", "drug", "AB", ""]], Rule.CODEBOOK, "themes", 2),
        (
            [["tl-1", "drugs", "AB", ""], ["tl-1", "drugs", "AB", ""]],
            Rule.DUPLICATE_ID,
            "respondent_id",
            3,
        ),
        ([["tl-1", "drugs", "", ""]], Rule.REQUIRED, "coder", 2),
        ([["tl-1", "", "AB", ""]], Rule.REQUIRED, "themes", 2),
        ([["respondent 7", "drugs", "AB", ""]], Rule.NOT_ALLOWED, "respondent_id", 2),
        (
            [["tl-2", "drugs", "AB", ""], ["tl-99", "drugs", "AB", ""]],
            Rule.NOT_ALLOWED,
            "respondent_id",
            3,
        ),
        ([["tl-1", "other;drugs", "AB", ""]], Rule.NOT_ALLOWED, "themes", 2),
        ([["tl-1", "drugs", "AB", "x" * 1001]], Rule.MAX_LENGTH, "note", 2),
        ([["tl-1", "drugs", "AB"]], Rule.RAGGED_ROW, None, 2),
    ],
)
def test_a_bad_file_is_rejected_naming_file_column_row_and_rule(
    tmp_path: Path, rows, rule: Rule, column: str | None, row: int
) -> None:
    path = write_coded(tmp_path, "coded_comments_20220301.csv", rows)
    with pytest.raises(ContractViolation) as caught:
        read_coded_comments(path, THEMES, KNOWN)
    error = caught.value
    assert (error.file, error.rule, error.column, error.row) == (path.name, rule, column, row)
    assert path.name in str(error) and f"row {row}" in str(error)


def test_header_and_encoding_violations(tmp_path: Path) -> None:
    path = write_coded(
        tmp_path,
        "coded_comments_20220301.csv",
        [["tl-1", "drugs", "AB"]],
        ["respondent_id", "theme", "coder"],
    )
    with pytest.raises(ContractViolation) as caught:
        read_coded_comments(path, THEMES)
    found = {(v.rule, v.column) for v in caught.value.violations}
    assert found == {
        (Rule.UNKNOWN_COLUMN, "theme"),
        (Rule.MISSING_COLUMN, "themes"),
        (Rule.MISSING_COLUMN, "note"),
    }
    path.write_bytes(b"respondent_id,themes,coder,note\ntl-1,drugs,Ren\xe9,\n")
    with pytest.raises(ContractViolation) as caught:
        read_coded_comments(path, THEMES)
    assert (caught.value.rule, caught.value.row) == (Rule.ENCODING, 2)


def test_files_are_found_by_name_and_the_latest_wins(tmp_path: Path) -> None:
    write_coded(tmp_path, "coded_comments_20220301.csv", [["tl-1", "drugs", "AB", ""]])
    write_coded(tmp_path, "coded_comments_20220315.csv", [["tl-1", "other", "CD", ""]])
    write_coded(tmp_path, "talk_london_export_20220121.csv", [["not", "ours", "", ""]])
    frame = load_coded_comments(tmp_path, THEMES, KNOWN)
    assert frame.select("respondent_id", "themes", "source_file").rows() == [
        ("tl-1", ["other"], "coded_comments_20220315.csv")
    ]
    write_coded(tmp_path, "coded_comments_2022-03-20.csv", [["tl-1", "drugs", "AB", ""]])
    with pytest.raises(ContractViolation) as caught:
        load_coded_comments(tmp_path, THEMES, KNOWN)
    assert (caught.value.file, caught.value.rule) == (
        "coded_comments_2022-03-20.csv",
        Rule.FILE_NAME,
    )


def test_no_file_means_no_manual_codes(tmp_path: Path) -> None:
    assert load_coded_comments(tmp_path, THEMES).is_empty()
