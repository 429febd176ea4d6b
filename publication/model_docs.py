"""Descriptions of the published tables and columns: from the dbt models' YAML where documented,
else from the maps below."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

DBT_MODELS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models"

COLUMN_DOCS = {
    "variable_id": "Questionnaire variable (question, grid item, ranking item or option).",
    "question_id": "Questionnaire question the variable belongs to.",
    "section": "Section of the questionnaire (and of the report).",
    "table_id": "Supplementary table id.",
    "route": "Consultation route (the analysis_settings table says which routes are weighted).",
    "breakdown": "'total' or the breakdown (demographic grouping) of the column.",
    "group_id": "'total' or the group of the breakdown.",
    "group_label": "Label of the group.",
    "category_kind": "code (answer), net, rank, option (multi-select) or status (missing kind).",
    "category": "Answer code, net id, rank, '1' for a selected option, or a status kind.",
    "category_label": "Label of the category.",
    "sort_order": "Display order of the category.",
    "unweighted_count": "Respondents in the category.",
    "weighted_count": "Sum of weights of respondents in the category (weighted routes).",
    "unweighted_base": "Respondents in the base.",
    "weighted_base": "Sum of weights of respondents in the base (weighted routes).",
    "effective_base": "Kish effective base (sum of weights squared / sum of squared weights).",
    "pct": "Percentage of the base (0-100); weighted for weighted routes.",
    "small_base": "Unweighted base below the small-base threshold: flagged, not tested.",
    "compared_with": "Group this row is tested against ('rest': all other respondents).",
    "compared_pct": "Percentage of the comparison group.",
    "diff_pts": "Difference from the comparison group in percentage points.",
    "z": "Signed square root of the test statistic (Rao-Scott F for weighted routes, Pearson "
    "chi-square for unweighted routes): its sign is the direction of the difference.",
    "significant": "Difference significant at the 95% level (null when not tested).",
    "modal_rank": "The rank given most often.",
    "scope": "combined (every poll of the weighted routes), or one poll.",
    "respondents": "Respondents weighted.",
    "efficiency": "Kish weighting efficiency (effective n / n).",
    "effective_n": "Kish effective sample size.",
    "margin": "Weighting margin.",
}


@dataclass(frozen=True)
class TableDoc:
    description: str
    columns: dict[str, str] = field(default_factory=dict)


def dbt_docs(models_dir: Path = DBT_MODELS_DIR) -> dict[str, TableDoc]:
    """Model and source-table descriptions from every YAML file under the dbt models folder."""
    docs: dict[str, TableDoc] = {}
    for path in sorted(models_dir.rglob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = list(raw.get("models") or [])
        entries += [t for s in raw.get("sources") or [] for t in s.get("tables") or []]
        for entry in entries:
            columns = {
                c["name"]: c["description"]
                for c in entry.get("columns") or []
                if c.get("description")
            }
            docs[entry["name"]] = TableDoc(entry.get("description", ""), columns)
    return docs


def describe(table: str, columns: list[str], docs: dict[str, TableDoc]) -> TableDoc:
    """The table's description and one per column: dbt's where written, else the map's."""
    found = docs.get(table, TableDoc(""))
    description = found.description or f"Published table {table}."
    return TableDoc(
        description.strip(),
        {
            c: (found.columns.get(c) or COLUMN_DOCS.get(c) or c.replace("_", " ").capitalize())
            for c in columns
        },
    )
