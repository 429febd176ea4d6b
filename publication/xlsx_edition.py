"""The workbook as XLSX, written with xlsxwriter from the sheets of `workbook.build_sheets`
(layout in `workbook`'s docstring). This module needs only xlsxwriter and the sheet model, so a
separate process can write the file (`publication.release`).
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.core import Core
from xlsxwriter.packager import Packager
from xlsxwriter.worksheet import Worksheet

from publication.safe_text import neutralise
from publication.sheet_model import TEXT, Column, Link, Sheet, row_height

A4 = 9


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.heading = workbook.add_format({"bold": True, "font_size": 12, "valign": "top"})
        self.heading_wrap = workbook.add_format(
            {"bold": True, "font_size": 12, "valign": "top", "text_wrap": True}
        )
        self.header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.link = workbook.add_format({"font_color": "blue", "underline": 1, "valign": "top"})
        self.numbers: dict[str, object] = {}
        self.workbook = workbook

    def number(self, column: Column):
        fmt = column.number_format
        if fmt not in self.numbers:
            self.numbers[fmt] = self.workbook.add_format({"num_format": fmt, "valign": "top"})
        return self.numbers[fmt]


def _write_sheet(wb: xlsxwriter.Workbook, f: _Formats, sheet: Sheet) -> None:
    ws: Worksheet = wb.add_worksheet(sheet.name)
    widths = sheet.widths()
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    lines_width = widths[0]
    ws.write_string(0, 0, neutralise(sheet.title), f.title)
    for i, line in enumerate(sheet.lines, start=1):
        if sheet.wrap_lines:
            ws.write_string(i, 0, neutralise(line.text), f.heading_wrap if line.heading else f.wrap)
            ws.set_row(i, row_height([(line.text, lines_width)]))
        else:
            ws.write_string(i, 0, neutralise(line.text), f.heading if line.heading else None)
    _page_setup(ws, sheet)
    if not sheet.columns:
        return
    top = sheet.header_row
    ws.add_table(
        top,
        0,
        top + len(sheet.rows),
        len(sheet.columns) - 1,
        {
            "name": sheet.table_name,
            "columns": [
                {"header": neutralise(c.heading), "header_format": f.header} for c in sheet.columns
            ],
            "autofilter": False,
            "style": "Table Style Light 1",
        },
    )
    ws.set_row(
        top, row_height([(c.heading, w) for c, w in zip(sheet.columns, widths, strict=True)])
    )
    text_columns = [i for i, c in enumerate(sheet.columns) if c.unit == TEXT]
    for r, row in enumerate(sheet.rows, start=top + 1):
        for c, value in enumerate(row):
            column = sheet.columns[c]
            if isinstance(value, Link):
                ws.write_url(
                    r, c, f"internal:'{value.sheet}'!A1", f.link, string=neutralise(value.text)
                )
            elif isinstance(value, str):
                ws.write_string(r, c, neutralise(value), f.wrap)
            elif value is not None:
                ws.write_number(r, c, value, f.number(column))
        height = row_height([(row[c], widths[c]) for c in text_columns if isinstance(row[c], str)])
        if height:
            ws.set_row(r, height)
    ws.freeze_panes(top + 1, sheet.freeze_columns)
    ws.repeat_rows(top)


def _page_setup(ws: Worksheet, sheet: Sheet) -> None:
    ws.set_paper(A4)
    if sheet.columns and sum(sheet.widths()) > 110:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)  # the page width, as many pages down as needed


class _CoreWithLanguage(Core):
    """docProps/core.xml with `dc:language` (xlsxwriter writes none) as its last element."""

    language = ""

    def _write_cp_content_status(self) -> None:
        super()._write_cp_content_status()
        self._xml_data_element("dc:language", self.language)


class _Packager(Packager):
    language = ""

    def _write_core_file(self) -> None:
        core = _CoreWithLanguage()
        core.language = self.language
        core._set_properties(self.workbook.doc_properties)
        core._set_xml_writer(self._filename("docProps/core.xml"))
        core._assemble_xml_file()


class _Workbook(xlsxwriter.Workbook):
    """A workbook whose document properties include its language (through xlsxwriter's hook
    for another packager), instead of rewriting the whole file to add it."""

    def __init__(self, filename: str, options: dict, language: str) -> None:
        super().__init__(filename, options)
        self.language = language

    def _get_packager(self) -> Packager:
        packager = _Packager()
        packager.language = self.language
        return packager


def write_xlsx(path: Path, sheets: list[Sheet], properties: dict, language: str) -> list[str]:
    """Write `sheets` to `path` as XLSX with the document `properties` (xlsxwriter's names)
    and `language`; returns the sheet names in order."""
    workbook = _Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
        },
        language,
    )
    workbook.set_properties(properties)
    formats = _Formats(workbook)
    for sheet in sheets:
        _write_sheet(workbook, formats, sheet)
    workbook.close()
    return [s.name for s in sheets]
