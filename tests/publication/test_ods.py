"""The ODS edition: the same sheets, texts and numbers as the XLSX, read back by another reader
(the tests' lean reader, which reads a release as pandas' OpenDocument reader does:
test_ods_reader.py), with the print layout and links of the XLSX."""

from __future__ import annotations

import re
import zipfile

import pytest


def _rows(ws) -> list[list]:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def test_same_sheets_and_content_as_the_xlsx(ods, workbook, release) -> None:
    assert list(ods) == workbook.sheetnames == release.sheets
    for ws in workbook.worksheets:
        xlsx = _rows(ws)
        theirs = ods[ws.title]
        assert len(theirs) == len(xlsx), ws.title
        for r, (a, b) in enumerate(zip(xlsx, theirs, strict=True)):
            a = a + [None] * (len(b) - len(a))
            b = b + [None] * (len(a) - len(b))
            for c, (x, y) in enumerate(zip(a, b, strict=True)):
                if isinstance(x, int | float) and not isinstance(x, bool):
                    assert isinstance(y, int | float), (ws.title, r, c, y)
                    assert y == pytest.approx(x, rel=1e-12), (ws.title, r, c)
                else:
                    assert x == y, (ws.title, r, c)


def test_numbers_are_numbers_and_layout_is_set(release) -> None:
    with zipfile.ZipFile(release.ods) as z:
        first = z.infolist()[0]  # as the OpenDocument package rules require
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        assert "META-INF/manifest.xml" in z.namelist()
        content = z.read("content.xml").decode("utf-8")
        styles = z.read("styles.xml").decode("utf-8")
        meta = z.read("meta.xml").decode("utf-8")
    assert content.count('office:value-type="float"') > 10_000
    tables = content.count("<table:table ")
    # every sheet with a table repeats its heading row on each printed page (all but the cover)
    assert content.count("<table:table-header-rows>") == tables - 1
    assert 'loext:scale-to-X="1"' in content + styles
    assert re.search(r"xlink:href=\"#'A1'\.A1\"", content)  # the contents sheet's links
    assert "<dc:language>en-GB</dc:language>" in meta
    assert "<dc:title>" in meta and "<dc:subject>" in meta
