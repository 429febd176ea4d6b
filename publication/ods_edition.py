"""The workbook's OpenDocument (ODS) edition, written from the same sheets as the XLSX
(`workbook.build_sheets`): the same sheet names, titles, lines, headings, texts and numbers
(stored as numbers, percentages 0-100), the same row heights and column widths, internal links on
the contents sheet, the heading row repeated on each printed page, pages fitted to the width.

The XML is written directly, as text, in one pass over the sheets: a DOM library (odfpy) takes
tens of seconds for the tables' few hundred thousand cells. The package follows the OpenDocument
rules: `mimetype` first and stored uncompressed, then `styles.xml`, `content.xml`, `meta.xml` and
`META-INF/manifest.xml`.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

from publication.metadata import PublicationInfo
from publication.safe_text import neutralise
from publication.sheet_model import NUMBER, PERCENT_UNIT, TEXT, Link, Sheet, row_height

CM_PER_CHARACTER = 0.2
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
PROLOGUE = "<?xml version='1.0' encoding='UTF-8'?>\n"
NAMESPACES = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "loext": "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
XMLNS = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
# Characters XML 1.0 cannot hold or discourages: written as U+FFFD (as odfpy did).
UNREPRESENTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufddf\ufffe\uffff"
    + "".join(f"\\U{p:04x}fffe-\\U{p:04x}ffff" for p in range(1, 17))
    + "]"
)
CELL_STYLES = (  # name, wrapped, text properties
    ("title", False, 'fo:font-weight="bold" fo:font-size="14pt"'),
    ("heading", True, 'fo:font-weight="bold" fo:font-size="12pt"'),
    ("header", True, 'fo:font-weight="bold"'),
    ("wrap", True, ""),
    ("line", False, ""),
    ("heading_line", False, 'fo:font-weight="bold" fo:font-size="12pt"'),
)
NUMBER_STYLES = {PERCENT_UNIT: ("pct", "false"), NUMBER: ("num", "true")}  # unit: name, grouping
PAGES = {"portrait": ("21cm", "29.7cm"), "landscape": ("29.7cm", "21cm")}


def escape(text: str) -> str:
    """`text` as XML character data."""
    if UNREPRESENTABLE.search(text):
        text = UNREPRESENTABLE.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(value: str) -> str:
    """`value` as a double-quoted XML attribute value."""
    text = escape(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
    return f'"{text}"'


def _element(tag: str, inner: str) -> str:
    """`<tag>inner</name>`, or `<tag/>` when `inner` is empty (`tag` may hold attributes)."""
    if not inner:
        return f"<{tag}/>"
    return f"<{tag}>{inner}</{tag.split(' ', 1)[0]}>"


def _style(name: str, family: str, inner: str, extra: str = "") -> str:
    return (
        f'<style:style style:name="{name}" style:family="{family}" style:display-name="{name}"'
        f"{extra}>{inner}</style:style>"
    )


def _fixed_styles() -> str:
    out = []
    for name, wrap, text in CELL_STYLES:
        option = "wrap" if wrap else "no-wrap"
        inner = (
            f'<style:table-cell-properties style:vertical-align="top" fo:wrap-option="{option}"/>'
        )
        if text:
            inner += f"<style:text-properties {text}/>"
        out.append(_style(name, "table-cell", inner + "<style:paragraph-properties/>"))
    for short, grouping in NUMBER_STYLES.values():
        data = f"N_{short}"
        out.append(
            f'<number:number-style style:name="{data}" style:display-name="{data}">'
            '<number:number number:decimal-places="0" number:min-integer-digits="1" '
            f'number:grouping="{grouping}"/></number:number-style>'
        )
        out.append(
            _style(
                f"cell_{data}",
                "table-cell",
                '<style:table-cell-properties style:vertical-align="top"/>',
                f' style:data-style-name="{data}"',
            )
        )
    out += [
        f'<style:style style:name="table_{o}" style:family="table" style:master-page-name="{o}" '
        f'style:display-name="table_{o}"><style:table-properties table:display="true"/>'
        "</style:style>"
        for o in PAGES
    ]
    return "".join(out)


def _styles_xml() -> str:
    layouts = "".join(
        f'<style:page-layout style:name="layout_{o}"><style:page-layout-properties '
        f'style:print-orientation="{o}" fo:page-width="{w}" fo:page-height="{h}" '
        'loext:scale-to-X="1" loext:scale-to-Y="0"/></style:page-layout>'
        for o, (w, h) in PAGES.items()
    )
    masters = "".join(
        f'<style:master-page style:name="{o}" style:page-layout-name="layout_{o}" '
        f'style:display-name="{o}"/>'
        for o in PAGES
    )
    return (
        f'{PROLOGUE}<office:document-styles{XMLNS} office:version="1.2"><office:styles/>'
        f"<office:automatic-styles>{layouts}</office:automatic-styles>"
        f"<office:master-styles>{masters}</office:master-styles></office:document-styles>"
    )


def _meta_xml(sheets: list[Sheet], info: PublicationInfo, author: str) -> str:
    fields = (
        ("title", sheets[0].title),
        ("subject", info.subject),
        ("creator", author),
        ("description", info.release_description),
        ("language", info.language),
    )
    meta = "".join(f"<dc:{key}>{escape(value)}</dc:{key}>" for key, value in fields)
    return (
        f'{PROLOGUE}<office:document-meta{XMLNS} office:version="1.2">'
        f"<office:meta>{meta}</office:meta></office:document-meta>"
    )


def _manifest_xml() -> str:
    xml_files = ("styles.xml", "content.xml", "meta.xml")
    entries = [("/", MIMETYPE)] + [(f, "text/xml") for f in xml_files]
    files = "".join(
        f'<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{kind}"/>'
        for path, kind in entries
    )
    return f"{PROLOGUE}<manifest:manifest{XMLNS}>{files}</manifest:manifest>"


class _Content:
    """content.xml's body, written sheet by sheet; the column and row styles it uses are made
    as they are first needed."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.styles: list[str] = []  # column and row styles, in the order they were made
        self._columns: dict[float, str] = {}
        self._rows: dict[float, str] = {}
        self._cells: dict[tuple[str, str], str] = {}

    def column(self, width: float) -> str:
        if width not in self._columns:
            name = self._columns[width] = f"col{len(self._columns)}"
            props = f'style:column-width="{width * CM_PER_CHARACTER:.2f}cm"'
            self.styles.append(
                _style(name, "table-column", f"<style:table-column-properties {props}/>")
            )
        return self._columns[width]

    def row(self, height: float | None) -> str:
        if not height:
            return "<table:table-row>"
        if height not in self._rows:
            name = self._rows[height] = f"row{len(self._rows)}"
            props = f'style:row-height="{height:.1f}pt" style:use-optimal-row-height="false"'
            self.styles.append(_style(name, "table-row", f"<style:table-row-properties {props}/>"))
        return f'<table:table-row table:style-name="{self._rows[height]}">'

    def text_cell(self, text: str, style: str) -> str:
        key = (text, style)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = (
                f'<table:table-cell office:value-type="string" table:style-name="{style}">'
                f"{_element('text:p', escape(neutralise(text)))}</table:table-cell>"
            )
        return cell

    def sheet(self, sheet: Sheet) -> None:
        widths = sheet.widths()
        landscape = bool(sheet.columns) and sum(widths) > 110
        out = self.parts
        out.append(
            f"<table:table table:name={quote(sheet.name)} "
            f'table:style-name="table_{"landscape" if landscape else "portrait"}">'
        )
        out += [f'<table:table-column table:style-name="{self.column(w)}"/>' for w in widths]
        out.append(f"<table:table-row>{self.text_cell(sheet.title, 'title')}</table:table-row>")
        for line in sheet.lines:
            if sheet.wrap_lines:
                row = self.row(row_height([(line.text, widths[0])]))
                style = "heading" if line.heading else "wrap"
            else:
                row = "<table:table-row>"
                style = "heading_line" if line.heading else "line"
            out.append(f"{row}{self.text_cell(line.text, style)}</table:table-row>")
        if not sheet.columns:
            out.append("</table:table>")
            return
        header = row_height([(c.heading, w) for c, w in zip(sheet.columns, widths, strict=True)])
        headings = "".join(self.text_cell(c.heading, "header") for c in sheet.columns)
        out.append(
            f"<table:table-header-rows>{self.row(header)}{headings}</table:table-row>"
            "</table:table-header-rows>"
        )
        text_columns = [i for i, c in enumerate(sheet.columns) if c.unit == TEXT]
        number_styles = [
            f"cell_N_{NUMBER_STYLES[c.unit][0]}" if c.unit in NUMBER_STYLES else None
            for c in sheet.columns
        ]
        text_cell = self.text_cell
        for values in sheet.rows:
            height = row_height(
                [(values[c], widths[c]) for c in text_columns if isinstance(values[c], str)]
            )
            cells = [self.row(height)]
            for c, value in enumerate(values):
                if isinstance(value, str):
                    cells.append(text_cell(value, "wrap"))
                elif value is None:
                    cells.append("<table:table-cell/>")
                elif isinstance(value, Link):
                    href = quote(f"#'{value.sheet}'.A1")
                    link = _element(
                        f'text:a xlink:href={href} xlink:type="simple"',
                        escape(neutralise(value.text)),
                    )
                    cells.append(
                        '<table:table-cell office:value-type="string" table:style-name="wrap">'
                        f"<text:p>{link}</text:p></table:table-cell>"
                    )
                else:  # no text:p: readers show the value in the cell's number style
                    number = repr(float(value)) if isinstance(value, float) else str(value)
                    cells.append(
                        f'<table:table-cell office:value-type="float" office:value="{number}" '
                        f'table:style-name="{number_styles[c]}"/>'
                    )
            cells.append("</table:table-row>")
            out.append("".join(cells))
        out.append("</table:table>")

    def xml(self) -> str:
        return (
            f'{PROLOGUE}<office:document-content{XMLNS} office:version="1.2">'
            f"<office:automatic-styles>{_fixed_styles()}{''.join(self.styles)}"
            "</office:automatic-styles><office:body><office:spreadsheet>"
            f"{''.join(self.parts)}</office:spreadsheet></office:body></office:document-content>"
        )


def write_ods(path: Path, sheets: list[Sheet], info: PublicationInfo, author: str) -> Path:
    """Write `sheets` to `path` as an OpenDocument spreadsheet; returns `path`."""
    content = _Content()
    for sheet in sheets:
        content.sheet(sheet)
    now = time.localtime()[:6]

    def entry(name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, now)
        info.compress_type = compress
        info.external_attr = 0o644 << 16
        return info

    with zipfile.ZipFile(path, "w") as z:
        z.writestr(entry("mimetype", zipfile.ZIP_STORED), MIMETYPE.encode("ascii"))
        for name, xml in (
            ("styles.xml", _styles_xml()),
            ("content.xml", content.xml()),
            ("meta.xml", _meta_xml(sheets, info, author)),
            ("META-INF/manifest.xml", _manifest_xml()),
        ):
            z.writestr(entry(name, zipfile.ZIP_DEFLATED), xml.encode("utf-8"))
    return path
