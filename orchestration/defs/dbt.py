"""dbt models as Dagster assets, read from the manifest `dbt parse` wrote (never parsed here)."""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
import json
import os
import sys
import time
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from infra.warehouse import LOCK_MESSAGE, WarehouseLocked, make_private, private_umask
from orchestration import prewarm
from orchestration.defs import weighting
from orchestration.defs.ingest import raw_table_key
from orchestration.resources import REPO_ROOT, SurveyPaths
from survey.pack import SETTING, Consultation, current
from survey.poll_weights import DIAGNOSTICS_SETTING

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# A dbt invocation that found the warehouse locked is started again this many times in all,
# pausing 1, 2, 4, 8 s between (with dbt's start-up, about 40 s of waiting).
DBT_LOCK_ATTEMPTS = 5
DBT_LOCK_FIRST_PAUSE_S = 1.0
DBT_LOCK_MAX_PAUSE_S = 8.0
_sleep = time.sleep

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


def test_description(test: dict) -> str:
    """What a dbt test checks, in words: its YAML `description` where written, else from the
    generic test's name and arguments, else the first comment line of a singular test."""
    if test.get("description"):
        return test["description"]
    meta = test.get("test_metadata") or {}
    kwargs = meta.get("kwargs") or {}
    model = next(iter(test.get("refs") or []), {}).get("name") or next(
        (n.split(".")[-1] for n in test.get("depends_on", {}).get("nodes", [])), "the model"
    )
    column = kwargs.get("column_name")
    where = f"{model}.{column}" if column else model
    name = meta.get("name")
    if name == "not_null":
        return f"dbt test: {where} is never null."
    if name == "unique":
        return f"dbt test: {where} is unique."
    if name == "accepted_values":
        values = ", ".join(str(v) for v in kwargs.get("values", []))
        return f"dbt test: {where} only takes the values {values}."
    if name == "one_row_per_member":
        group, member = kwargs.get("group_column"), kwargs.get("member_column")
        return f"dbt test: {model} has at most one row per {group} and {member}."
    if name == "relationships":
        field = kwargs.get("field")
        return f"dbt test: every {where} has a match in {field} of its referenced model."
    if name:
        args = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k != "model")
        return f"dbt test {name} on {where}" + (f" ({args})." if args else ".")
    for line in (test.get("raw_code") or "").splitlines():
        text = line.strip()
        if text.startswith("--"):
            return f"dbt test {test.get('name')}: {text.lstrip('- ').strip()}"
        if text:
            break
    return f"dbt test {test.get('name')} on {model}."


class Translator(DagsterDbtTranslator):
    """dagster-dbt's mapping, with every dbt test's check described (`test_description`), the
    kind `python` on dbt's Python models, and the raw tables of the pack's export sources as deps
    of the staging models that read them.

    A staging model reads every raw table of one vendor format (`meta.raw_values`: `labels` -
    Talk London platform, `codes` - YouGov SPSS; dbt macro `raw_sources`), whose names come from
    the pack, so they are not dbt sources: `raw_keys` maps each format to the asset keys of its
    sources' `raw/<source>_responses` tables, which become the model's deps here.
    """

    def __init__(self, raw_keys: dict[str, list[dg.AssetKey]] | None = None):
        super().__init__()
        self.raw_keys = raw_keys or {}

    def get_asset_spec(self, manifest, unique_id, project):
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or {}
        values = (node.get("meta") or node.get("config", {}).get("meta") or {}).get("raw_values")
        if values:
            spec = spec.merge_attributes(deps=self.raw_keys.get(values, []))
        if node.get("language") == "python":  # the weighting and the statistics models
            spec = spec.merge_attributes(kinds={"python"})
        return spec

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        test = manifest["nodes"].get(unique_id, {})
        return spec._replace(description=test_description(test))


def _nodes_run(target_path: Path) -> list[str]:
    """Statuses of the nodes dbt ran (`run_results.json`; none when it stopped before any)."""
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return []
    return [r.get("status") for r in results]


def _locked_before_any_node(error: Exception, target_path: Path) -> str | None:
    """The lock error's line when a failed dbt invocation only failed to open the warehouse:
    DuckDB's lock error among dbt's errors and not one node run (nothing written, no test run).
    """
    lines = [x.strip() for x in str(error).splitlines() if LOCK_MESSAGE in x]
    if not lines or _nodes_run(target_path):
        return None
    return lines[0]


