"""The one Dagster `Definitions` of the project (`[tool.dagster] module_name`).

Built for one consultation pack (`SURVEY_CONSULTATION`, see `survey/pack.py`) when Dagster loads
the code location, not at import. Import after `dbt parse` has written the manifest (`make run` /
`make test` do this).
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
)
from orchestration.resources import ConsultationResource, SurveyPaths
from survey.pack import Consultation, current


def build_definitions(consultation: Consultation | None = None) -> dg.Definitions:
    """Every asset, check, job and resource for `consultation` (default: the chosen pack)."""
    consultation = consultation or current()
    return dg.Definitions(
        assets=[
            *questionnaire.assets,
            *ingest.build_assets(consultation),
            *dbt.build_assets(consultation),
            *comments.assets,
            *fidelity.assets,
            *publish.assets,
        ],
        asset_checks=[
            *quality.build_checks(consultation),
            *comments.asset_checks,
            *fidelity.asset_checks,
        ],
        jobs=automation.jobs,
        schedules=automation.schedules,
        sensors=automation.sensors,
        resources={
            "paths": SurveyPaths(),
            "consultation": ConsultationResource(pack=str(consultation.folder)),
            "dbt": dbt.dbt_resource,
        },
        # DuckDB allows one writer per file: run the steps of a run one after another, in-process.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
