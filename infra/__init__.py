"""Shared infrastructure of every stage: the warehouse file (owner-only, opened with a bounded
retry on DuckDB's single-writer lock) and the single-writer lock of a folder."""
