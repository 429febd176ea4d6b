"""The weighting's diagnostics per scope (survey/poll_weights.py `weight_polls`)."""

from survey.poll_weights import weigh_warehouse


def model(dbt, session):
    dbt.config(materialized="table")
    respondents, sources = dbt.ref("int_respondents"), dbt.source("ref", "sources")
    return weigh_warehouse(respondents, sources, session).summary
