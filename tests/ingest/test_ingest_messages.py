"""Error messages never quote a delivered value or a respondent id (issue 6: a disclosure leak).

Distinctive marker values are fed into every kind of row-level violation (and into quarantined
rows); the messages must name file, column, row and rule, and hold none of the markers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import ContractViolation, Rule, export_spec, load_export_source
from ingest.coded_comments import read_coded_comments

TL = "talk_london"
REP = "yougov_representative"
TL_NAME = "talk_london_export_20220121"
REP_NAME = f"{REP}_20211208.sav"
COMMENT = export_spec(TL).column_of(
    next(v for v in export_spec(TL).variables if v.kind == "open_text")
)
MARKERS = {
    "gender": "MARKER-GENDER-1a7",
    "status": "MARKER-STATUS-2b8",
    "id_text": "MARKER3c9",
    "date": "MARKER-DATE-4d0",
    "long": "MARKER-LONG-5e1",
    "title": "MARKER-TITLE-6f2",
    "control": "MARKER-CTRL-7a3",
    "mojibake": "MARKER-MOJI-8b4",
    "uid_xlsx": "MARKER-UID-9c5",
    "uid_csv": "MARKER-UID-0d6",
    "encoding": "MARKER-ENC-1e7",
    "quarantined_uid": "MARKER-QUID-2f8",
    "quarantined_comment": "MARKER-QCOMMENT-3a9",
    "label": "MARKER-LABEL-4b0",
    "yg_text": "MARKER-YGTEXT-5c1",
    "theme": "MARKER-THEME-6d2",
    "respondent": "MARKER-RID-7e3",
    # numbers: ids, codes, weights
    "tl_id": "987650123",
    "tl_id_2": "987650124",
    "yg_id": "987650125",
    "coded_id": "987650126",
    "code": "424242",
    "record": "313375",
    "weight": "271828",
    "extreme": "161803",
    # issue 13: reader failures and the new rules
    "stray": "MARKER-STRAY-8c5",
    "neighbour": "MARKER-NEIGHBOUR-9d6",
    "unclosed": "MARKER-UNCLOSED-0e7",
    "huge": "MARKER-HUGE-1f8",
    "fullwidth_uid": "MARKER-FW-2a9",
    "formula_uid": "MARKER-FORMULA-3b0",
    "xlsx_broken": "MARKER-XLSXBROKEN-4c1",
    "sav_text": "MARKER-SAVTEXT-5d2",
    "order_uid": "MARKER-ORDER-6e3",
    "shrink_uid": "MARKER-SHRINK-7f4",
    "case_count_text": "MARKER-CASES-8a5",
    "sav_broken": "MARKER-SAVBROKEN-9b6",
}
FULLWIDTH_ID = "\uff19\uff18\uff17\uff16\uff15"  # 98765 in full-width digits


def _tl(exports, landing: Path, change: Callable, ext: str = "csv", n: int = 5, **kw) -> None:
    table = exports.talk_london_table(n=n)
    change(table)
    writer = exports.write_xlsx if ext == "xlsx" else exports.write_csv
    writer(table, landing / f"{TL_NAME}.{ext}", **kw)


def _yg(exports, landing: Path, change: Callable, n: int = 5, **kw) -> None:
    table = exports.yougov_table(n=n)
    change(table)
    exports.write_sav(table, landing / REP_NAME, REP, **kw)


def _duplicate(table, column: str, value, other: str, changed) -> None:
    table.set(0, column, value)
    table.set(2, column, value)
    table.set(2, other, changed)


def _formats_differ(exports, landing: Path) -> None:
    table = exports.talk_london_table(n=5)
    table.set(1, "Response ID", MARKERS["tl_id_2"])
    table.set(1, "Member UID", MARKERS["uid_xlsx"])
    exports.write_xlsx(table, landing / f"{TL_NAME}.xlsx")
    table.set(1, "Member UID", MARKERS["uid_csv"])
    exports.write_csv(table, landing / f"{TL_NAME}.csv")


def _quarantined_too_many(table) -> None:
    for row in (1, 2):
        table.set(row, "Status", "Test")
        table.set(row, "Member UID", MARKERS["quarantined_uid"])
        table.set(row, COMMENT, MARKERS["quarantined_comment"])


def _csv_bytes(exports, landing: Path, change_bytes: Callable, n: int = 5) -> None:
    table = exports.talk_london_table(n=n)
    for row in range(n):
        table.set(row, COMMENT, f"{MARKERS['neighbour']} {row}, words")
    path = exports.write_csv(table, landing / f"{TL_NAME}.csv")
    path.write_bytes(change_bytes(path.read_bytes()))


def _xlsx_formula(exports, landing: Path) -> None:
    import zipfile

    table = exports.talk_london_table(n=5)
    table.set(2, "Member UID", MARKERS["formula_uid"])
    path = exports.write_xlsx(table, landing / f"{TL_NAME}.xlsx")
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index('<c r="F3"')
    end = sheet.index("</c>", start) + 4
    formula = f'<c r="F3" t="str"><f>"{MARKERS["formula_uid"]}"</f></c>'
    parts["xl/worksheets/sheet1.xml"] = (sheet[:start] + formula + sheet[end:]).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


def _xlsx_broken(exports, landing: Path) -> None:
    table = exports.talk_london_table(n=5)
    table.set(1, "Member UID", MARKERS["xlsx_broken"])
    path = exports.write_xlsx(table, landing / f"{TL_NAME}.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a zip cut short: fastexcel cannot open it


def _sav_bytes(exports, landing: Path, change_bytes: Callable, marker: str) -> None:
    table = exports.yougov_table(n=6)
    for row in range(6):
        table.set(row, "Q43", f"{marker} {row}")
    path = exports.write_sav(table, landing / REP_NAME, REP)
    path.write_bytes(change_bytes(path.read_bytes()))


def _shrinking(exports, landing: Path) -> None:
    first = exports.talk_london_table(n=6)
    first.set(5, "Member UID", MARKERS["shrink_uid"])
    exports.write_csv(first, landing / "talk_london_export_20211210.csv")
    exports.write_csv(exports.talk_london_table(n=5), landing / f"{TL_NAME}.csv")


CASES: list[tuple[Rule, str, Callable]] = [
    (
        Rule.QUOTING,
        TL,
        lambda e, d: _csv_bytes(
            e, d, lambda b: b.replace(b"TL-001002", MARKERS["stray"].encode() + b'"x', 1)
        ),
    ),
    (
        Rule.QUOTING,
        TL,
        lambda e, d: _csv_bytes(
            e, d, lambda b: b.replace(b",TL-001002", b',"' + MARKERS["unclosed"].encode(), 1)
        ),
    ),
    (
        Rule.MAX_LENGTH,
        TL,
        lambda e, d: _tl(e, d, lambda t: t.set(1, COMMENT, MARKERS["huge"] + "x" * 200_000)),
    ),
    (
        Rule.INTEGER,
        TL,
        lambda e, d: _tl(
            e,
            d,
            lambda t: (
                t.set(2, "Response ID", FULLWIDTH_ID),
                t.set(2, "Member UID", MARKERS["fullwidth_uid"]),
            ),
        ),
    ),
    (Rule.FORMULA, TL, _xlsx_formula),
    (Rule.UNREADABLE, TL, _xlsx_broken),
    (
        Rule.TIME_ORDER,
        TL,
        lambda e, d: _tl(
            e,
            d,
            lambda t: (
                t.set(1, "Time Started", "2021-12-02 11:00:00"),
                t.set(1, "Member UID", MARKERS["order_uid"]),
            ),
        ),
    ),
    (Rule.SHRINKING_EXPORT, TL, _shrinking),
    (
        Rule.CASE_COUNT,
        REP,
        lambda e, d: _sav_bytes(
            e, d, lambda b: b[:80] + (2).to_bytes(4, "little") + b[84:], MARKERS["case_count_text"]
        ),
    ),
    (
        Rule.UNREADABLE,
        REP,
        lambda e, d: _sav_bytes(e, d, lambda b: b[: len(b) // 2], MARKERS["sav_broken"]),
    ),
    (Rule.CODEBOOK, TL, lambda e, d: _tl(e, d, lambda t: t.set(0, "Gender", MARKERS["gender"]))),
    (
        Rule.NOT_ALLOWED,
        TL,
        lambda e, d: _tl(e, d, lambda t: t.set(1, "Status", MARKERS["status"])),
    ),
    (
        Rule.INTEGER,
        TL,
        lambda e, d: _tl(e, d, lambda t: t.set(2, "Response ID", MARKERS["id_text"])),
    ),
    (
        Rule.DATETIME,
        TL,
        lambda e, d: _tl(e, d, lambda t: t.set(3, "Date Submitted", MARKERS["date"])),
    ),
    (
        Rule.DUPLICATE_ID,
        TL,
        lambda e, d: _tl(
            e, d, lambda t: _duplicate(t, "Response ID", MARKERS["tl_id"], "Member UID", "TL-x")
        ),
    ),
    (
        Rule.MAX_LENGTH,
        TL,
        lambda e, d: _tl(e, d, lambda t: t.set(1, COMMENT, MARKERS["long"] + "x" * 4000)),
    ),
    (
        Rule.HEADER_ROW,
        TL,
        lambda e, d: _tl(e, d, lambda t: None, "xlsx", title=MARKERS["title"]),
    ),
    (
        Rule.CONTROL_CHARACTER,
        TL,
        lambda e, d: _tl(e, d, lambda t: t.set(1, COMMENT, MARKERS["control"] + "\u202e")),
    ),
    (
        Rule.MOJIBAKE,
        TL,
        lambda e, d: _tl(e, d, lambda t: t.set(1, COMMENT, MARKERS["mojibake"] + " cafÃ©")),
    ),
    (Rule.FORMATS_DIFFER, TL, _formats_differ),
    (
        Rule.ENCODING,
        TL,
        lambda e, d: _tl(
            e, d, lambda t: t.set(1, COMMENT, MARKERS["encoding"] + " café"), encoding="cp1252"
        ),
    ),
    (
        Rule.QUARANTINE_SHARE,
        TL,
        lambda e, d: _tl(e, d, _quarantined_too_many, n=20),
    ),
    (
        Rule.CODEBOOK,
        REP,
        lambda e, d: _yg(e, d, lambda t: t.set(1, "Q1", float(MARKERS["code"]))),
    ),
    (
        Rule.INTEGER,
        REP,
        lambda e, d: _yg(e, d, lambda t: t.set(1, "record", float(MARKERS["record"]) + 0.5)),
    ),
    (
        Rule.WEIGHT,
        REP,
        lambda e, d: _yg(e, d, lambda t: t.set(1, "Weight", -float(MARKERS["weight"]))),
    ),
    (
        Rule.EXTREME_WEIGHT,
        REP,
        lambda e, d: _yg(e, d, lambda t: t.set(1, "Weight", float(MARKERS["extreme"])), n=20),
    ),
    (
        Rule.DUPLICATE_ID,
        REP,
        lambda e, d: _yg(e, d, lambda t: _duplicate(t, "record", int(MARKERS["yg_id"]), "Q1", 5)),
    ),
    (
        Rule.VALUE_LABELS,
        REP,
        lambda e, d: _yg(e, d, lambda t: None, labels={"Q2": {1.0: MARKERS["label"]}}),
    ),
    (
        Rule.CONTROL_CHARACTER,
        REP,
        lambda e, d: _yg(e, d, lambda t: t.set(1, "Q43", MARKERS["yg_text"] + "\x07")),
    ),
]


def _coded_comments_messages(folder: Path) -> list[str]:
    path = folder / "coded_comments_20220301.csv"
    path.write_text(
        "respondent_id,themes,coder,note\n"
        f"{MARKERS['respondent']},drugs,AB,\n"
        f"tl-{MARKERS['coded_id']},{MARKERS['theme']},AB,\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractViolation) as info:
        read_coded_comments(path, ["drugs", "other"], {"tl-1"})
    assert {v.rule for v in info.value.violations} == {Rule.NOT_ALLOWED, Rule.CODEBOOK}
    return [str(info.value)]


def test_no_delivered_value_or_id_in_any_message(exports, tmp_path: Path) -> None:
    messages = []
    for number, (rule, source, build) in enumerate(CASES):
        landing = tmp_path / f"case{number}"
        landing.mkdir()
        build(exports, landing)
        with pytest.raises(ContractViolation) as info:
            load_export_source(source, landing, tmp_path / f"w{number}.duckdb")
        error = info.value
        assert rule in {v.rule for v in error.violations}, (rule, str(error))
        assert all(v.file for v in error.violations)
        messages += [str(error), *(repr(v) for v in error.violations)]
    messages += _coded_comments_messages(tmp_path)
    # quarantined rows: their details hold no cell value either
    landing = tmp_path / "quarantined"
    landing.mkdir()
    _tl(exports, landing, _quarantined_too_many, n=40)
    warehouse = tmp_path / "quarantined.duckdb"
    load_export_source(TL, landing, warehouse)
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        details = [d for (d,) in con.execute("SELECT detail FROM raw.quarantine").fetchall()]
    assert details == ["Status marks a test or preview response"] * 2
    messages += details

    found = {name: marker for name, marker in MARKERS.items() for m in messages if marker in m}
    assert found == {}
