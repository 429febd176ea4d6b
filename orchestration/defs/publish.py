"""Publication: the workbook and CSVs, the charts and the BI marts file, released together as the
next numbered release (`$SURVEY_BUILD_DIR/releases/<n>/`, linked as `published/`; logic in
`publication/`), with the comment coder's agreement figures, the fidelity check and the gates'
Data Docs beside them. The step ends published, held (a provisional release too close to the
previous one) or unchanged; it records the decision for every delivery in the ledger. Nothing is
released when the personal-data gate finds anything in the staged files (`publication.release`)."""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
from pathlib import Path

import dagster as dg

from comments.publish import write_agreement_csv
from orchestration.defs.comments import (
    CODER_AGREEMENT,
    EXCLUSION_COUNTS,
    PUBLISHED_QUOTES,
    STANCE_COUNTS,
    THEME_COUNTS,
)
from orchestration.defs.dbt import mart_keys
from orchestration.defs.fidelity import FIDELITY, fidelity_path
from orchestration.defs.ingest import PLATFORM_STATISTICS_KEY
from orchestration.defs.weighting import SUMMARY
from orchestration.resources import ConsultationResource, SurveyPaths
from publication import warehouse_questionnaire

SUPPLEMENTARY_TABLES = dg.AssetKey(["published", "supplementary_tables"])
FIGURES = dg.AssetKey(["published", "figures"])
CONSULTATION_MARTS = dg.AssetKey(["published", "consultation_marts"])
# The marts read or published: every model of the dbt project's marts folder (as the manifest
# lists them, whatever sections the pack has; none is respondent-level).
MART_KEYS = mart_keys()
# The questionnaire's reference tables the publication reads back from the warehouse.
REF_KEYS = [dg.AssetKey(["ref", table]) for table in warehouse_questionnaire.TABLES]
# Table I1 and the agreement CSV. The quotes are a direct dependency so that their blocking
# personal-data check (`quotes_hold_no_personal_data`) holds publication back.
COMMENT_KEYS = [
    THEME_COUNTS,
    EXCLUSION_COUNTS,
    STANCE_COUNTS,
    PUBLISHED_QUOTES,
    CODER_AGREEMENT,
]
SOURCES = [*MART_KEYS, *REF_KEYS, SUMMARY, *COMMENT_KEYS, FIDELITY, PLATFORM_STATISTICS_KEY]


def _size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def _outcome_metadata(outcome) -> dict[str, dg.MetadataValue]:
    data = outcome.data
    return {
        "outcome": dg.MetadataValue.text(outcome.state),
        "summary": dg.MetadataValue.text(outcome.summary()),
        "status": dg.MetadataValue.text(data.status),
        "release": dg.MetadataValue.int(outcome.current or 0),
        "routes": dg.MetadataValue.json(data.routes),
        "why_provisional": dg.MetadataValue.text("; ".join(data.why_provisional()) or "final"),
        "stale_removed": dg.MetadataValue.text(", ".join(outcome.stale_removed) or "none"),
    }


def _record_decisions(paths: SurveyPaths, outcome, run_id: str) -> None:
    """Append this run's decision about every undecided delivery to the ledger."""
    from infra.warehouse import connect_warehouse
    from publication import ledger

    with connect_warehouse(paths.warehouse_path, read_only=True) as con:
        files = ledger.undecided_files(con)
    reason = "" if outcome.state == "published" else outcome.reason
    ledger.record(
        paths.warehouse_path, ledger.decide(files, outcome.state, outcome.current, reason), run_id
    )


