"""Fidelity: the report's printed figures reproduced from the marts.

Written to `$SURVEY_BUILD_DIR/validation/fidelity.csv`; the publication copies it into the
release it stages (a published release is never written to afterwards). It compares a delivery
with the reference report: the bundled sample reproduces every figure, another delivery does not,
and the check does not hold its publication back."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dagster as dg
import polars as pl

from infra.warehouse import connect_warehouse
from orchestration.resources import SurveyPaths
from survey.fidelity import fidelity_table

FIDELITY = dg.AssetKey(["published", "fidelity"])
EMPTY = {"figure": pl.String, "passed": pl.Boolean}
SOURCES = [
    dg.AssetKey(["marts", "fct_estimates"]),
    dg.AssetKey(["marts", "fct_modal_ranks"]),
    dg.AssetKey(["intermediate", "int_respondents"]),
    dg.AssetKey(["intermediate", "int_responses"]),
    dg.AssetKey(["comments", "theme_counts"]),
    dg.AssetKey(["raw", "platform_statistics"]),
]


def write_csv_atomically(frame: pl.DataFrame, path: Path) -> None:
    """Write to a temporary file beside `path`, then rename over it: readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        frame.write_csv(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the published folder is for readers
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fidelity_path(build_path: Path) -> Path:
    return build_path / "validation" / "fidelity.csv"


@dg.asset(
    key=FIDELITY,
    deps=SOURCES,
    group_name="published",
    kinds={"csv"},
    description="Every figure the report prints, reproduced from the warehouse, with pass/fail.",
)
def fidelity(paths: SurveyPaths) -> dg.MaterializeResult:
    from publication.warehouse_questionnaire import questionnaire_from_warehouse

    with connect_warehouse(paths.warehouse_path, read_only=True) as con:  # lock errors retried
        # the pack's report figures, against the questionnaire the warehouse was built with
        table = fidelity_table(con, questionnaire_from_warehouse(con))
    if table.width == 0:  # the pack has no report_figures.yaml: nothing to reproduce
        table = pl.DataFrame(schema=EMPTY)
    path = fidelity_path(paths.build_path)
    write_csv_atomically(table, path)
    failed = table.filter(~pl.col("passed"))
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "figures": dg.MetadataValue.int(table.height),
            "passed": dg.MetadataValue.int(table.height - failed.height),
            "failed": dg.MetadataValue.int(failed.height),
            "failed_figures": dg.MetadataValue.md(
                failed.to_pandas().to_markdown(index=False) if failed.height else "none"
            ),
        }
    )


@dg.asset_check(
    asset=FIDELITY,
    description="Every figure the reference report prints is reproduced by its rule (a warning: "
    "only the bundled sample reproduces the report; other deliveries are published regardless).",
)
def all_figures_reproduced(paths: SurveyPaths) -> dg.AssetCheckResult:
    # An empty table (a pack with no report figures) has no values to infer `passed` from.
    table = pl.read_csv(fidelity_path(paths.build_path), schema_overrides={"passed": pl.Boolean})
    failed = table.filter(~pl.col("passed"))
    return dg.AssetCheckResult(
        passed=failed.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "summary": f"fidelity: {failed.height} of {table.height} report figures not "
            "reproduced (expected for any delivery but the bundled sample)",
            "figures": table.height,
            "failed": failed.height,
            "failed_ids": ", ".join(failed["figure"].to_list()[:50]) or "none",
        },
    )


assets = [fidelity]
asset_checks = [all_figures_reproduced]
