"""The `questionnaire` asset: the questionnaire model as `ref.*` tables in the warehouse."""

from __future__ import annotations

import dagster as dg

from infra.warehouse import make_private, private_umask, retry_on_lock
from orchestration.resources import SurveyPaths
from survey.questionnaire import load_questionnaire, questionnaire_path
from survey.reference_tables import BUILDERS, REF_SCHEMA, write_reference_tables


def ref_table_key(name: str) -> dg.AssetKey:
    return dg.AssetKey([REF_SCHEMA, name])


@dg.multi_asset(
    name="questionnaire",
    specs=[
        dg.AssetSpec(ref_table_key(name), description=build.__doc__, kinds={"duckdb"})
        for name, build in BUILDERS.items()
    ],
    group_name="reference",
)
def questionnaire(paths: SurveyPaths):
    """Write every `ref.*` table from the pack's questionnaire.yaml in one transaction."""
    q = load_questionnaire()
    warehouse = paths.warehouse_path
    # The first writer of a fresh build creates the warehouse: owner-only from the start. A lock
    # error can only come from opening the file, before anything is written: retried, bounded.
    with private_umask():
        counts = retry_on_lock(lambda: write_reference_tables(q, warehouse))
    make_private(warehouse)
    for name, rows in counts.items():
        yield dg.MaterializeResult(
            asset_key=ref_table_key(name),
            metadata={
                "dagster/row_count": dg.MetadataValue.int(rows),
                "questionnaire_version": dg.MetadataValue.text(q.version),
                "source": dg.MetadataValue.path(questionnaire_path()),
                "warehouse": dg.MetadataValue.path(paths.warehouse_path),
            },
        )


assets = [questionnaire]
