"""Rim weights of the respondents of the pack's weighted routes (survey/poll_weights.py): raked
together to the pack's weighting_targets.yaml; empty when no route is weighted."""

from survey.poll_weights import weigh_warehouse


def model(dbt, session):
    dbt.config(materialized="table")
    respondents, sources = dbt.ref("int_respondents"), dbt.source("ref", "sources")
    return weigh_warehouse(respondents, sources, session).weights
