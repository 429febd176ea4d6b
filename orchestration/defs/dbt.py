"""dbt models as Dagster assets, read from the manifest `dbt parse` wrote (never parsed here)."""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
import os
import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from orchestration.resources import REPO_ROOT, SurveyPaths

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# DBT_TARGET_PATH is dbt's own setting, so `dbt parse` and this module agree on the manifest.
dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, target_path=os.environ.get("DBT_TARGET_PATH", "target")
)


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs this project does not use.

    Before every `dbt build`, dagster-dbt runs `dbt --version` in a subprocess and opens a dbt
    adapter in-process (importing dbt and loading its macros); the adapter only serves
    `fetch_row_counts` / `fetch_column_metadata`, which these assets do not call. Together
    about 5 s per dbt step. The version comes from the installed dbt-core instead.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


# The dbt installed next to this Python, so an un-activated venv works too.
dbt_resource = DbtCli(
    project_dir=dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt"))
)


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: SurveyPaths):
    """`dbt build` (models and their tests) of this asset selection against the run's warehouse.

    Artefacts and logs of the invocation go to `$SURVEY_BUILD_DIR/dbt/<run id>/<step>/`.
    """
    # profiles.yml reads SURVEY_BUILD_DIR; dbt runs from the project folder, so pass it absolute.
    os.environ["SURVEY_BUILD_DIR"] = str(paths.build_path)
    target_path = (
        paths.build_path / "dbt" / context.run.run_id / context.op_execution_context.op.name
    )
    # 'buildable': a test runs with the selection that holds all its parents or their ancestors,
    # so a test joining a mart to a source runs with the marts, not with the staging models.
    args = ["build", "--indirect-selection", "buildable"]
    yield from dbt.cli(args, context=context, target_path=target_path).stream()


# The poll weights are a Python asset between the intermediate models and the marts, so the dbt
# project runs as two selections: everything before the weights, then the marts that use them.
@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    name="dbt_staging_intermediate",
    select="path:models/staging path:models/intermediate",
)
def dbt_staging_intermediate(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: SurveyPaths
):
    yield from _build(context, dbt, paths)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    name="dbt_marts",
    select="path:models/marts",
)
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: SurveyPaths):
    yield from _build(context, dbt, paths)


assets = [dbt_staging_intermediate, dbt_marts]
