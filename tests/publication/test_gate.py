"""The personal-data gate: a release whose files hold personal data is never swapped in."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from publication.bi_marts import PublicationError
from publication.release import publish_release
from publication.release_folder import PUBLISHED, RELEASES, staged_release

LEAK = "Write to jo.bloggs@example.org about the front counters."


@pytest.mark.slow  # a whole publication besides the session's shared release
def test_gate_blocks_a_release_holding_an_email(
    tmp_path: Path, synthetic_warehouse: Path, one_chart_pack
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(synthetic_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:  # a quote that slipped past redaction
        con.execute(
            "update comments.published_quotes set quote = ? where theme_id = 'station_closures'",
            [LEAK],
        )
    build = tmp_path / "build"
    with staged_release(build, "previous") as staging:
        (staging.path / "supplementary_tables.xlsx").write_text("previous")
    before = os.readlink(build / PUBLISHED)

    with pytest.raises(PublicationError) as raised:
        publish_release(warehouse, build, "leaky", consultation=one_chart_pack)

    message = str(raised.value)
    assert "personal-data gate" in message and "email 2" in message
    assert "supplementary_tables.xlsx!I1_quotes!" in message and "csv/I1_quotes.csv" in message
    assert "bloggs" not in message and "example.org" not in message
    assert os.readlink(build / PUBLISHED) == before
    assert (build / PUBLISHED / "supplementary_tables.xlsx").read_text() == "previous"
    assert sorted(p.name for p in build.iterdir()) == [PUBLISHED, RELEASES]
    assert len([p for p in (build / RELEASES).iterdir() if p.is_dir()]) == 1


def test_a_clean_release_reports_what_the_gate_scanned(release) -> None:
    assert release.scan.startswith("no personal data in ")
    # The gate reads no ODS: the ODS edition holds the XLSX's texts exactly (test_ods), and the
    # XLSX is scanned.
    assert release.unscanned and all(
        name.endswith(".png") or name == "supplementary_tables.ods" for name in release.unscanned
    )
    assert "supplementary_tables.ods" in release.unscanned