def dbt_build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Path, target_path: Path
):
    """`dbt build` of the context's selection, owner-only files, lock errors retried.

    dbt runs under umask 077, so the warehouse's `.wal` and anything else dbt creates is
    owner-only from the moment it exists. An invocation that failed only because another process
    held the warehouse (DuckDB's lock error before any node ran: nothing written, no test run)
    is started again, at most `DBT_LOCK_ATTEMPTS` times with a growing pause, then the step fails
    with `WarehouseLocked`. Any other failure (a model error, a failed dbt test) fails the step
    at once, as before.
    """
    # 'buildable': a test runs with the selection that holds all its parents or their ancestors,
    # so a test joining a mart to a source runs with the marts, not with the staging models.
    args = ["build", "--indirect-selection", "buildable"]
    pause = DBT_LOCK_FIRST_PAUSE_S
    for attempt in range(1, DBT_LOCK_ATTEMPTS + 1):
        (target_path / "run_results.json").unlink(missing_ok=True)
        with private_umask():  # inherited by the dbt process at its start
            invocation = dbt.cli(
                args, context=context, target_path=target_path, raise_on_error=False
            )
        yielded = False
        for event in invocation.stream():
            yielded = True
            yield event
        make_private(warehouse)
        error = invocation.get_error()
        if error is None:
            return
        lock = None if yielded else _locked_before_any_node(error, target_path)
        if lock is None:
            raise error
        if attempt == DBT_LOCK_ATTEMPTS:
            raise WarehouseLocked(
                f"dbt could not open the warehouse {warehouse}: locked by another process after"
                f" {attempt} attempts ({lock})"
            )
        context.log.warning(
            f"dbt attempt {attempt} of {DBT_LOCK_ATTEMPTS} found the warehouse locked ({lock});"
            f" trying again in {pause:g} s"
        )
        _sleep(pause)
        pause = min(pause * 2, DBT_LOCK_MAX_PAUSE_S)


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: SurveyPaths):
    """`dbt build` (models and their tests) of this asset selection against the run's warehouse,
    the weighting's diagnostics on its assets.

    Artefacts and logs of the invocation go to `$SURVEY_BUILD_DIR/dbt/<run id>/<step>/`.
    """
    prewarm.start()  # the later steps' imports, while this process waits on dbt
    # profiles.yml reads SURVEY_BUILD_DIR; dbt runs from the project folder, so pass it absolute.
    os.environ["SURVEY_BUILD_DIR"] = str(paths.build_path)
    # dbt's Python models read the same consultation pack as this process.
    os.environ[SETTING] = str(current().folder)
    target_path = (
        paths.build_path / "dbt" / context.run.run_id / context.op_execution_context.op.name
    )
    # The weighting models write their diagnostics beside the invocation's artefacts.
    diagnostics = target_path / weighting.DIAGNOSTICS_FILE
    os.environ[DIAGNOSTICS_SETTING] = str(diagnostics)
    events = dbt_build(context, dbt, paths.warehouse_path, target_path)
    yield from weighting.with_diagnostics(context, events, diagnostics)


def mart_keys() -> list[dg.AssetKey]:
    """Asset keys of the models in the project's marts folder, as the manifest lists them."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    return sorted(
        (
            dg.AssetKey([node["schema"], node["name"]])
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model"
            and node["original_file_path"].startswith("models/marts/")
        ),
        key=lambda k: k.to_user_string(),
    )


def raw_keys_by_format(consultation: Consultation) -> dict[str, list[dg.AssetKey]]:
    """The raw-table asset keys of the pack's export sources, by vendor format (`values`)."""
    keys: dict[str, list[dg.AssetKey]] = {}
    for source_id, export in consultation.questionnaire.exports.items():
        keys.setdefault(export["values"], []).append(raw_table_key(source_id))
    return keys


def build_assets(consultation: Consultation) -> list[dg.AssetsDefinition]:
    """The whole dbt project as one multi-asset for `consultation`, run as one `dbt build`:
    staging, intermediate, the weighting (dbt Python models, group weighting), the weighted
    intermediate models and the marts, each model's tests after it. The weighting's diagnostics
    are added to its assets as dbt reports each model done (orchestration/defs/weighting.py)."""
    translator = Translator(raw_keys_by_format(consultation))

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        name="dbt_models",
        dagster_dbt_translator=translator,
    )
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: SurveyPaths):
        yield from _build(context, dbt, paths)

    return [dbt_models]
