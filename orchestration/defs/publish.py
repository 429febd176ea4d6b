"""Publication: the workbook and CSVs, the charts and the BI marts file, released together into
`$SURVEY_BUILD_DIR/published/` (logic in `publication/`; one run swaps all three in at once),
with the comment coder's agreement figures beside them. Nothing is released when the
personal-data gate finds anything in the staged files (`publication.release`)."""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
from pathlib import Path

import dagster as dg

from comments.publish import write_agreement_csv
from orchestration.defs.comments import (
    CODER_AGREEMENT,
    DRUGS_STANCE_COUNTS,
    EXCLUSION_COUNTS,
    PUBLISHED_QUOTES,
    THEME_COUNTS,
)
from orchestration.defs.weighting import SUMMARY
from orchestration.resources import SurveyPaths
from publication.chart_specs import CHARTS

SUPPLEMENTARY_TABLES = dg.AssetKey(["published", "supplementary_tables"])
FIGURES = dg.AssetKey(["published", "figures"])
CONSULTATION_MARTS = dg.AssetKey(["published", "consultation_marts"])
# The marts read or published (every `marts` table but `prep_*` and respondent-level ones), and
# the weighting summary the cover sheet quotes.
MART_KEYS = [
    dg.AssetKey(["marts", name])
    for name in (
        "fct_estimates",
        "fct_modal_ranks",
        "fct_significance",
        "dim_questions",
        "mart_weighting",
        "mart_weighting_margins",
        *(f"mart_section_{s}" for s in "abcdefghi"),
    )
]
# Table I1 and the agreement CSV. The quotes are a direct dependency so that their blocking
# personal-data check (`quotes_hold_no_personal_data`) holds publication back.
COMMENT_KEYS = [
    THEME_COUNTS,
    EXCLUSION_COUNTS,
    DRUGS_STANCE_COUNTS,
    PUBLISHED_QUOTES,
    CODER_AGREEMENT,
]
SOURCES = [*MART_KEYS, SUMMARY, *COMMENT_KEYS]


def _size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


@dg.multi_asset(
    name="publish",
    specs=[
        dg.AssetSpec(
            SUPPLEMENTARY_TABLES,
            deps=SOURCES,
            group_name="published",
            kinds={"excel", "csv"},
            description="The supplementary tables: one workbook (Cover, Contents, Notes, one sheet "
            "per table) and one tidy CSV per table.",
        ),
        dg.AssetSpec(
            FIGURES,
            deps=SOURCES,
            group_name="published",
            kinds={"matplotlib"},
            description="The report's charts as PNG and SVG.",
        ),
        dg.AssetSpec(
            CONSULTATION_MARTS,
            deps=SOURCES,
            group_name="published",
            kinds={"duckdb"},
            description="consultation_marts.duckdb: the marts for BI tools, aggregates only, "
            "read-only.",
        ),
    ],
    can_subset=False,
)
def publish(context: dg.AssetExecutionContext, paths: SurveyPaths):
    """Build every output into a staging folder, then swap it in as `published/` in one step."""
    # Imported here, not at start-up: matplotlib, xlsxwriter, pandas (the dbt step prewarms them).
    from expectations.docs import release_writer
    from publication.release import publish_release

    release = publish_release(
        paths.warehouse_path,
        paths.build_path,
        context.run.run_id,
        # the comment coders' agreement and the Data Docs of the gates that let this run through
        extras=(write_agreement_csv, release_writer(paths.build_path)),
    )
    if release.stale_removed:
        context.log.warning(
            "Removed what interrupted publications left: " + ", ".join(release.stale_removed)
        )
    common = {
        "release": dg.MetadataValue.path(str(release.folder)),
        "personal_data_gate": dg.MetadataValue.text(release.scan),
        "stale_removed": dg.MetadataValue.text(", ".join(release.stale_removed) or "none"),
    }
    yield dg.MaterializeResult(
        asset_key=SUPPLEMENTARY_TABLES,
        metadata={
            **common,
            "path": dg.MetadataValue.path(str(release.workbook)),
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
    yield dg.MaterializeResult(
        asset_key=FIGURES,
        metadata={
            **common,
            "path": dg.MetadataValue.path(str(release.figures[0].parent)),
            "charts": dg.MetadataValue.text(", ".join(c.id for c in CHARTS)),
            "files": dg.MetadataValue.int(len(release.figures)),
            "bytes": dg.MetadataValue.int(_size(release.figures)),
        },
    )
    marts = release.marts
    yield dg.MaterializeResult(
        asset_key=CONSULTATION_MARTS,
        metadata={
            **common,
            "path": dg.MetadataValue.path(str(marts.path)),
            "bytes": dg.MetadataValue.int(marts.path.stat().st_size),
            "tables": dg.MetadataValue.md(
                "| table | rows |\n|---|---|\n"
                + "\n".join(f"| {t} | {n} |" for t, n in marts.tables.items())
            ),
            "excluded": dg.MetadataValue.json(marts.excluded),
        },
    )


assets = [publish]
