"""python -m benchmarks.job without-gates|gates: part of the full pipeline, in process, on the
instance in DAGSTER_HOME.

A delivery resampled to another size cannot pass the validation gates that check the
consultation's own respondent counts (orchestration/defs/quality.py), and a failed gate blocks
everything downstream. At scale the benchmark therefore runs every asset and check except the
gates, then the gates on their own (timed as the validation stage; they fail as expected).
The per-file size limit against hostile uploads (ingest/hostile.py, 200 MB) is raised to the
largest landed file: a delivery of 1M respondents has files of 0.3-0.8 GB.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg

from ingest import hostile
from orchestration.definitions import build_definitions
from orchestration.defs import quality
from survey.pack import current


def main(part: str) -> int:
    landed = [p.stat().st_size for p in Path(os.environ["SURVEY_LANDING_DIR"]).iterdir()]
    hostile.MAX_FILE_BYTES = max(hostile.MAX_FILE_BYTES, *landed)
    gates = dg.AssetSelection.checks(*quality.build_checks(current()))
    selection = {"without-gates": dg.AssetSelection.all() - gates, "gates": gates}[part]
    job = dg.define_asset_job(f"bench_{part.replace('-', '_')}", selection=selection)
    merged = dg.Definitions.merge(build_definitions(), dg.Definitions(jobs=[job]))
    with dg.DagsterInstance.get() as instance:
        result = merged.resolve_job_def(job.name).execute_in_process(
            instance=instance, raise_on_error=False
        )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
