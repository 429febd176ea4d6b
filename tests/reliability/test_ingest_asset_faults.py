"""Faults through the Dagster ingest assets (issue 13): the failure is the project's violation,
naming file (and column and row), with no library exception and no delivered value or id in
any event of the run; a source not delivered yet materialises cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.ingest import ingest_asset
from orchestration.resources import SurveyPaths

pytestmark = pytest.mark.slow

TL_NAME = "talk_london_export_20220121"
SAV = "yougov_representative_20211208.sav"
FULLWIDTH = "\uff19\uff18\uff17\uff16\uff15"  # 98765 in full-width digits
MARKERS = ("MKR-UID", "MKR-TXT", "98765", FULLWIDTH)


def _talk_london(builders, landing: Path, change) -> None:
    table = builders.talk_london_table(n=6)
    for row in range(6):
        table.set(row, "Member UID", f"MKR-UID-{row}")
    comment = next(c for c in table.header if c.startswith("Are there any other"))
    for row in range(6):
        table.set(row, comment, f"MKR-TXT {row}, said")
    path = builders.write_csv(table, landing / f"{TL_NAME}.csv")
    path.write_bytes(change(path.read_bytes()))


FAULTS = {
    "full-width id": (
        "talk_london",
        lambda b, d: _talk_london(b, d, lambda x: x.replace(b"1003,", FULLWIDTH.encode() + b",")),
        f"{TL_NAME}.csv: column 'Response ID' row 4: value is not a whole number",
    ),
    "stray quote": (
        "talk_london",
        lambda b, d: _talk_london(b, d, lambda x: x.replace(b"MKR-UID-2", b'MKR-UID"2', 1)),
        f"{TL_NAME}.csv: column 'Member UID' row 4: a double quote inside a field",
    ),
    "zip named csv": (
        "talk_london",
        lambda b, d: (d / f"{TL_NAME}.csv").write_bytes(b"PK\x03\x04MKR-TXT" + b"\0" * 40),
        f"{TL_NAME}.csv: this .csv is a ZIP archive, not a UTF-8 text file",
    ),
    "spss case count": (
        "yougov_representative",
        lambda b, d: _sav_with_cases(b, d, 3),
        f"{SAV}: the file's header declares 3 cases but the file holds 6 complete cases",
    ),
}


def _sav_with_cases(builders, landing: Path, count: int) -> None:
    table = builders.yougov_table(n=6)
    for row in range(6):
        table.set(row, "Q43", f"MKR-TXT {row}")
    path = builders.write_sav(table, landing / SAV)
    data = bytearray(path.read_bytes())
    data[80:84] = count.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _events_text(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(json.dumps(str(event)) + str(event) for event in result.all_events)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_fails_the_asset_with_the_violation_only(builders, tmp_path: Path, fault) -> None:
    source, land, expected = FAULTS[fault]
    landing = tmp_path / "landing"
    landing.mkdir()
    land(builders, landing)
    result = dg.materialize(
        [ingest_asset(source)],
        resources={"paths": SurveyPaths(landing_dir=str(landing), build_dir=str(tmp_path / "b"))},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.error
    while error.cause is not None:  # dagster wraps the user error; the root is ours
        error = error.cause
    # the asset turns the violation into a Failure that reads as the violations (and records
    # the refusal in the delivery ledger): no library exception behind it
    assert error.cls_name == "Failure" and error.context is None
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith(f"{source}: delivery refused, nothing loaded")
    assert expected in description
    text = _events_text(result)
    assert [m for m in MARKERS if m in text] == []


def test_a_source_not_delivered_materialises_and_says_so(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    result = dg.materialize(
        [ingest_asset("yougov_bame_boost")],
        resources={"paths": SurveyPaths(landing_dir=str(landing), build_dir=str(tmp_path / "b"))},
    )
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["delivered"].value == "no"
    assert metadata["dagster/row_count"].value == 0
    assert metadata["files_loaded"].value == 0
