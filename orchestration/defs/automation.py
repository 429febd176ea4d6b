"""The full-pipeline job, its daily schedule and the landing-folder sensor."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from orchestration.resources import SurveyPaths

full_pipeline = dg.define_asset_job(
    "full_pipeline",
    selection=dg.AssetSelection.all(),
    description="Questionnaire reference tables, every export, then the dbt models and tests.",
)

# Daily during fieldwork; the time is configurable (cron, Europe/London) without a code change.
SCHEDULE_CRON = os.environ.get("SURVEY_SCHEDULE_CRON", "0 6 * * *")

daily_full_pipeline = dg.ScheduleDefinition(
    name="daily_full_pipeline",
    job=full_pipeline,
    cron_schedule=SCHEDULE_CRON,
    execution_timezone="Europe/London",
    description="Full pipeline daily (SURVEY_SCHEDULE_CRON, default 06:00 London time).",
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landing_files(paths: SurveyPaths, known: dict[str, list] | None = None) -> dict[str, list]:
    """Files in the landing folder: name -> [mtime, sha256].

    A file whose mtime is unchanged since `known` keeps its known hash (not re-read).
    """
    folder = paths.landing_path
    if not folder.is_dir():
        return {}
    known = known or {}
    current = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        mtime = p.stat().st_mtime
        seen = known.get(p.name)
        current[p.name] = [mtime, seen[1] if seen and seen[0] == mtime else _sha256(p)]
    return current


@dg.sensor(job=full_pipeline, minimum_interval_seconds=60)
def landing_folder_sensor(context: dg.SensorEvaluationContext, paths: SurveyPaths):
    """Run the pipeline when an export lands or its content changes.

    The cursor is `{file: [mtime, sha256]}`. A run is requested only for content not seen before
    under that name, so a re-delivered identical file (touched, copied again) does nothing. One
    run covers every change seen in a tick (ingest reads the whole folder and skips files it has
    loaded); its run key names each changed file with its content hash.
    """
    seen = json.loads(context.cursor) if context.cursor else {}
    current = landing_files(paths, seen)
    changed = sorted(
        f"{name}@{sha[:16]}"
        for name, (_, sha) in current.items()
        if name not in seen or seen[name][1] != sha
    )
    context.update_cursor(json.dumps(current))
    if not changed:
        return dg.SkipReason(f"No new or changed files in {paths.landing_path}")
    return dg.RunRequest(run_key="|".join(changed))


jobs = [full_pipeline]
schedules = [daily_full_pipeline]
sensors = [landing_folder_sensor]
