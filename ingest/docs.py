"""The generated parts of docs/export-formats.md, rendered from the questionnaire.

`python -m ingest.docs` rewrites them in place; a test fails when the doc has drifted.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from survey.questionnaire import Variable, load_questionnaire

from .checks import describe
from .exports import ExportSpec, MetaColumn, export_sources, export_spec
from .quality import quality_rules

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "export-formats.md"
BEGIN = "<!-- BEGIN GENERATED {name} (python -m ingest.docs) -->"
END = "<!-- END GENERATED {name} -->"


def render_sources() -> str:
    rows = [
        "| Source | File name pattern | Formats | Sheet | Encoding | Delimiter | Values "
        "| Fieldwork (first and last day) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    q = load_questionnaire()
    for spec in map(export_spec, export_sources()):
        start, end = q.fieldwork(spec.source_id)
        rows.append(
            f"| `{spec.source_id}` ({spec.label}) | `{_cell(spec.file_pattern.pattern)}`"
            f" | {', '.join(spec.formats)} | {_code(spec.sheet)} | {spec.encoding}"
            f" | {_code(spec.delimiter)} | {spec.values} | {start} to {end} |"
        )
    return "\n".join(rows)


def render_fixed_columns() -> str:
    rows = [
        "| Source | Column | Raw table column | Type and format |",
        "|---|---|---|---|",
    ]
    for spec in map(export_spec, export_sources()):
        for meta in spec.meta_columns:
            rows.append(
                f"| `{spec.source_id}` | `{meta.name}` | `{meta.raw}` | {_meta_type(spec, meta)} |"
            )
    return "\n".join(rows)


def render_variables() -> str:
    """Every exported variable: id, Talk London header, YouGov name, allowed values."""
    rows = [
        "| # | Variable (raw column) | Talk London column header | YouGov variable"
        " | Allowed values |",
        "|---|---|---|---|---|",
    ]
    for number, v in enumerate(load_questionnaire().exported_variables(), start=1):
        rows.append(
            f"| {number} | `{v.id}` (`{v.id.lower()}`) | {_cell(v.tl_header)} | `{v.yg_name}`"
            f" | {_cell(allowed_values(v))} |"
        )
    return "\n".join(rows)


def allowed_values(v: Variable) -> str:
    """What both exports may carry for a variable (blank / system-missing always allowed)."""
    if v.kind == "open_text":
        return f"free text, at most {v.max_length} characters"
    if v.kind == "multi_option":
        return f"Talk London: '{v.item_label}' if selected, blank if not. YouGov: 1 selected, 0 not"
    labels, codes = v.valid_labels, v.valid_codes
    if labels == tuple(str(c) for c in codes):
        return f"rank {describe(codes)}, the same number in both exports"
    if codes == tuple(v.scale.codes):
        return " · ".join(f"{code} {label}" for code, label in v.scale.codes.items())
    return f"Talk London: {' · '.join(labels)}. YouGov: {describe(codes)}"


BLOCKS = {
    "sources": render_sources,
    "fixed-columns": render_fixed_columns,
    "variables": render_variables,
}


def generated_blocks(text: str) -> dict[str, str]:
    """The generated blocks as they stand in the doc's text."""
    return {
        name: match.group(1).strip("\n")
        for name in BLOCKS
        if (match := re.search(_block_pattern(name), text, flags=re.DOTALL))
    }


def update(path: Path = DOC_PATH) -> None:
    text = path.read_text(encoding="utf-8")
    for name, render in BLOCKS.items():
        match = re.search(_block_pattern(name), text, flags=re.DOTALL)
        if not match:
            raise ValueError(f"{path}: no generated block '{name}'")
        text = f"{text[: match.start(1)]}\n{render()}\n{text[match.end(1) :]}"
    path.write_text(text, encoding="utf-8")


def _block_pattern(name: str) -> str:
    return re.escape(BEGIN.format(name=name)) + r"(.*?)" + re.escape(END.format(name=name))


def _meta_type(spec: ExportSpec, meta: MetaColumn) -> str:
    if meta.type == "datetime" and meta.format:
        example = datetime(2021, 11, 19, 9, 30, 5).strftime(meta.format)
        text = f"date-time as text `{meta.format}`, e.g. `{example}`"
    else:
        text = {
            "integer": "whole number",
            "string": "text",
            "datetime": "SPSS date-time variable (e.g. format DATETIME20)",
            "float": "SPSS numeric, greater than 0 and at most"
            f" {quality_rules().max_weight_to_mean:g} times the file's mean",
        }[meta.type]
    if meta.name == spec.id_column:
        text += ", unique (a repeat with every cell identical is quarantined)"
    if meta.allowed:
        text += f", one of {', '.join(f'`{a}`' for a in meta.allowed)}"
    quarantined = quality_rules().quarantined_status(spec.source_id, meta.name)
    if quarantined:
        listed = ", ".join(f"`{value}` ({reason})" for value, reason in quarantined.items())
        text += f" (or, quarantined: {listed})"
    return f"{meta.type}: {text}; never blank"


def _code(value: str | None) -> str:
    return f"`{value}`" if value else "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    update()
