"""The per-section BI tables (`ref.sections.mart`) are described from the `mart_sections` model,
headed by their section's id and title."""

from __future__ import annotations

import duckdb

from publication.bi_marts import section_docs
from publication.model_docs import TableDoc, dbt_docs


def test_section_tables_take_the_mart_sections_docs_with_their_title() -> None:
    docs = dbt_docs()
    con = duckdb.connect()
    con.execute("create schema ref")
    con.execute(
        "create table ref.sections as select * from (values"
        " ('mart_section_overall_support', 'B', 'Overall support'),"
        " ('mart_section_what_is_missing', 'I', 'What is missing')) t(mart, section, title)"
    )
    found = section_docs(con, docs)
    assert set(found) == {"mart_section_overall_support", "mart_section_what_is_missing"}
    doc = found["mart_section_overall_support"]
    assert (
        doc.description
        == "Report section B (Overall support) for BI: the rows of mart_sections of this section."
    )
    assert doc.columns["section_title"] == docs["mart_sections"].columns["section_title"]


def test_no_section_docs_without_ref_sections() -> None:
    assert section_docs(duckdb.connect(), {"mart_sections": TableDoc("x")}) == {}
