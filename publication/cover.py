"""The cover sheet's sections: what the tables are, how they were made, how to read them. The
consultation's own prose (the method text) comes from the pack's `publication.yaml`; everything
else is said from the warehouse's questionnaire and counts, for any routes and polls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from publication import shorthand
from publication.metadata import PublicationInfo
from publication.notes import base_rule_text, route_labels
from publication.tables import THEMES
from publication.theme_sheet import sheet_names
from publication.warehouse_questionnaire import route_polls
from survey.questionnaire import Questionnaire

TITLE_SUFFIX = "supplementary tables"


def title(q: Questionnaire) -> str:
    return f"{q.survey['title']}: {TITLE_SUFFIX}"


def weighting_targets(path: Path) -> dict:
    """The pack's `weighting_targets.yaml` as written (population, margins, sources, settings)."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass(frozen=True)
class Counts:
    """Respondents analysed, as the warehouse counts them, per route and per poll."""

    routes: dict[str, int]
    polls: dict[str, int]

    @classmethod
    def of(cls, data) -> Counts:
        """From a `release_status.DataAsOf`: its sources' respondents analysed."""
        polls: dict[str, int] = {}
        for s in data.sources:
            if s.delivered:
                polls[s.poll] = polls.get(s.poll, 0) + s.analysed
        return cls(dict(data.routes), polls)


def _routes(q: Questionnaire, counts: Counts) -> list[str]:
    lines = []
    for route, spec in q.routes.items():
        polls = route_polls(spec)
        total = counts.routes.get(route, 0)
        parts = (
            ""
            if len(polls) == 1
            else " ("
            + "; ".join(f"{p['label']} {counts.polls.get(pid, 0):,}" for pid, p in polls.items())
            + ")"
        )
        weighting = "weighted" if spec["weighted"] else "unweighted"
        lines.append(f"{spec['label']}: {total:,} respondents analysed{parts}, {weighting}.")
    return lines


def _weighting(q: Questionnaire, targets: dict | None, summary: pl.DataFrame) -> list[str]:
    """The weighting of the weighted routes (none: no section)."""
    weighted = route_labels(q, weighted=True)
    if not weighted or targets is None:
        return []
    lines = [
        f"Rim weighting (raking) of {weighted} to {targets['population']} on these "
        f"margins (targets version {targets['version']}):"
    ]
    for m in targets["margins"].values():
        breakdown = q.breakdowns[m["breakdown"]]
        shares = ", ".join(
            f"{breakdown.groups[g][0]} {share:g}%" for g, share in m["targets"].items()
        )
        lines.append(f"{breakdown.label}: {shares} (source: {m['source']}).")
    s = targets["settings"]
    lines.append(
        f"Weights are capped at {s['cap'][0]:g} to {s['cap'][1]:g} times the mean and re-raked; "
        f"every margin is met within {s['tolerance'] * 100:g} percentage points."
    )
    labels = {"combined": f"{weighted} combined"} | {
        poll: spec["label"]
        for route in q.routes.values()
        if route["weighted"]
        for poll, spec in route_polls(route).items()
    }
    achieved = [
        f"{labels.get(r['scope'], r['scope'])}: {r['respondents']:,} respondents, weighting "
        f"efficiency {r['efficiency']:.1%}, effective sample size {r['effective_n']:,.0f}"
        for r in summary.iter_rows(named=True)
    ]
    lines.append("Achieved: " + "; ".join(achieved) + ".")
    return lines


def release_sections(info: PublicationInfo) -> list[tuple[str, list[str]]]:
    """What the release is, when, what comes next, who to contact (the release number, status
    and the pack it was built from come before: `release_marks.cover_sections`)."""
    return [
        ("What this release is", [info.release_description]),
        ("Publication date", [info.published]),
        ("Next update", [info.next_update]),
        ("Contact", [f"{info.contact_team}: {info.contact_web}"]),
    ]


def platform_statistics_sections(
    q: Questionnaire, statistics: pl.DataFrame | None
) -> list[tuple[str, list[str]]]:
    """The platform statistics (`raw.platform_statistics`: metric, value, export_date) as one
    paragraph; nothing when they were not delivered."""
    if statistics is None or statistics.height == 0:
        return []
    spec = q.platform_statistics
    route = q.routes[q.exports[spec["source"]]["route"]]["label"]
    values = dict(zip(statistics["metric"], statistics["value"], strict=True))
    figures = [f"{values[m]:,} {label}" for m, label in spec["metrics"].items() if m in values]
    listed = ", ".join(figures[:-1]) + (" and " if len(figures) > 1 else "") + figures[-1]
    exported = statistics["export_date"][0].isoformat()
    return [
        (
            "Platform statistics",
            [
                f"{route} campaign: {listed}, in addition to the survey responses (platform "
                f"statistics exported on {exported}).",
            ],
        )
    ]


