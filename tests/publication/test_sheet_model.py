"""Headings with units, and the wrapped-text arithmetic behind row heights (by hand)."""

from __future__ import annotations

from publication.sheet_model import (
    FLAG,
    LINE_HEIGHT,
    NUMBER,
    PERCENT_UNIT,
    TEXT,
    Column,
    Sheet,
    heading,
    row_height,
    text_lines,
)


def test_headings_state_their_unit() -> None:
    assert heading("Strongly support", PERCENT_UNIT) == "Strongly support (%)"
    assert heading("Unweighted base", NUMBER) == "Unweighted base (number)"
    assert heading("Strongly support", FLAG) == "Strongly support: flag"
    assert heading("Route", TEXT) == "Route"
    assert Column("x (%)", PERCENT_UNIT, 9).number_format == "0"
    assert Column("x (number)", NUMBER, 9).number_format == "#,##0"
    assert Column("Route", TEXT, 9).number_format is None


def test_text_lines_word_wraps() -> None:
    # width 4 -> int(4 * 1.1) - 1 = 3 characters a line: one word a line
    assert text_lines("aaa bbb ccc", 4) == 3
    # width 8 -> 7 characters: 'aaa bbb' then 'ccc'
    assert text_lines("aaa bbb ccc", 8) == 2
    # a word longer than the line is cut: 10 characters on lines of 3 -> 4 lines
    assert text_lines("abcdefghij", 4) == 4
    assert text_lines("one\ntwo", 20) == 2


def test_row_height_fits_the_tallest_cell() -> None:
    assert row_height([("short", 20)]) is None
    assert row_height([("aaa bbb ccc", 4), ("aaa bbb ccc", 8)]) == 3 * LINE_HEIGHT + 2
    assert row_height([]) is None


def test_lines_wrap_only_on_a_sheet_without_a_table() -> None:
    assert Sheet("Cover", "t", ()).wrap_lines
    assert not Sheet("B1", "t", (), columns=(Column("Route", TEXT, 12),)).wrap_lines
    assert Sheet("Cover", "t", (), first_width=85).widths() == [85]
