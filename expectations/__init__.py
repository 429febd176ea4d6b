"""Great Expectations gates on the warehouse: the figures are checked before they are published.

Each gate prepares a pandas frame from the warehouse (DuckDB, read-only) and declares the
expectations that frame must meet; `runner` validates it with Great Expectations and `docs`
renders Data Docs. Only `runner` and `docs` import Great Expectations, inside their functions,
so importing this package (or the Dagster definitions) never pays for it.
"""
