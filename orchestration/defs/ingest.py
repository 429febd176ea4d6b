"""One asset per vendor export: validate the landed files and load them into `raw.*`."""

from __future__ import annotations

import dagster as dg

from ingest import SOURCES, load_export_source
from orchestration.resources import SurveyPaths
from survey.questionnaire import load_questionnaire


def raw_table_key(source_id: str) -> dg.AssetKey:
    """Asset key of a source's raw table, `raw.<source_id>_responses`."""
    return dg.AssetKey(["raw", f"{source_id}_responses"])


def _metadata_value(value: object) -> dg.MetadataValue:
    """A Dagster metadata value for one JSON-able entry of `LoadSummary.as_metadata()`."""
    if isinstance(value, list) and all(isinstance(row, dict) for row in value):
        return dg.MetadataValue.table(records=[dg.TableRecord(row) for row in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return dg.MetadataValue.int(value)
    if isinstance(value, str):
        return dg.MetadataValue.text(value)
    return dg.MetadataValue.json(value)


def ingest_asset(source_id: str) -> dg.AssetsDefinition:
    """The asset loading every landed file of one source (contract-checked by `ingest`)."""
    label = load_questionnaire().exports[source_id]["label"]

    @dg.asset(
        key=raw_table_key(source_id),
        group_name="ingest",
        kinds={"duckdb"},
        description=(
            f"{label}: every landed file checked against its contract, then loaded; rows the"
            " quality rules screen out go to raw.quarantine (counted by reason in the metadata)."
        ),
    )
    def _load(paths: SurveyPaths) -> dg.MaterializeResult:
        summary = load_export_source(source_id, paths.landing_path, paths.warehouse_path)
        metadata = {
            key: _metadata_value(value)
            for key, value in summary.as_metadata().items()
            if value is not None
        }
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "dagster/row_count": dg.MetadataValue.int(summary.respondents),
                "landing_dir": dg.MetadataValue.path(paths.landing_path),
            }
        )

    return _load


assets = [ingest_asset(source_id) for source_id in SOURCES]
