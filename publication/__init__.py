"""Publication of the consultation statistics: supplementary-tables workbook, tidy CSVs, charts and
a read-only DuckDB file of the marts for BI tools, released atomically into `published/`.

Every function takes a DuckDB connection to the warehouse (or paths); nothing here runs Dagster.
"""
