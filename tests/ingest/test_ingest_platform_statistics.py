"""The platform-statistics reader on hand-made files: valid, broken, and not delivered."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.errors import ContractViolation, Rule
from ingest.platform_statistics import load_platform_statistics
from survey.questionnaire import load_questionnaire

SPEC = load_questionnaire().platform_statistics
NAME = "talk_london_platform_statistics_20220121.csv"
VALID = "metric,value\nunique_page_views,41657\ncomments,32\ninteractions,55\n"


def _write(tmp_path, text: str, name: str = NAME):
    (tmp_path / name).write_text(text, encoding="utf-8")


def _error(tmp_path, text: str) -> ContractViolation:
    _write(tmp_path, text)
    with pytest.raises(ContractViolation) as caught:
        load_platform_statistics(tmp_path, SPEC)
    return caught.value


def test_valid_file_latest_by_date(tmp_path):
    _write(tmp_path, VALID.replace("41657", "100"), "talk_london_platform_statistics_20220101.csv")
    _write(tmp_path, VALID)
    frame = load_platform_statistics(tmp_path, SPEC)
    assert dict(zip(frame["metric"], frame["value"], strict=True)) == {
        "unique_page_views": 41657,
        "comments": 32,
        "interactions": 55,
    }
    assert set(frame["file_name"]) == {NAME}
    assert set(frame["export_date"]) == {date(2022, 1, 21)}
    assert len(frame["sha256"][0]) == 64


def test_no_file_is_not_delivered(tmp_path):
    frame = load_platform_statistics(tmp_path, SPEC)
    assert frame.height == 0
    assert frame.columns == ["metric", "value", "file_name", "sha256", "export_date"]


def test_missing_metric(tmp_path):
    error = _error(tmp_path, "metric,value\nunique_page_views,41657\ncomments,32\n")
    assert error.rule == Rule.MISSING_COLUMN
    assert str(error) == f"{NAME}: column 'metric': metric interactions is missing"


def test_unknown_metric(tmp_path):
    error = _error(tmp_path, VALID + "downloads,7\n")
    assert error.rule == Rule.NOT_ALLOWED
    assert (error.file, error.column, error.row) == (NAME, "metric", 5)
    assert str(error).startswith(f"{NAME}: column 'metric' row 5: not a declared metric")
    assert "downloads" not in str(error)


def test_non_digit_value(tmp_path):
    error = _error(tmp_path, VALID.replace("32", "3.2e1"))
    assert (error.rule, error.column, error.row) == (Rule.INTEGER, "value", 3)
    assert str(error).startswith(f"{NAME}: column 'value' row 3: value is not a whole number")
    assert "3.2e1" not in str(error)


def test_non_ascii_digits_rejected(tmp_path):
    error = _error(tmp_path, VALID.replace("55", "\u0665\u0665"))  # Arabic-Indic five five
    assert (error.rule, error.column, error.row) == (Rule.INTEGER, "value", 4)


def test_wrong_header(tmp_path):
    error = _error(tmp_path, VALID.replace("metric,value", "Metric,Value"))
    assert error.rule == Rule.HEADER_ROW
    assert str(error) == f"{NAME}: header must be exactly metric,value"
