"""The final gate: personal data anywhere in the published outputs is found, never echoed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl

from comments.personal_data import Scanner, find_all, scan_texts
from publication.estimates import Estimates
from publication.metadata import load_publication_info
from publication.notes import build_notes
from publication.personal_data_gate import WorkbookTexts, read_workbook_texts, scan_published
from publication.sheet_model import PERCENT_UNIT, TEXT, Column, Line, Link, Sheet
from publication.tables import build_tables
from publication.themes import CommentFigures
from publication.workbook import build_sheets, workbook_texts, write_workbook
from survey.pack import current

EMAIL = "jane.doe@example.com"


def test_scan_texts_counts_and_locates_without_the_match() -> None:
    findings = scan_texts({"I1 quote 1": f"mail {EMAIL}", "I1 quote 2": "Fine.", "x": "SE1 7PB"})
    assert not findings.passed
    assert findings.texts == 3
    assert findings.counts["email"] == 1 and findings.counts["postcode"] == 1
    assert findings.counts["phone"] == 0
    assert [(f.location, f.kind) for f in findings.found] == [
        ("I1 quote 1", "email"),
        ("x", "postcode"),
    ]
    assert EMAIL not in findings.summary() and "SE1" not in findings.summary()
    assert scan_texts(["[email] and [phone] were redacted."]).passed


def test_digits_glued_to_letters_are_no_phone_number() -> None:
    """A hash in the gates' Data Docs (a frame fingerprint) once stopped a release."""
    assert scan_texts(['"pandas_data_fingerprint": "0860756813b0c817e37ef8ad2e3b7b"']).passed
    assert not scan_texts(["ring 07700 900123 after six"]).passed


def test_a_run_id_is_no_phone_number() -> None:
    """A Dagster run id in the Data Docs once read as a phone number (0056-4805-9999)."""
    run_id = "f4d042f9-0056-4805-9999-1afaf844c576"
    assert scan_texts([f"'run_name': '{run_id}'", f"poll_weights / {run_id} / 2026"]).passed
    assert not scan_texts(["call 0056-4805-9999 today", "020-7946-0000-1"]).passed


def _published(folder: Path, leak: str | None) -> Path:
    folder.mkdir()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "I1"
    sheet["A1"] = "Themes in comments"
    sheet["B3"] = 140
    sheet["C4"] = leak if leak == EMAIL else "A quote."
    workbook.save(folder / "supplementary_tables.xlsx")
    (folder / "csv").mkdir()
    (folder / "csv" / "i1.csv").write_text(
        "theme,quote\nmisconduct," + ('"Ring 07700 900123"' if leak == "phone" else "ok") + "\n",
        encoding="utf-8",
    )
    label = "NHS 943 476 5919" if leak == "nhs" else "Share of comments"
    (folder / "chart.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><title>{label}</title><text>15%</text></svg>',
        encoding="utf-8",
    )
    (folder / "chart.png").write_bytes(b"\x89PNG")
    with duckdb.connect(str(folder / "marts.duckdb")) as con:
        value = "QQ 12 34 56 C" if leak == "ni" else "Drugs"
        con.execute("create table themes as select ? as label, 54 as comments", [value])
    return folder


def test_scan_published_passes_a_clean_folder(tmp_path: Path) -> None:
    findings = scan_published(_published(tmp_path / "clean", None))
    assert findings.passed, findings.summary()
    assert findings.texts >= 6
    assert findings.unscanned == ("chart.png",)


def test_scan_published_finds_personal_data_in_every_format(tmp_path: Path) -> None:
    where = {
        EMAIL: ("supplementary_tables.xlsx!I1!C4", "email"),
        "phone": ("csv/i1.csv:row 2 column 2", "phone"),
        "nhs": ("chart.svg:line 1 text 1", "nhs_number"),
        "ni": ("marts.duckdb:main.themes.label value 1", "ni_number"),
    }
    for leak, (location, kind) in where.items():
        findings = scan_published(_published(tmp_path / kind, leak))
        assert [(f.location, f.kind) for f in findings.found] == [(location, kind)]


def _texts(texts: WorkbookTexts) -> tuple[dict, list]:
    return dict(texts.properties), [(name, list(cells)) for name, cells in texts.sheets]


def test_the_sheet_model_texts_are_the_workbook_texts(
    tmp_path: Path, synthetic_warehouse: Path, questionnaire
) -> None:
    """The gate scans a workbook written by the release from its sheet model's texts: they are
    exactly what a reader finds in the file (every table of the synthetic warehouse, and a
    sheet of formula-like, empty, linked, multi-line and numeric values)."""
    q = questionnaire
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        est = Estimates.load(con)
        codeframe = current().codeframe
        tables = build_tables(q, est, CommentFigures.load(con), codeframe.stance_theme.label)
    odd = Sheet(
        "Odd",
        "=odd title",
        (Line("-heading", heading=True), Line(""), Line("two\nlines")),
        columns=(Column("+A", TEXT, 10), Column("B (%)", PERCENT_UNIT, 10)),
        rows=(("", 12.5), (None, 3), (Link("go to Cover", "Cover"), None), (" padded ", 0)),
        table_name="odd",
    )
    notes = build_notes(q, est, codeframe=codeframe)
    sheets = [*build_sheets(q, tables, notes, "+title", [("@head", ["-para", ""])], []), odd]
    info = load_publication_info()
    path = tmp_path / "w.xlsx"
    write_workbook(path, sheets, info, "-author")
    model = _texts(workbook_texts(sheets, info, "-author"))
    assert model == _texts(read_workbook_texts(path))
    assert len(model[1]) == len(sheets) and sum(len(cells) for _, cells in model[1]) > 10_000


def test_a_release_scanned_from_its_model_and_from_its_files_alike(release) -> None:
    from_files = scan_published(release.folder)
    assert from_files.passed
    assert release.scan == from_files.summary()
    assert sorted(from_files.unscanned) == sorted(release.unscanned)


def test_scanner_finds_what_find_all_finds() -> None:
    """The scanner tries only the name pattern on a text without a digit or an '@': the same
    matches as every pattern, for texts of each kind with and without digits."""
    texts = [
        "My neighbour Tom Smith and Dr. O'Neill",
        "regards, Jane",
        "Write to jane.doe@example.com",
        "QQ 12 34 56 C",
        "NHS number 943 476 5919",
        "ring 07700 900123 after six",
        "Flat 2, 14 Acacia Avenue",
        "SE1 7PB",
        "sw1a 1aa, my friend Bob",
        "A quote with no data.",
        "12.5",
        "",
    ]
    scanner = Scanner()
    for text in texts:
        expected = tuple((k.name, s, e) for k, s, e in find_all(text))
        assert scanner.matches(text) == (() if text == "12.5" else expected), text
    assert scanner.count == len(texts)
    assert sum(bool(scanner.matches(t)) for t in texts) == 9
    together = Scanner()
    assert together.any_match(texts) and together.count == len(texts)
    assert [together.matches_of(t) for t in texts] == [scanner.matches(t) for t in texts]
    assert not Scanner().any_match(["A quote with no data.", "12.5", ""])
