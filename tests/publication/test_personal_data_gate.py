"""The final gate: personal data anywhere in the published outputs is found, never echoed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl

from comments.personal_data import scan_texts
from publication.personal_data_gate import scan_published

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