def _about(q: Questionnaire, table_count: int, stance: str | None, charts: bool) -> list[str]:
    survey = q.survey
    first, last = next(iter(q.tables)), list(q.tables)[-1]
    separately = "for each route separately" if len(q.routes) > 1 else "for its one route"
    about = [
        f"{table_count} tables ({first} to {last}) of the results of the {survey['title']}, "
        f"{separately} ({route_labels(q)}), each Total and every breakdown group as a row of "
        "figures, the categories as columns. The Contents sheet links to every sheet; the Notes "
        "sheet holds the notes the tables cite as [note N]"
        + ("; the Figures sheet describes the charts. " if charts else ". ")
        + "Percentages are 0 to 100 throughout (the workbook, the CSVs and the BI file), "
        "shown in the workbook to the nearest whole per cent. The 95% confidence interval of "
        "every percentage is on the sheet after its table (named after the table, ending _CI).",
    ]
    themes = next((t.id for t in q.tables.values() if t.kind == THEMES), None)
    if themes is not None:
        names = sheet_names(themes)
        about.append(
            f"Table {themes} (sheets {', '.join(names[:-1])} and {names[-1]}) counts the themes "
            "of the open comments, for all comments as well as each route and poll, with the "
            f"theme '{stance}' by stance and illustrative quotes (redacted, with their theme and "
            "route only)."
        )
    return about


def significance_text(q: Questionnaire) -> str:
    confidence = round(float(q.analysis["confidence_level"]) * 100)
    tests, intervals = [], []
    if weighted := route_labels(q, weighted=True):
        tests.append(
            f"for the weighted routes ({weighted}) by the design-based Rao-Scott test "
            "(second-order corrected F, as R survey's svychisq)"
        )
        intervals.append(f"logit for {weighted}")
    if unweighted := route_labels(q, weighted=False):
        tests.append(
            f"for the unweighted routes ({unweighted}) by Pearson's chi-square test without "
            "continuity correction"
        )
        intervals.append(f"Wilson for {unweighted}")
    return (
        "Each group is compared with one comparison group of its breakdown (listed on the Notes "
        f"sheet) at the {confidence}% level: {'; '.join(tests)}. Every percentage has a 95% "
        "confidence interval, on the table's interval sheet in this workbook and in the CSVs and "
        f"the BI file ({'; '.join(intervals)})."
    )


def cover_sections(
    q: Questionnaire,
    weighting_summary: pl.DataFrame,
    table_count: int,
    info: PublicationInfo,
    counts: Counts,
    method: list[str],
    targets: dict | None = None,
    platform_statistics: pl.DataFrame | None = None,
    stance: str | None = None,
    charts: bool = True,
) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) in the order the cover shows them. `q` is the warehouse's
    questionnaire, `counts` its respondents analysed, `method` the pack's method text (rendered),
    `targets` the weighting targets (None: no weighted route), `platform_statistics` as read
    from `raw.platform_statistics` (None or empty when not delivered), `stance` the label of the
    codeframe's stance theme (when a table counts comment themes), `charts` whether the release
    has charts."""
    a = q.analysis
    threshold = int(a["small_base_threshold"])
    survey = q.survey
    return [
        *release_sections(info),
        ("About these tables", _about(q, table_count, stance, charts)),
        (
            "Source",
            [
                f"{survey['owner']}. Fieldwork {survey['fieldwork_start']} to "
                f"{survey['fieldwork_end']}. Questionnaire version {q.version}.",
            ],
        ),
        ("Routes", _routes(q, counts)),
        *platform_statistics_sections(q, platform_statistics),
        *([("Methodology", method)] if method else []),
        *([("Weighting", lines)] if (lines := _weighting(q, targets, weighting_summary)) else []),
        (
            "Base rules",
            [
                "Unless a table says otherwise, 'Don't know' and 'Prefer not to say' are excluded "
                "from the base. Each table sheet names its rule:",
                *(base_rule_text(q, rid) for rid in q.base_rules),
            ],
        ),
        ("Significance testing", [significance_text(q)]),
        ("Multiple comparisons", [str(a["multiple_comparisons"])]),
        (
            "Small bases",
            [
                f"Figures on an unweighted base below {threshold} are shown, flagged "
                f"{shorthand.LOW_RELIABILITY} and not tested; nothing is suppressed.",
            ],
        ),
        (
            "Shorthand",
            [f"{symbol}: {meaning}." for symbol, meaning in shorthand.meanings(threshold).items()],
        ),
    ]
