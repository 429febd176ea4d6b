"""Pick the reader for an export source from how its values are delivered."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from . import talk_london, yougov
from .exports import export_spec


def read_export(path: Path, source_id: str) -> pl.DataFrame:
    """Read and check one export file of `source_id` (raises ContractViolation)."""
    if export_spec(source_id).values == "labels":
        return talk_london.read_talk_london(path, source_id)
    return yougov.read_yougov(path, source_id)


def reader_version(source_id: str) -> str:
    """The libraries that read the source's files, e.g. 'pyreadstat 1.3.7'."""
    return talk_london.READER if export_spec(source_id).values == "labels" else yougov.READER
