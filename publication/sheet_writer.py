"""Cell formats every sheet of the workbook shares, and text written through `neutralise`."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from publication.safe_text import neutralise
from publication.tables import COUNT, MODAL_RANK, PERCENT
from publication.themes import RANK

NUMBER_FORMATS = {PERCENT: "0%", MODAL_RANK: "0", RANK: "0", COUNT: "#,##0"}  # bases: "#,##0"


class SheetWriter:
    """Formats shared by every sheet, and text written through `neutralise`."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.heading = workbook.add_format({"bold": True, "font_size": 12})
        self.header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.link = workbook.add_format({"font_color": "blue", "underline": 1})
        self.numbers = {
            m: workbook.add_format({"num_format": f}) for m, f in NUMBER_FORMATS.items()
        }
        self.base = workbook.add_format({"num_format": "#,##0"})

    def text(self, ws: Worksheet, row: int, col: int, value: str, fmt=None) -> None:
        ws.write_string(row, col, neutralise(value), fmt)

    def table(
        self, ws: Worksheet, first_row: int, headers: list[str], rows: int, name: str
    ) -> None:
        """Mark the header and `rows` data rows below it as an Excel table."""
        ws.add_table(
            first_row,
            0,
            first_row + rows,
            len(headers) - 1,
            {
                "name": name,
                "columns": [
                    {"header": neutralise(h), "header_format": self.header} for h in headers
                ],
                "autofilter": False,
                "style": "Table Style Light 1",
            },
        )
