"""The catalogue of every gate: what stops a release, where, and what a failure holds back.

- `gates(q)`: the Great Expectations gates (orchestration.defs.quality runs each as a blocking
  asset check), on the tables the publishing assets read, and the poll weights (which the marts
  use, so bad weights stop the marts and with them publication);
- `COMMENT_GATES`: the checks of the comments assets (orchestration.defs.comments);
- `RELEASE_GATE`: the release-wide personal-data scan (publication.personal_data_gate), run on
  the staged release before it is swapped in;
- `FIDELITY_CHECK`: the comparison with the reference report, a warning that never blocks.
`catalogue(q)` lists them all. Nothing here imports Great Expectations, and no pack is read at
import: the gates are built for the pack they are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from expectations import bases, rules, weights
from expectations.figures import figures
from expectations.gate import Gate
from survey.questionnaire import Questionnaire, load_questionnaire

ESTIMATES = bases.ESTIMATES
MODAL_RANKS = "marts.fct_modal_ranks"
SUMMARY = "weights.weighting_summary"
MARGINS = "Every weighted margin share within tolerance of its target."
FIGURES = "Percentages in [0, 100]; every figure below the small-base threshold flagged."


def _raw_tables(q: Questionnaire) -> list[str]:
    """The ingest assets' tables (raw.ingest_log and raw.quarantine are written with them)."""
    return [f"raw.{source_id}_responses" for source_id in q.exports]


def _section_marts(q: Questionnaire) -> list[str]:
    """The view of every section's rows (its post-hook writes the per-section tables)."""
    return ["marts.mart_sections"]


def gates(q: Questionnaire | None = None) -> tuple[Gate, ...]:
    """The Great Expectations gates of the pack's warehouse (default: the current pack's)."""
    q = q or load_questionnaire()
    return _gates(q)


def _gates(q: Questionnaire) -> tuple[Gate, ...]:
    return (
        Gate(
            "route_totals",
            ESTIMATES,
            "Respondents per poll and route equal the rows of the latest export less the rows "
            "quarantined, in int_respondents and in every variable's total status rows.",
            bases.route_totals,
            reads=(bases.RESPONDENTS, *_raw_tables(q)),
        ),
        Gate(
            "bases",
            ESTIMATES,
            "Every unweighted base equals the cell's respondents less its base rule's exclusions, "
            "recomputed from the int_responses statuses and the questionnaire.",
            bases.bases,
            reads=(bases.FACTS, bases.RESPONDENTS),
        ),
        Gate(
            "dont_know_rule",
            ESTIMATES,
            "No Don't know in a base whose rule excludes it; every Don't know kept under "
            "include_dk.",
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
        *(
            Gate("figures", mart, FIGURES, figures(mart))
            for mart in (ESTIMATES, *_section_marts(q))
        ),
        Gate(
            "figures", MODAL_RANKS, FIGURES, figures(MODAL_RANKS, ("modal_pct", "pct_ranked_first"))
        ),
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
                "Weighted routes combined: weights sum to the analysed respondents, every "
                "margin within tolerance, efficiency above the floor.",
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
            weights.weighting_margins(
                "marts.mart_weighting_margins", "abs(weighted_diff_pts) / 100"
            ),
            reads=(weights.RESPONDENTS,),
        ),
    )


@dataclass(frozen=True)
class CatalogueEntry:
    """One gate or check: its name, what it guards, what it checks, what a failure holds back
    and where it is implemented."""

    name: str
    guards: str
    description: str
    blocks: str
    defined_in: str


# The automatic coder's Cohen's kappa against the analysts' agreed codes, for every theme, the
# pooled themes and the stance: at least this (0.8: 'almost perfect' agreement, Landis & Koch).
KAPPA_FLOOR = 0.8
HOLDS_RELEASE = "the release (downstream assets of the run are not materialised)"

COMMENT_GATES: dict[str, CatalogueEntry] = {
    e.name: e
    for e in (
        CatalogueEntry(
            "quotes_hold_no_personal_data",
            "comments.published_quotes",
            "Gate: no quote holds personal data (email, phone, postcode, address, NHS / NI"
            " number, name). Blocks everything downstream on a match.",
            HOLDS_RELEASE,
            "orchestration.defs.comments",
        ),
        CatalogueEntry(
            "coder_agrees_with_analysts",
            "comments.coder_agreement",
            f"Gate: the automatic coder's Cohen's kappa against the analysts' agreed codes"
            f" (the pack's coded_comments.csv) is at least {KAPPA_FLOOR} for every theme, the"
            " pooled themes and the stance. A pack without double-coded comments has its"
            " agreement not measured: a warning that does not block (see docs/methodology.md).",
            HOLDS_RELEASE + " when a kappa is below the floor; nothing when not measured",
            "orchestration.defs.comments",
        ),
        CatalogueEntry(
            "exclusion_agrees_with_warehouse",
            "comments.exclusion_counts",
            "Gate: the comments analysed (comments.exclusion.has_suggestion) are those the"
            " warehouse keeps in the base of the open question (int_responses, ref.no_suggestion).",
            HOLDS_RELEASE,
            "orchestration.defs.comments",
        ),
    )
}

RELEASE_GATE = CatalogueEntry(
    "release_holds_no_personal_data",
    "the staged release folder (every file's text)",
    "Gate: no text of any published file holds personal data; on a match the release is not"
    " swapped in and the previous one stays.",
    "the release swap (publication.release)",
    "publication.personal_data_gate",
)

FIDELITY_CHECK = CatalogueEntry(
    "all_figures_reproduced",
    "published.fidelity",
    "Check: every figure of the reference report is reproduced (a warning: only the bundled"
    " sample reproduces the report).",
    "nothing (warns)",
    "orchestration.defs.fidelity",
)


def catalogue(q: Questionnaire | None = None) -> list[CatalogueEntry]:
    """Every gate and check, the Great Expectations gates first."""
    expectation_gates = [
        CatalogueEntry(g.name, g.table, g.description, HOLDS_RELEASE, "orchestration.defs.quality")
        for g in gates(q)
    ]
    return [*expectation_gates, *COMMENT_GATES.values(), RELEASE_GATE, FIDELITY_CHECK]
