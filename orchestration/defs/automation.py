"""The full-pipeline job, its daily schedule and the landing-folder sensor."""

from __future__ import annotations

import json

import dagster as dg

from orchestration.resources import SurveyPaths

full_pipeline = dg.define_asset_job(
    "full_pipeline",
    selection=dg.AssetSelection.all(),
    description="Questionnaire reference tables, every export, then the dbt models and tests.",
)

daily_full_pipeline = dg.ScheduleDefinition(
    name="daily_full_pipeline",
    job=full_pipeline,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/London",
)


def landing_files(paths: SurveyPaths) -> dict[str, float]:
    """Files in the landing folder by name, with their modification times."""
    folder = paths.landing_path
    if not folder.is_dir():
        return {}
    return {
        p.name: p.stat().st_mtime
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


@dg.sensor(job=full_pipeline, minimum_interval_seconds=60)
def landing_folder_sensor(context: dg.SensorEvaluationContext, paths: SurveyPaths):
    """Run the pipeline when an export lands or changes; the cursor is `{file: mtime}`.

    One run covers every change seen in a tick (ingest reads the whole folder and skips files it
    has loaded); its run key names each changed file with its mtime, so a file triggers a run once,
    and again only when it changes.
    """
    seen = json.loads(context.cursor) if context.cursor else {}
    current = landing_files(paths)
    changed = sorted(
        f"{name}@{mtime}" for name, mtime in current.items() if seen.get(name) != mtime
    )
    context.update_cursor(json.dumps(current))
    if not changed:
        return dg.SkipReason(f"No new or changed files in {paths.landing_path}")
    return dg.RunRequest(run_key="|".join(changed))


jobs = [full_pipeline]
schedules = [daily_full_pipeline]
sensors = [landing_folder_sensor]
