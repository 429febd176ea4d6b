"""Ingest vendor survey exports: check each file against its contract, load it into DuckDB.

Plain Python (no Dagster). Layouts and codebooks come from the questionnaire
(`consultations/<id>/questionnaire.yaml`); docs/export-formats.md describes them for vendors.
"""

from .coded_comments import load_coded_comments, read_coded_comments
from .errors import ContractViolation, RawTableMismatch, Rule, Violation
from .exports import ExportFile, ExportSpec, export_sources, export_spec, find_export_files
from .load import FileOutcome, LoadSummary, load_export_source
from .readers import read_export, reader_version
from .talk_london import read_talk_london
from .yougov import read_yougov

__all__ = [
    "ContractViolation",
    "ExportFile",
    "ExportSpec",
    "FileOutcome",
    "LoadSummary",
    "RawTableMismatch",
    "Rule",
    "Violation",
    "export_spec",
    "export_sources",
    "find_export_files",
    "load_coded_comments",
    "load_export_source",
    "read_coded_comments",
    "read_export",
    "read_talk_london",
    "read_yougov",
    "reader_version",
]
