"""The whole generated sample loads: every export passes its contract."""

from __future__ import annotations

from pathlib import Path

from ingest import SOURCES, load_export_source


def test_whole_sample_loads(sample_landing: Path, tmp_path: Path) -> None:
    """`sample_landing` (tests/conftest.py) holds `sample_generator.write_sample`'s files."""
    warehouse = tmp_path / "warehouse.duckdb"
    summaries = {s: load_export_source(s, sample_landing, warehouse) for s in SOURCES}
    assert {s: summary.respondents for s, summary in summaries.items()} == {
        "talk_london": 1033,
        "yougov_representative": 1161,
        "yougov_bame_boost": 532,
    }
    formats = [(f.export_date.isoformat(), f.format) for f in summaries["talk_london"].files]
    assert formats[-2:] == [("2022-01-21", "xlsx"), ("2022-01-21", "csv")]
    again = load_export_source("talk_london", sample_landing, warehouse)
    assert {f.status for f in again.files} == {"skipped"} and again.respondents == 1033
