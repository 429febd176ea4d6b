"""The `ref` tables the questionnaire asset writes and dbt staging decodes with."""

from __future__ import annotations

from pathlib import Path

import duckdb

from survey.questionnaire import load_questionnaire
from survey.reference_tables import BUILDERS, reference_tables, write_reference_tables


def test_variable_codes_decode_every_valid_export_value() -> None:
    q = load_questionnaire()
    frames = reference_tables(q)
    codes = frames["variable_codes"]
    numeric = set(frames["variables"].filter(yg_numeric=True)["variable_id"])  # age in years
    labelled = codes.drop_nulls("tl_label")
    assert not labelled.select("variable_id", "tl_label").is_duplicated().any()
    for v in q.exported_variables():
        own = codes.filter(variable_id=v.id)
        assert set(v.valid_labels) <= set(own["tl_label"].drop_nulls())
        if v.id not in numeric:
            assert set(v.valid_codes) <= set(own["code"])


def test_write_replaces_every_table(build_dir: Path) -> None:
    q = load_questionnaire()
    warehouse = build_dir / "warehouse.duckdb"
    write_reference_tables(q, warehouse)
    counts = write_reference_tables(q, warehouse)
    assert set(counts) == set(BUILDERS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, rows in counts.items():
            assert con.execute(f"SELECT count(*) FROM ref.{name}").fetchone() == (rows,)
    assert counts["variables"] == len(q.variables)
