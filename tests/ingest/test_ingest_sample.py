"""The whole generated sample loads: every export passes its contract."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest import export_sources, load_export_source
from ingest.quality import REASONS


def counts(**found: int) -> dict[str, int]:
    return {reason: found.get(reason, 0) for reason in REASONS}


def test_whole_sample_loads(sample_landing: Path, tmp_path: Path) -> None:
    """`sample_landing` (tests/conftest.py) holds `sample_generator.write_sample`'s files."""
    warehouse = tmp_path / "warehouse.duckdb"
    summaries = {s: load_export_source(s, sample_landing, warehouse) for s in export_sources()}
    assert {s: summary.respondents for s, summary in summaries.items()} == {
        "talk_london": 1033,
        "yougov_representative": 1161,
        "yougov_bame_boost": 532,
    }
    # the generator's marked rows, appended after the calibrated ones: each quarantined, once
    # per file that delivers it (the final Talk London export comes as XLSX and CSV)
    assert {s: summary.quarantined for s, summary in summaries.items()} == {
        "talk_london": counts(
            duplicate_identical=2, test_or_preview=2, partial=2, outside_fieldwork=2, speeding=2
        ),
        "yougov_representative": counts(straight_lining=1),
        "yougov_bame_boost": counts(outside_fieldwork=1),
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marked = con.execute(
            "SELECT count(*) FROM raw.talk_london_responses WHERE member_uid LIKE 'SAMPLE-%'"
        ).fetchone()
    assert marked == (0,)
    formats = [(f.export_date.isoformat(), f.format) for f in summaries["talk_london"].files]
    assert formats[-2:] == [("2022-01-21", "xlsx"), ("2022-01-21", "csv")]
    again = load_export_source("talk_london", sample_landing, warehouse)
    assert {f.status for f in again.files} == {"skipped"} and again.respondents == 1033
