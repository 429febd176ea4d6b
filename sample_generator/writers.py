"""Writers for the vendors' native layouts (see docs/export-formats.md).

Talk London: XLSX (sheet `Responses`) and UTF-8 CSV with labels as values. YouGov: SPSS .sav
(bytecode-compressed, as SPSS saves by default) with short names, variable labels, value labels,
user-missing codes and the open question as a string variable of its contract width.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np
import xlsxwriter

from sample_generator.respondents import BLANK
from survey.questionnaire import Questionnaire, Variable

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def talk_london_value(var: Variable, code: int, text: str | None):
    """The cell a survey platform writes for one answer (None = blank)."""
    if var.kind == "open_text":
        return text or None
    if code == BLANK:
        return None
    if var.kind == "multi_option":
        return var.item_label if code == 1 else None
    if var.kind == "ranking_item":
        return int(code)
    return var.scale.label(int(code))


def talk_london_rows(
    q: Questionnaire, meta: list[dict], codes: dict, text: dict, source_id: str = "talk_london"
) -> tuple[list, list]:
    """Header and rows (lists of Python values) of a Talk London layout export."""
    spec = q.exports[source_id]
    variables = q.exported_variables()
    header = [c["name"] for c in spec["meta_columns"]] + [v.tl_header for v in variables]
    rows = []
    for i, m in enumerate(meta):
        row = [m[c["raw"]] for c in spec["meta_columns"]]
        for v in variables:
            code = int(codes[v.id][i]) if v.id in codes else BLANK
            row.append(talk_london_value(v, code, text[v.id][i] if v.id in text else None))
        rows.append(row)
    return header, rows


def _cell(value):
    return value.strftime(TIME_FORMAT) if isinstance(value, datetime) else value


def write_talk_london_xlsx(
    path: Path, sheet: str, header: list, rows: list, created: datetime
) -> None:
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as wb:
        wb.set_properties({"created": created})  # fixed, so the same sample gives the same bytes
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                value = _cell(value)
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write_number(r, c, value)


def write_talk_london_csv(path: Path, header: list, rows: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else _cell(v) for v in row])


SAV_CREATION_OFFSET = 92  # header record: creation date (9 bytes) then time (8 bytes)


def _stamp_sav_header(path: Path, created: datetime) -> None:
    """Overwrite the creation date/time ReadStat writes, so the same sample gives the same bytes."""
    stamp = created.strftime("%d %b %y").encode("ascii") + created.strftime("%H:%M:%S").encode(
        "ascii"
    )
    with open(path, "r+b") as fh:
        fh.seek(SAV_CREATION_OFFSET)
        fh.write(stamp)


def write_yougov_sav(
    path: Path,
    q: Questionnaire,
    source_id: str,
    meta: dict,
    codes: dict,
    text: dict,
    age_years,
    created: datetime,
) -> None:
    # imported here: the comment coder imports this package at start-up and needs neither
    import pandas as pd
    import pyreadstat

    spec = q.exports[source_id]
    variables = q.exported_variables()
    data: dict[str, object] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict] = {}
    missing: dict[str, list] = {}
    meta_names = {c["raw"]: c["name"] for c in spec["meta_columns"]}
    data[meta_names["record"]] = np.asarray(meta["record"], dtype=float)
    # nanoseconds: pyreadstat writes other resolutions (numpy's datetime64[s]) as 1970-01-01
    data[meta_names["start_time"]] = pd.to_datetime(meta["start_time"]).astype("datetime64[ns]")
    data[meta_names["end_time"]] = pd.to_datetime(meta["end_time"]).astype("datetime64[ns]")
    labels.update(
        {
            "record": "Respondent record number",
            "starttime": "Interview start",
            "endtime": "Interview end",
        }
    )
    for v in variables:
        name = v.yg_name
        labels[name] = v.text if v.item_label is None else f"{v.text}: {v.item_label}"
        if v.kind == "open_text":
            data[name] = _declared_width([t or "" for t in text[v.id]], v.spss_width)
            continue
        if q.questions[v.question_id].raw.get("yougov_numeric_age"):  # age in years
            data[name] = np.asarray(age_years, dtype=float)
            labels[name] = "Age (years)"
            continue
        values = np.asarray(codes[v.id], dtype=float)
        values[values == BLANK] = np.nan
        data[name] = values
        if v.kind == "multi_option":
            value_labels[name] = {float(c): lab for c, lab in v.spss_value_labels.items()}
            continue
        value_labels[name] = {float(c): lab for c, lab in v.spss_value_labels.items()}
        user_missing = [float(c) for c in v.scale.codes if q.missing_kind(c)]
        if user_missing:
            missing[name] = user_missing
    weight_name = meta_names["supplier_weight"]
    data[weight_name] = np.asarray(meta["supplier_weight"], dtype=float)
    labels[weight_name] = "Weight (supplier)"
    df = pd.DataFrame(data)
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels=[labels[c] for c in df.columns],
        variable_value_labels=value_labels,
        missing_ranges=missing,
        file_label=spec["label"],
        row_compress=True,
    )
    _stamp_sav_header(path, created)


def _declared_width(texts: list[str], width: int | None) -> list[str]:
    """ReadStat sizes a string variable to its longest value: pad one value with spaces (which
    SPSS strings carry anyway and readers drop) so the variable is declared `width` bytes wide."""
    if width and texts and len(texts[0].encode("utf-8")) < width:
        texts = [texts[0].ljust(width - len(texts[0].encode("utf-8")) + len(texts[0]))] + texts[1:]
    return texts
