"""Every gate, on the table it guards: the tables the publishing assets read, and the poll weights
(which the marts use, so bad weights stop the marts and with them publication)."""

from __future__ import annotations

from expectations import bases, rules, weights
from expectations.figures import figures
from expectations.gate import Gate
from survey.questionnaire import load_questionnaire

ESTIMATES = bases.ESTIMATES
MODAL_RANKS = "marts.fct_modal_ranks"
SUMMARY = "weights.weighting_summary"
MARGINS = "Every weighted margin share within tolerance of its target."
FIGURES = "Percentages in [0, 100]; every figure below the small-base threshold flagged."


def _raw_tables() -> list[str]:
    """The ingest assets' tables (raw.ingest_log and raw.quarantine are written with them)."""
    return [f"raw.{source_id}_responses" for source_id in load_questionnaire().exports]


def _section_marts() -> list[str]:
    """The view of every section's rows (its post-hook writes the per-section tables)."""
    return ["marts.mart_sections"]


GATES: tuple[Gate, ...] = (
    Gate(
        "route_totals",
        ESTIMATES,
        "Respondents per poll and route equal the rows of the latest export less the rows "
        "quarantined, in int_respondents and in every variable's total status rows.",
        bases.route_totals,
        reads=(bases.RESPONDENTS, *_raw_tables()),
    ),
    Gate(
        "bases",
        ESTIMATES,
        "Every unweighted base equals the cell's respondents less its base rule's exclusions, "
        "recomputed from the int_responses flags and the questionnaire.",
        bases.bases,
        reads=(bases.FACTS, bases.RESPONDENTS),
    ),
    Gate(
        "dont_know_rule",
        ESTIMATES,
        "No Don't know in a base whose rule excludes it; every Don't know kept under include_dk.",
        rules.missing_kind_rule("dont_know"),
        reads=(bases.FACTS,),
    ),
    Gate(
        "not_applicable_rule",
        ESTIMATES,
        "No Not applicable in a base whose rule excludes it (exclude_na).",
        rules.missing_kind_rule("not_applicable"),
        reads=(bases.FACTS,),
    ),
    Gate(
        "nets",
        ESTIMATES,
        "Every net's counts equal the sums of its member codes' counts in the same cell.",
        rules.nets,
    ),
    Gate(
        "distributions",
        ESTIMATES,
        "Single-choice and rank distributions sum to 100 in every cell with a base.",
        rules.distributions,
    ),
    *(Gate("figures", mart, FIGURES, figures(mart)) for mart in (ESTIMATES, *_section_marts())),
    Gate("figures", MODAL_RANKS, FIGURES, figures(MODAL_RANKS, ("modal_pct", "pct_ranked_first"))),
    Gate(
        "poll_weights",
        "weights.poll_weights",
        "Weights positive, one per analysed respondent of the weighted routes, summing to "
        "their number.",
        weights.poll_weights,
        reads=(weights.RESPONDENTS,),
    ),
    *(
        Gate(
            "weighting_efficiency",
            table,
            "Combined polls: weights sum to the analysed respondents, every margin within "
            "tolerance, efficiency above the floor.",
            weights.weighting_efficiency(table),
            reads=(weights.RESPONDENTS,),
        )
        for table in (SUMMARY, "marts.mart_weighting")
    ),
    Gate(
        "weighting_margins",
        SUMMARY,
        MARGINS,
        weights.weighting_margins(
            "weights.weighting_margins", "abs(weighted_share - target_share)"
        ),
        reads=("weights.weighting_margins", weights.RESPONDENTS),
    ),
    Gate(
        "weighting_margins",
        "marts.mart_weighting_margins",
        MARGINS,
        weights.weighting_margins("marts.mart_weighting_margins", "abs(weighted_diff_pts) / 100"),
        reads=(weights.RESPONDENTS,),
    ),
)
