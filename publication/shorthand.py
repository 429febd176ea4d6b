"""Shorthand and flags shown beside (or instead of) a figure, as the Analysis Function advises.

Small bases are flagged, not suppressed (`analysis.small_base_threshold` in the questionnaire: "an
unweighted base below which a figure is flagged, no significance claimed"): the figure is shown
and its flag reads `[u]`.
"""

from __future__ import annotations

SIGNIFICANT = "*"
NOT_SIGNIFICANT = "ns"
LOW_RELIABILITY = "[u]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
CONFIDENTIAL = "[c]"
PROVISIONAL = "[p]"
REVISED = "[r]"


def meanings(small_base_threshold: int) -> dict[str, str]:
    """Each symbol with what it means, in the order sheets explain them."""
    return {
        SIGNIFICANT: "significantly different from its comparison group at the 95% level",
        NOT_SIGNIFICANT: "tested: not significantly different from its comparison group",
        LOW_RELIABILITY: (
            f"low reliability: unweighted base below {small_base_threshold}; the figure is shown "
            "but not tested for significance"
        ),
        NOT_APPLICABLE: (
            "not applicable: no significance test for this figure, or a weighted or effective "
            "base of an unweighted route"
        ),
        NOT_AVAILABLE: "not available: the warehouse holds no figure for this cell",
        CONFIDENTIAL: (
            "confidential: withheld in this provisional release because its base moved by only a "
            "few respondents since the figure was last published"
        ),
        PROVISIONAL: "provisional: fieldwork is still open, the figures will be revised",
        REVISED: "revised: the figure differs from the last provisional release",
    }


def flag(
    *,
    available: bool,
    small_base: bool | None,
    significant: bool | None,
    tested: bool = True,
    suppressed: bool = False,
    revised: bool = False,
) -> str:
    """The flag of one figure (tested: whether figures of its measure are ever tested), with
    `[r]` after it when the figure was revised."""
    symbol = _symbol(available, small_base, significant, tested, suppressed)
    return f"{symbol} {REVISED}" if revised else symbol


def _symbol(available, small_base, significant, tested, suppressed) -> str:
    if suppressed:
        return CONFIDENTIAL
    if not available:
        return NOT_AVAILABLE
    if small_base:
        return LOW_RELIABILITY
    if not tested or significant is None:
        return NOT_APPLICABLE
    return SIGNIFICANT if significant else NOT_SIGNIFICANT
