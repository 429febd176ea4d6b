"""The workbook's OpenDocument (ODS) edition, written with odfpy from the same sheets as the
XLSX (`workbook.build_sheets`): the same sheet names, titles, lines, headings, texts and numbers
(stored as numbers, percentages 0-100), the same row heights and column widths, internal links on
the contents sheet, the heading row repeated on each printed page, pages fitted to the width.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from odf.namespaces import LOEXTNS, OFFICENS, TABLENS
from odf.number import Number, NumberStyle
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import (
    MasterPage,
    PageLayout,
    PageLayoutProperties,
    ParagraphProperties,
    Style,
    TableCellProperties,
    TableColumnProperties,
    TableProperties,
    TableRowProperties,
    TextProperties,
)
from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
from odf.text import A, P

from publication.metadata import PublicationInfo
from publication.safe_text import neutralise
from publication.sheet_model import NUMBER, PERCENT_UNIT, TEXT, Link, Sheet, row_height

CM_PER_CHARACTER = 0.2


class _Styles:
    def __init__(self, doc: OpenDocumentSpreadsheet) -> None:
        self.doc = doc
        auto = doc.automaticstyles
        self.title = self._cell("title", {"fontweight": "bold", "fontsize": "14pt"})
        self.heading = self._cell("heading", {"fontweight": "bold", "fontsize": "12pt"}, wrap=True)
        self.header = self._cell("header", {"fontweight": "bold"}, wrap=True)
        self.wrap = self._cell("wrap", {}, wrap=True)
        self.line = self._cell("line", {})
        self.heading_line = self._cell("heading_line", {"fontweight": "bold", "fontsize": "12pt"})
        self.numbers = {}
        for unit, grouping in ((PERCENT_UNIT, False), (NUMBER, True)):
            data = NumberStyle(name=f"N_{'pct' if unit == PERCENT_UNIT else 'num'}")
            data.addElement(Number(decimalplaces=0, minintegerdigits=1, grouping=grouping))
            auto.addElement(data)
            style = Style(name=f"cell_{data.getAttribute('name')}", family="table-cell")
            style.setAttribute("datastylename", data.getAttribute("name"))
            style.addElement(TableCellProperties(verticalalign="top"))
            auto.addElement(style)
            self.numbers[unit] = style
        layouts = {}
        for orientation, (w, h) in (
            ("portrait", ("21cm", "29.7cm")),
            ("landscape", ("29.7cm", "21cm")),
        ):
            layout = PageLayout(name=f"layout_{orientation}")
            props = PageLayoutProperties(printorientation=orientation, pagewidth=w, pageheight=h)
            props.setAttrNS(LOEXTNS, "scale-to-X", "1")  # fit to the page width
            props.setAttrNS(LOEXTNS, "scale-to-Y", "0")  # as many pages down as needed
            layout.addElement(props)
            auto.addElement(layout)
            doc.masterstyles.addElement(MasterPage(name=orientation, pagelayoutname=layout))
            table = Style(name=f"table_{orientation}", family="table", masterpagename=orientation)
            table.addElement(TableProperties(display="true"))
            auto.addElement(table)
            layouts[orientation] = table
        self.tables = layouts
        self._columns: dict[float, Style] = {}
        self._rows: dict[float, Style] = {}

    def _cell(self, name: str, text: dict, wrap: bool = False) -> Style:
        style = Style(name=name, family="table-cell")
        style.addElement(
            TableCellProperties(verticalalign="top", wrapoption="wrap" if wrap else "no-wrap")
        )
        if text:
            style.addElement(TextProperties(**text))
        style.addElement(ParagraphProperties())
        self.doc.automaticstyles.addElement(style)
        return style

    def column(self, width: float) -> Style:
        if width not in self._columns:
            style = Style(name=f"col{len(self._columns)}", family="table-column")
            style.addElement(TableColumnProperties(columnwidth=f"{width * CM_PER_CHARACTER:.2f}cm"))
            self.doc.automaticstyles.addElement(style)
            self._columns[width] = style
        return self._columns[width]

    def row(self, height: float) -> Style:
        if height not in self._rows:
            style = Style(name=f"row{len(self._rows)}", family="table-row")
            style.addElement(
                TableRowProperties(rowheight=f"{height:.1f}pt", useoptimalrowheight="false")
            )
            self.doc.automaticstyles.addElement(style)
            self._rows[height] = style
        return self._rows[height]


# Attributes given by qualified name: odfpy's keyword attributes cost a grammar lookup each,
# seconds over the tables' cells.
VALUE_TYPE, VALUE = (OFFICENS, "value-type"), (OFFICENS, "value")
STYLE_NAME = (TABLENS, "style-name")


def _name(style: Style) -> str:
    return style.getAttribute("name")


def _text_cell(text: str, style: Style) -> TableCell:
    cell = TableCell(qattributes={VALUE_TYPE: "string", STYLE_NAME: _name(style)})
    cell.addElement(P(text=neutralise(text)))
    return cell


def _number_cell(value: float | int, style: Style) -> TableCell:
    number = repr(float(value)) if isinstance(value, float) else str(value)
    return TableCell(qattributes={VALUE_TYPE: "float", VALUE: number, STYLE_NAME: _name(style)})


def _row(styles: _Styles, height: float | None) -> TableRow:
    if height:
        return TableRow(qattributes={STYLE_NAME: _name(styles.row(height))})
    return TableRow()


def _sheet(doc: OpenDocumentSpreadsheet, styles: _Styles, sheet: Sheet) -> None:
    widths = sheet.widths()
    landscape = bool(sheet.columns) and sum(widths) > 110
    table = Table(
        name=sheet.name, stylename=styles.tables["landscape" if landscape else "portrait"]
    )
    for width in widths:
        table.addElement(TableColumn(stylename=styles.column(width)))
    row = TableRow()
    row.addElement(_text_cell(sheet.title, styles.title))
    table.addElement(row)
    for line in sheet.lines:
        if sheet.wrap_lines:
            row = _row(styles, row_height([(line.text, widths[0])]))
            style = styles.heading if line.heading else styles.wrap
        else:
            row = TableRow()
            style = styles.heading_line if line.heading else styles.line
        row.addElement(_text_cell(line.text, style))
        table.addElement(row)
    if sheet.columns:
        header = TableHeaderRows()
        row = _row(
            styles, row_height([(c.heading, w) for c, w in zip(sheet.columns, widths, strict=True)])
        )
        for column in sheet.columns:
            row.addElement(_text_cell(column.heading, styles.header))
        header.addElement(row)
        table.addElement(header)
        text_columns = [i for i, c in enumerate(sheet.columns) if c.unit == TEXT]
        wrap = styles.wrap
        for values in sheet.rows:
            height = row_height(
                [(values[c], widths[c]) for c in text_columns if isinstance(values[c], str)]
            )
            row = _row(styles, height)
            for c, value in enumerate(values):
                if isinstance(value, Link):
                    cell = TableCell(valuetype="string", stylename=styles.wrap)
                    paragraph = P()
                    paragraph.addElement(
                        A(href=f"#'{value.sheet}'.A1", type="simple", text=neutralise(value.text))
                    )
                    cell.addElement(paragraph)
                elif isinstance(value, str):
                    cell = _text_cell(value, wrap)
                elif value is None:
                    cell = TableCell()
                else:  # no text:p: readers show the value in the cell's number style
                    cell = _number_cell(value, styles.numbers[sheet.columns[c].unit])
                row.addElement(cell)
            table.addElement(row)
    doc.spreadsheet.addElement(table)


def _skip_style_search(doc: OpenDocumentSpreadsheet) -> None:
    """Every automatic style made here is used: list them in content.xml without odfpy's walk of
    every cell looking for style references (a third of the writing time). Page layouts stay in
    styles.xml, found by odfpy's own (small) walk of the master pages."""
    search = doc._used_auto_styles

    def used(segments):
        if doc.body not in segments:
            return search(segments)
        return [s for s in doc.automaticstyles.childNodes if s.qname[1] != "page-layout"]

    doc._used_auto_styles = used


def write_ods_in_background(
    path: Path, sheets: list[Sheet], info: PublicationInfo, author: str
) -> tuple[ProcessPoolExecutor, Future[Path]]:
    """Start `write_ods` in a fresh process (odfpy takes seconds for the tables, in Python, while
    the XLSX, CSVs, charts and BI file are written here); shut the executor down after
    `future.result()`."""
    executor = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    return executor, executor.submit(write_ods, path, sheets, info, author)


def write_ods(path: Path, sheets: list[Sheet], info: PublicationInfo, author: str) -> Path:
    from odf.dc import Creator, Description, Language, Subject, Title

    doc = OpenDocumentSpreadsheet()
    for element in (
        Title(text=sheets[0].title),
        Subject(text=info.subject),
        Creator(text=author),
        Description(text=info.release_description),
        Language(text=info.language),
    ):
        doc.meta.addElement(element)
    styles = _Styles(doc)
    for sheet in sheets:
        _sheet(doc, styles, sheet)
    _skip_style_search(doc)
    doc.save(str(path))
    return path