@dg.multi_asset(
    name="publish",
    specs=[
        dg.AssetSpec(
            SUPPLEMENTARY_TABLES,
            deps=SOURCES,
            group_name="published",
            kinds={"excel", "csv"},
            description="The supplementary tables: one workbook (Cover, Contents, Notes, one sheet "
            "per table) and one tidy CSV per table, in the latest release.",
        ),
        dg.AssetSpec(
            FIGURES,
            deps=SOURCES,
            group_name="published",
            kinds={"matplotlib"},
            description="The report's charts as PNG and SVG, in the latest release.",
        ),
        dg.AssetSpec(
            CONSULTATION_MARTS,
            deps=SOURCES,
            group_name="published",
            kinds={"duckdb"},
            description="consultation_marts.duckdb: the marts for BI tools, aggregates only, "
            "read-only, in the latest release.",
        ),
    ],
    can_subset=False,
)
def publish(
    context: dg.AssetExecutionContext, paths: SurveyPaths, consultation: ConsultationResource
):
    """Publish the next release (or hold it back, saying why), and record the decision."""
    # Imported here, not at start-up (the dbt step prewarms pandas and Great Expectations);
    # matplotlib and xlsxwriter load only in the processes that draw the charts and write the XLSX.
    from expectations.docs import release_writer
    from expectations.runner import load_results, results_dir
    from publication.release import publish_release

    fidelity = fidelity_path(paths.build_path)
    outcome = publish_release(
        paths.warehouse_path,
        paths.build_path,
        context.run.run_id,
        # the comment coders' agreement and the Data Docs of the gates that let this run through
        extras=(write_agreement_csv, release_writer(paths.build_path)),
        files=[fidelity] if fidelity.exists() else [],
        gate_results=load_results(results_dir(paths.build_path)),
        consultation=consultation.consultation,
    )
    _record_decisions(paths, outcome, context.run.run_id)
    if outcome.stale_removed:
        context.log.warning(
            "Removed what interrupted publications left: " + ", ".join(outcome.stale_removed)
        )
    common = _outcome_metadata(outcome)
    release = outcome.release
    if release is None:  # held or unchanged: nothing new; the metadata says why
        context.log.warning(outcome.summary())
        for key in (SUPPLEMENTARY_TABLES, FIGURES, CONSULTATION_MARTS):
            yield dg.MaterializeResult(asset_key=key, metadata=common)
        return
    context.log.info(outcome.summary())
    common |= {
        "path": dg.MetadataValue.path(str(release.folder)),
        "personal_data_gate": dg.MetadataValue.text(release.scan),
        "changed_figures": dg.MetadataValue.int(release.changed_figures),
        "suppressed_cells": dg.MetadataValue.int(release.suppressed_cells),
    }
    yield dg.MaterializeResult(
        asset_key=SUPPLEMENTARY_TABLES,
        metadata={
            **common,
            "workbook": dg.MetadataValue.path(str(release.workbook)),
            "sheets": dg.MetadataValue.int(len(release.sheets)),
            "tables": dg.MetadataValue.int(release.tables),
            "workbook_bytes": dg.MetadataValue.int(release.workbook.stat().st_size),
            "csv_dir": dg.MetadataValue.path(str(release.csvs[0].parent)),
            "csv_files": dg.MetadataValue.int(len(release.csvs)),
            "csv_bytes": dg.MetadataValue.int(_size(release.csvs)),
            "extra_files": dg.MetadataValue.text(
                ", ".join(
                    str(p.relative_to(paths.build_path / "published")) for p in release.extras
                )
            ),
        },
    )
    charts = [p.stem for p in release.figures if p.suffix == ".png"]
    yield dg.MaterializeResult(
        asset_key=FIGURES,
        metadata={
            **common,
            "figures_dir": dg.MetadataValue.path(
                str(release.figures[0].parent) if release.figures else "none"
            ),
            "charts": dg.MetadataValue.text(
                ", ".join(charts) or "none: the consultation pack declares no charts"
            ),
            "files": dg.MetadataValue.int(len(release.figures)),
            "bytes": dg.MetadataValue.int(_size(release.figures)),
        },
    )
    marts = release.marts
    yield dg.MaterializeResult(
        asset_key=CONSULTATION_MARTS,
        metadata={
            **common,
            "marts_file": dg.MetadataValue.path(str(marts.path)),
            "bytes": dg.MetadataValue.int(marts.path.stat().st_size),
            "tables": dg.MetadataValue.md(
                "| table | rows |\n|---|---|\n"
                + "\n".join(f"| {t} | {n} |" for t, n in marts.tables.items())
            ),
            "excluded": dg.MetadataValue.json(marts.excluded),
        },
    )


assets = [publish]
