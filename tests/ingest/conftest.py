"""Builders for small export files made from the questionnaire, and warehouse helpers."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyreadstat
import pytest
import xlsxwriter

from ingest import export_spec
from survey.questionnaire import load_questionnaire

TALK_LONDON = "talk_london"
REPRESENTATIVE = "yougov_representative"
BOOST = "yougov_bame_boost"
DATETIME_TEXT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Table:
    """An export held as cells: a header and data rows (None = blank / system-missing)."""

    header: list[str]
    rows: list[list[object]]

    def index(self, column: str) -> int:
        return self.header.index(column)

    def set(self, row: int, column: str, value: object) -> None:
        """Set a cell; `row` is the 0-based data row."""
        self.rows[row][self.index(column)] = value

    def get(self, row: int, column: str) -> object:
        return self.rows[row][self.index(column)]

    def drop(self, column: str) -> None:
        at = self.index(column)
        del self.header[at]
        for row in self.rows:
            del row[at]

    def add(self, column: str, value: object) -> None:
        self.header.append(column)
        for row in self.rows:
            row.append(value)


def talk_london_table(n: int = 5, first_id: int = 1001) -> Table:
    """A valid Talk London export: every exported variable, labels cycling through the scale."""
    spec = export_spec(TALK_LONDON)
    header = spec.expected_columns
    rows = []
    for i in range(n):
        row: list[object] = [
            str(first_id + i),
            f"TL-{first_id + i:06d}",
            f"2021-12-{1 + i % 28:02d} 10:{i % 60:02d}:00",
            f"2021-12-{1 + i % 28:02d} 10:{i % 60:02d}:30",
            "Complete",
        ]
        for j, v in enumerate(spec.variables):
            if v.kind == "multi_option":
                row.append(v.item_label if (i + j) % 3 == 0 else None)
            elif v.kind == "ranking_item":
                row.append(str((i + j) % 4 + 1))
            elif v.kind == "open_text":
                row.append(f"Respondent {i}: more café patrols – it’s needed" if i % 2 else None)
            else:
                row.append(v.valid_labels[(i + j) % len(v.valid_labels)])
        rows.append(row)
    return Table(header, rows)


def yougov_table(n: int = 5, first_record: int = 1, source_id: str = REPRESENTATIVE) -> Table:
    """A valid YouGov export: record, starttime, endtime, every variable, then Weight."""
    spec = export_spec(source_id)
    header = ["record", "starttime", "endtime"]
    header += [spec.column_of(v) for v in spec.variables] + ["Weight"]
    rows = []
    for i in range(n):
        # inside both polls' fieldwork (questionnaire.yaml exports.*.fieldwork)
        start = datetime(2021, 11, 29, 9, i % 60) + timedelta(days=i % 6)
        row: list[object] = [first_record + i, start, start.replace(second=45)]
        for j, v in enumerate(spec.variables):
            if v.kind == "multi_option":
                row.append(1 if (i + j) % 3 == 0 else 0)
            elif v.id == "AGE_BAND":
                row.append(16 + (i * 7) % 80)
            elif v.kind == "open_text":
                row.append(f"Respondent {i}: café – it’s needed" if i % 2 else None)
            else:
                row.append(v.valid_codes[(i + j) % len(v.valid_codes)])
        row.append(0.5 + i / 10)
        rows.append(row)
    return Table(header, rows)


def write_csv(table: Table, path: Path, encoding: str = "utf-8", title: str | None = None) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        if title is not None:
            writer.writerow([title])
        writer.writerow(table.header)
        writer.writerows([["" if c is None else c for c in row] for row in table.rows])
    return path


def write_xlsx(
    table: Table, path: Path, sheet: str = "Responses", title: str | None = None
) -> Path:
    """Write as a platform would: ids and ranks as numbers, date-times as date-time cells."""
    spec = export_spec(TALK_LONDON)
    numeric = {spec.id_column} | {
        spec.column_of(v) for v in spec.variables if v.kind == "ranking_item"
    }
    dates = {m.name for m in spec.meta_columns if m.type == "datetime"}
    with xlsxwriter.Workbook(path) as workbook:
        worksheet = workbook.add_worksheet(sheet)
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        top = 0
        if title is not None:
            worksheet.write(0, 0, title)
            top = 1
        worksheet.write_row(top, 0, table.header)
        for r, row in enumerate(table.rows, start=top + 1):
            for c, (name, value) in enumerate(zip(table.header, row, strict=True)):
                if value is None:
                    continue
                if name in numeric and str(value).isdigit():
                    worksheet.write_number(r, c, int(value))
                elif name in dates:
                    cell = datetime.strptime(str(value), DATETIME_TEXT)
                    worksheet.write_datetime(r, c, cell, date_format)
                else:
                    worksheet.write_string(r, c, str(value))
    return path


def write_sav(
    table: Table,
    path: Path,
    source_id: str = REPRESENTATIVE,
    as_text: tuple[str, ...] = (),
    labels: dict[str, dict[float, str]] | None = None,
    string_width: int | None = None,
) -> Path:
    """Write as YouGov does: the codebook's value labels, 97/98/99 declared user-missing, the
    open question as a string variable of its contract width.

    Variables in `as_text` are written as strings, whatever they hold; `labels` replaces the
    value labels of the variables it names; with `string_width` the open question is padded to
    that width instead (0: not padded, as wide as its longest answer).
    """
    spec = export_spec(source_id)
    missing = list(load_questionnaire().missing_codes.values())
    by_name = {spec.column_of(v): v for v in spec.variables}
    columns = {}
    value_labels: dict[str, dict[float, str]] = {}
    missing_ranges: dict[str, list[float]] = {}
    for at, name in enumerate(table.header):
        values = [row[at] for row in table.rows]
        variable = by_name.get(name)
        if name in ("starttime", "endtime"):
            columns[name] = pl.Series(name, values, dtype=pl.Datetime("us"))
        elif name in as_text or (variable is not None and variable.kind == "open_text"):
            texts = [v if v is None else str(v) for v in values]
            width = variable.spss_width if variable is not None else None
            width = width if string_width is None else string_width
            if width and texts:  # ReadStat sizes a string to its longest value; readers drop
                texts[0] = (texts[0] or "").ljust(width)  # SPSS's trailing spaces
            columns[name] = pl.Series(name, texts)
            continue
        else:
            columns[name] = pl.Series(name, values, dtype=pl.Float64, strict=False)
        if variable is None or variable.spss_value_labels is None:
            continue
        value_labels[name] = {float(c): label for c, label in variable.spss_value_labels.items()}
        if variable.kind != "multi_option":
            missing_ranges[name] = [float(c) for c in missing]
    value_labels.update(labels or {})
    pyreadstat.write_sav(
        pl.DataFrame(list(columns.values())),
        path,
        variable_value_labels=value_labels,
        missing_ranges=missing_ranges,
    )
    return path


class Exports:
    """The builders, handed to tests as the `exports` fixture (tests never import conftest)."""

    talk_london_table = staticmethod(talk_london_table)
    yougov_table = staticmethod(yougov_table)
    write_csv = staticmethod(write_csv)
    write_xlsx = staticmethod(write_xlsx)
    write_sav = staticmethod(write_sav)


@dataclass(frozen=True)
class Warehouse:
    """A DuckDB warehouse file in a temporary folder, with read-only probes."""

    path: Path

    def raw_tables(self) -> set[str]:
        if not self.path.exists():
            return set()
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
        )
        return {name for (name,) in rows}

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture
def exports() -> type[Exports]:
    return Exports


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse" / "warehouse.duckdb")
