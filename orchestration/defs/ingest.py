"""One asset per vendor export: validate the landed files and load them into `raw.*`."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from ingest import load_export_source
from ingest.errors import ContractViolation
from orchestration.resources import SurveyPaths
from survey.pack import Consultation
from survey.questionnaire import load_questionnaire


def landing_key(source_id: str) -> dg.AssetKey:
    """Asset key of a source's landed export files (an external asset: the vendor writes them)."""
    return dg.AssetKey(["landing", source_id])


def landing_spec(source_id: str) -> dg.AssetSpec:
    """The source's export files at the head of the lineage, observed by its ingest asset (file
    name, hash, rows, export date), fresh while a new export lands every
    `delivery_every_days` (the cadence expected during fieldwork; a warning at that, a failure
    at twice that)."""
    export = load_questionnaire().exports[source_id]
    every = timedelta(days=int(export.get("delivery_every_days", 14)))
    return dg.AssetSpec(
        landing_key(source_id),
        group_name="landing",
        kinds={"file"},
        description=f"{export['label']}: the export files the vendor lands in the landing folder.",
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=2 * every, warn_window=every),
    )


def raw_table_key(source_id: str) -> dg.AssetKey:
    """Asset key of a source's raw table, `raw.<source_id>_responses`."""
    return dg.AssetKey(["raw", f"{source_id}_responses"])


def _metadata_value(value: object) -> dg.MetadataValue:
    """A Dagster metadata value for one JSON-able entry of `LoadSummary.as_metadata()`."""
    if isinstance(value, list) and not value:
        return dg.MetadataValue.text("none")
    if isinstance(value, list) and all(isinstance(row, dict) for row in value):
        return dg.MetadataValue.table(records=[dg.TableRecord(row) for row in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return dg.MetadataValue.int(value)
    if isinstance(value, str):
        return dg.MetadataValue.text(value)
    return dg.MetadataValue.json(value)


def _ledger_table(source_id: str, paths: SurveyPaths) -> dg.MetadataValue:
    """The source's files with what became of each (`publication.ledger`): published in which
    release, held or refused and why. This run's files are decided when it publishes or holds."""
    from infra.warehouse import connect_warehouse
    from publication.ledger import latest_decisions

    with connect_warehouse(paths.warehouse_path, read_only=True) as con:
        rows = latest_decisions(con, source_id)
    if not rows:
        return dg.MetadataValue.text("no decisions yet")
    records = [dg.TableRecord({k: "" if v is None else v for k, v in row.items()}) for row in rows]
    return dg.MetadataValue.table(records=records)


def _refusal(
    refused: ContractViolation, source_id: str, paths: SurveyPaths, run_id: str
) -> dg.Failure:
    """Record the refused files in the ledger; a failure that reads as the violations (file,
    column, row, rule; never a delivered value), without a stack trace."""
    from publication import ledger
    from publication.release_folder import current_release

    current = current_release(paths.build_path)
    number = int(current.name) if current is not None and current.name.isdigit() else None
    reasons: dict[str, list[str]] = {}
    for v in refused.violations:
        reasons.setdefault(v.file, []).append(str(v.rule))
    entries = [
        ledger.Entry(source_id, file, "refused", release=number, reason=", ".join(sorted(set(r))))
        for file, r in reasons.items()
    ]
    ledger.record(paths.warehouse_path, entries, run_id)
    stays = f"release {number} stays published" if number else "nothing is published yet"
    text = f"{source_id}: delivery refused, nothing loaded; {stays}\n{refused}"
    return dg.Failure(
        description=text,
        metadata={
            "refused_files": dg.MetadataValue.text(", ".join(reasons)),
            "violations": dg.MetadataValue.int(refused.total),
            "summary": dg.MetadataValue.text(text),
        },
        allow_retries=False,
    )


def ingest_asset(source_id: str) -> dg.AssetsDefinition:
    """The asset loading every landed file of one source (contract-checked by `ingest`)."""
    label = load_questionnaire().exports[source_id]["label"]

    @dg.asset(
        key=raw_table_key(source_id),
        deps=[landing_key(source_id)],
        group_name="ingest",
        kinds={"duckdb"},
        description=(
            f"{label}: every landed file checked against its contract, then loaded; rows the"
            " quality rules screen out go to raw.quarantine (counted by reason in the metadata)."
        ),
    )
    def _load(context, paths: SurveyPaths) -> dg.MaterializeResult:
        try:
            summary = load_export_source(source_id, paths.landing_path, paths.warehouse_path)
        except ContractViolation as refused:
            raise _refusal(refused, source_id, paths, context.run.run_id) from None
        for f in summary.files:
            context.log_event(
                dg.AssetObservation(
                    asset_key=landing_key(source_id),
                    metadata={
                        "file": f.file_name,
                        "sha256": f.sha256,
                        "rows": f.rows,
                        "export_date": f.export_date.isoformat(),
                        "status": f.status,
                    },
                )
            )
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
                "ledger": _ledger_table(source_id, paths),
            }
        )

    return _load


PLATFORM_STATISTICS_KEY = dg.AssetKey(["raw", "platform_statistics"])


@dg.asset(
    key=PLATFORM_STATISTICS_KEY,
    group_name="ingest",
    kinds={"duckdb"},
    description=(
        "Platform statistics (page views, comments, interactions): the latest landed export,"
        " contract-checked; an empty table when none was delivered."
    ),
)
def platform_statistics(paths: SurveyPaths) -> dg.MaterializeResult:
    from ingest.platform_statistics import load_platform_statistics, write_platform_statistics

    spec = load_questionnaire().platform_statistics
    try:
        frame = load_platform_statistics(paths.landing_path, spec)
    except ContractViolation as refused:
        raise dg.Failure(
            description=f"platform statistics: delivery refused, nothing loaded\n{refused}",
            allow_retries=False,
        ) from None
    write_platform_statistics(frame, paths.warehouse_path)
    delivered = frame.height > 0
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(frame.height),
            "file": dg.MetadataValue.text(frame["file_name"][0] if delivered else "not delivered"),
        }
    )


def build_assets(consultation: Consultation) -> list:
    """The landed files and the ingest asset of each export source of the pack."""
    sources = list(consultation.questionnaire.exports)
    return [
        *(landing_spec(source_id) for source_id in sources),
        *(ingest_asset(source_id) for source_id in sources),
        platform_statistics,
    ]
