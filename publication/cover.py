"""The cover sheet's sections: what the tables are, how they were made, how to read them."""

from __future__ import annotations

import polars as pl
import yaml

from publication import shorthand
from publication.metadata import PublicationInfo
from publication.notes import base_rule_text
from publication.tables import THEMES
from survey.poll_weights import targets_path
from survey.questionnaire import Questionnaire

TITLE_SUFFIX = "supplementary tables"


def title(q: Questionnaire) -> str:
    return f"{q.survey['title']}: {TITLE_SUFFIX}"


def _routes(q: Questionnaire) -> list[str]:
    lines = []
    for spec in q.routes.values():
        polls = spec["polls"]
        total = sum(p["respondents"] for p in polls.values())
        parts = (
            ""
            if len(polls) == 1
            else " ("
            + "; ".join(f"{p['label']} {p['respondents']:,}" for p in polls.values())
            + ")"
        )
        weighting = "weighted" if spec["weighted"] else "unweighted"
        lines.append(f"{spec['label']}: {total:,} respondents{parts}, {weighting}.")
    return lines


def weighting_targets() -> dict:
    """`survey/weighting_targets.yaml` as written (population, margins, sources, settings)."""
    with open(targets_path(), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _weighting(q: Questionnaire, targets: dict, summary: pl.DataFrame) -> list[str]:
    lines = [
        f"Rim weighting (raking) of the combined Polls to {targets['population']} on these "
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
    labels = {"combined": "Polls combined"} | {
        poll: spec["label"] for poll, spec in q.routes["polls"]["polls"].items()
    }
    achieved = [
        f"{labels.get(r['scope'], r['scope'])}: {r['respondents']:,} respondents, weighting "
        f"efficiency {r['efficiency']:.1%}, effective sample size {r['effective_n']:,.0f}"
        for r in summary.iter_rows(named=True)
    ]
    lines.append("Achieved: " + "; ".join(achieved) + ".")
    return lines


def release_sections(q: Questionnaire, info: PublicationInfo) -> list[tuple[str, list[str]]]:
    """What the release is, when, what comes next, who to contact. (The release number and
    status belong here, as another (heading, paragraphs) entry.)"""
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


def cover_sections(
    q: Questionnaire,
    weighting_summary: pl.DataFrame,
    table_count: int,
    info: PublicationInfo,
    platform_statistics: pl.DataFrame | None = None,
) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) in the order the cover shows them; `platform_statistics` as read
    from `raw.platform_statistics` (None or empty when not delivered)."""
    a = q.analysis
    threshold = int(a["small_base_threshold"])
    survey = q.survey
    first, last = next(iter(q.tables)), list(q.tables)[-1]
    themes = next(t.id for t in q.tables.values() if t.kind == THEMES)
    return [
        *release_sections(q, info),
        (
            "About these tables",
            [
                f"{table_count} tables ({first} to {last}) of the results of the "
                f"{survey['title']}, for Talk London and the Polls separately, each Total and "
                "every breakdown group as a row of figures, the categories as columns. The "
                "Contents sheet links to every sheet; the Notes sheet holds the notes the tables "
                "cite as [note N]; the Figures sheet describes the charts. Percentages are 0 to "
                "100 throughout (the workbook, the CSVs and the BI file), shown in the workbook "
                "to the nearest whole per cent.",
                f"Table {themes} (sheets {themes}, {themes}_drugs and {themes}_quotes) counts the "
                "themes of the open comments, for all comments as well as each route and poll, "
                "with the drugs theme by stance and illustrative quotes (redacted, with their "
                "theme and route only).",
            ],
        ),
        (
            "Source",
            [
                f"{survey['owner']}. Fieldwork {survey['fieldwork_start']} to "
                f"{survey['fieldwork_end']}. Questionnaire version {q.version}.",
            ],
        ),
        ("Routes", _routes(q)),
        *platform_statistics_sections(q, platform_statistics),
        (
            "Methodology",
            [
                "Talk London: an online survey open to all members of City Hall's online "
                "community, advertised through a paid social media campaign; a self-selected "
                "sample, reported unweighted.",
                "Polls: two online YouGov polls using quota sampling, a Representative Poll of "
                "Londoners and a BAME Boost Poll of Black, Asian and minority ethnic Londoners, "
                "combined and weighted back to London's adult population.",
                "The two routes use different methods and are never combined.",
            ],
        ),
        ("Weighting", _weighting(q, weighting_targets(), weighting_summary)),
        (
            "Base rules",
            [
                "Unless a table says otherwise, 'Don't know' and 'Prefer not to say' are excluded "
                "from the base. Each table sheet names its rule:",
                *(base_rule_text(q, rid) for rid in q.base_rules),
            ],
        ),
        (
            "Significance testing",
            [
                "Each group is compared with one comparison group of its breakdown (listed on "
                "the Notes sheet) at the "
                f"{round(float(a['confidence_level']) * 100)}% level: for the weighted Polls by "
                "the design-based Rao-Scott test (second-order corrected F, as R survey's "
                "svychisq), for unweighted Talk London by Pearson's chi-square test without "
                "continuity correction. Every percentage has a 95% confidence interval in the "
                "CSVs and the BI file (logit for the Polls, Wilson for Talk London).",
            ],
        ),
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
