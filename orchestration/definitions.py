"""The one Dagster `Definitions` of the project (`[tool.dagster] module_name`).

Import after `dbt parse` has written the manifest (`make run` / `make test` do this).
"""

import dagster as dg

from orchestration.defs import (
    automation,
    comments,
    dbt,
    fidelity,
    ingest,
    publish,
    quality,
    questionnaire,
    weighting,
)
from orchestration.resources import SurveyPaths

defs = dg.Definitions(
    assets=[
        *questionnaire.assets,
        *ingest.assets,
        *dbt.assets,
        *weighting.assets,
        *comments.assets,
        *fidelity.assets,
        *publish.assets,
    ],
    asset_checks=[*quality.asset_checks, *comments.asset_checks, *fidelity.asset_checks],
    jobs=automation.jobs,
    schedules=automation.schedules,
    sensors=automation.sensors,
    resources={"paths": SurveyPaths(), "dbt": dbt.dbt_resource},
    # DuckDB allows one writer per file: run the steps of a run one after another, in-process.
    executor=dg.in_process_executor,
)
