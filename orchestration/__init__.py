"""Dagster wiring for the consultation warehouse: thin assets over `ingest`, `survey` and dbt."""
