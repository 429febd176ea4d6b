"""The numbered notes of the workbook (`[note N]`), from the questionnaire and the marts."""

from __future__ import annotations

from dataclasses import dataclass

from comments.codeframe import load_codeframe
from comments.personal_data import KINDS
from comments.quotes import MIN_GROUP_COMMENTS, QUOTES_PER_ROUTE
from comments.redaction import MAX_QUOTE_CHARS
from publication import shorthand
from publication.estimates import TOTAL, Estimates
from survey.questionnaire import Questionnaire, TableSpec

STATUS_PHRASES = {
    "dont_know": "'Don't know'",
    "prefer_not_to_say": "'Prefer not to say'",
    "not_applicable": "'Not applicable'",
    "skipped": "those who skipped the question",
    "no_suggestion": "comments without a suggestion",
}
REST = "rest"


@dataclass(frozen=True)
class Note:
    key: str
    text: str


class Notes:
    """Notes in order; `ref(key)` is the `[note N]` marker sheets cite."""

    def __init__(self, notes: list[Note]) -> None:
        self.notes = notes
        self._number = {n.key: i for i, n in enumerate(notes, start=1)}

    def ref(self, key: str) -> str:
        return f"[note {self._number[key]}]"

    def refs(self, keys: list[str]) -> str:
        return " ".join(self.ref(k) for k in dict.fromkeys(keys))


def base_rule_text(q: Questionnaire, rule_id: str) -> str:
    rule = q.base_rules[rule_id]
    excluded = ", ".join(STATUS_PHRASES.get(k, k) for k in rule.exclude)
    text = f"Base rule '{rule_id}': the base excludes {excluded}"
    if rule.no_suggestion:
        examples = ", ".join(f"'{s}'" for s in rule.no_suggestion if s.strip(" .-"))
        text += (
            f" (a comment is without a suggestion when it is blank, reads {examples}, or has no "
            "letter or digit)"
        )
    return text + (f". Report footnote {rule.footnote}." if rule.footnote else ".")


def comparisons_text(q: Questionnaire, est: Estimates) -> str:
    """The comparison each group is tested against, as the marts hold it."""
    pairs = (
        est.frame.filter(
            (est.frame["breakdown"] != TOTAL) & est.frame["compared_with"].is_not_null()
        )
        .select("route", "breakdown", "group_id", "compared_with")
        .unique()
    )
    against = {(r, b, g): other for r, b, g, other in pairs.iter_rows()}
    parts = []
    for route, spec in q.routes.items():
        tests = [
            f"{b.label}: {label} vs "
            + ("all other respondents" if other == REST else b.groups[other][0])
            for b in q.breakdowns.values()
            for gid, (label, _) in b.groups.items()
            if (other := against.get((route, b.id, gid))) is not None
        ]
        parts.append(f"{spec['label']}: " + ("; ".join(tests) or "none") + ".")
    return " ".join(parts)


def theme_notes(small_base_threshold: int) -> list[Note]:
    """The notes of Table I1: coding and counting, the drugs split, the quotes."""
    codeframe = load_codeframe()
    stances = codeframe.stance_theme.stances
    placeholders = ", ".join(k.placeholder for k in KINDS)
    return [
        Note(
            "themes",
            "Open comments (Table I1): comments with a suggestion are coded to the themes of the "
            f"codeframe (version {codeframe.version}) by its rules; analysts' manual codes "
            "take precedence. A comment can carry several themes, so the theme counts add to more "
            f"than the comments analysed; one on none of them counts as '{codeframe.other.label}'. "
            "Counts and percentages are unweighted in both routes (they count comments, they do "
            "not estimate shares of Londoners) and are not tested for significance; a percentage "
            "is of the group's comments analysed. 'All comments' pools the two routes, as the "
            "report's Section I does: the only figures in these tables that combine the routes. "
            "Themes are ranked by their number of all comments (ties share a rank); "
            f"'{codeframe.other.label}' is not ranked. A percentage on fewer than "
            f"{small_base_threshold} comments is flagged {shorthand.LOW_RELIABILITY}.",
        ),
        Note(
            "drugs",
            "Comments on drugs are split by the stance of their suggestion ("
            + "; ".join(f"'{st.label}'" for st in stances)
            + "), by the codeframe's rules; percentages are of the group's comments on drugs.",
        ),
        Note(
            "quotes",
            "Quotes come only from respondents who agreed to be quoted anonymously, on themes "
            f"with at least {MIN_GROUP_COMMENTS} comments in the route, at most "
            f"{QUOTES_PER_ROUTE} per theme and route. Personal data (names where detectable, "
            "email addresses, phone numbers, UK postcodes, street addresses, NHS and National "
            f"Insurance numbers) is replaced by a placeholder ({placeholders}) and a quote is "
            f"cut to {MAX_QUOTE_CHARS} characters. A quote shows its theme and route only. Every "
            "text of the published files is scanned for personal data before release; a match "
            "stops the release.",
        ),
    ]


def build_notes(q: Questionnaire, est: Estimates) -> Notes:
    a = q.analysis
    threshold = int(a["small_base_threshold"])
    confidence = round(float(a["confidence_level"]) * 100)
    polls = q.routes["polls"]["polls"]
    partial = [
        f"{b.label} is shown for " + " and ".join(q.routes[r]["label"] for r in b.routes) + " only."
        for b in q.breakdowns.values()
        if set(b.routes) != set(q.routes)
    ]
    notes = [
        Note(
            "routes",
            "Talk London and the Polls are reported separately and never combined. Talk London was "
            "open to all members of City Hall's online community (a self-selected sample) and is "
            "unweighted. The Polls combine YouGov's "
            + " and ".join(p["label"] for p in polls.values())
            + ", weighted to London's adult population (see the Cover sheet, Weighting).",
        ),
        Note(
            "percentages",
            "Percentages are of the base shown below each block of rows: unweighted for Talk "
            "London, weighted for the Polls. They are stored unrounded and shown to the nearest "
            "whole per cent, so they may not add to 100.",
        ),
        Note(
            "nets",
            "Net rows add answer categories of the scale (the sheet lists which); a net may differ "
            "by one point from the sum of its rounded categories.",
        ),
        *(Note(f"base:{rid}", base_rule_text(q, rid)) for rid in q.base_rules),
        Note(
            "routing",
            "Questions asked only of some respondents (for example whether a crime was reported, "
            "asked only of victims) have those not asked outside the base.",
        ),
        Note(
            "bases",
            "Unweighted base: respondents in the base. Weighted base (Polls): the sum of their "
            "weights. Effective base (Polls): the Kish effective sample size (sum of weights) "
            "squared / sum of squared weights, the base the significance tests use. Weighting does "
            "not apply to Talk London, so its weighted and effective bases read [z].",
        ),
        Note(
            "significance",
            "Significance: each group is compared with one comparison group of its breakdown at "
            f"the {confidence}% level, by the design-based Rao-Scott test (second-order "
            "corrected F) for the weighted Polls and by Pearson's chi-square test (no continuity "
            "correction) for Talk London. In the flag column next to each figure, "
            f"{shorthand.SIGNIFICANT} marks a significant difference and "
            f"{shorthand.NOT_SIGNIFICANT} a tested difference that is not significant.",
        ),
        Note("comparisons", "Comparisons tested. " + comparisons_text(q, est)),
        Note("multiple_comparisons", "Multiple comparisons: " + str(a["multiple_comparisons"])),
        Note(
            "small_base",
            f"Figures on an unweighted base below {threshold} are shown but flagged "
            f"{shorthand.LOW_RELIABILITY} (low reliability) and not tested for significance. "
            "Figures are flagged, never suppressed, so every sheet applies the same rule.",
        ),
        Note(
            "partial_breakdowns", " ".join(partial) or "Every breakdown is shown for both routes."
        ),
        Note(
            "multi",
            "Respondents could select more than one option, so the percentages add to more than "
            "100.",
        ),
        Note(
            "ranking",
            "Ranking: respondents ranked the four priorities from 1 (most important) to 4. Rows "
            "give the share placing a priority at each rank; 'Most common rank' is the rank given "
            "most often (a number, not a percentage).",
        ),
        *theme_notes(threshold),
        Note(
            "text_safety",
            "A text cell that would begin with =, +, -, @, a tab or a carriage return starts with "
            "an apostrophe instead, so that spreadsheet software cannot run it as a formula.",
        ),
    ]
    return Notes(notes)


def table_note_keys(spec: TableSpec, q: Questionnaire) -> list[str]:
    """The notes a table sheet cites."""
    variables = [q.variables[v] for v in spec.variables]
    keys = ["routes", "percentages", "bases"]
    keys += [f"base:{v.base_rule}" for v in variables]
    if any(v.asked_if for v in variables):
        keys.append("routing")
    if any(v.scale and v.scale.nets for v in variables):
        keys.append("nets")
    if spec.kind == "multi":
        keys.append("multi")
    if spec.kind.startswith("rank"):
        keys.append("ranking")
    keys += ["significance", "comparisons", "small_base", "partial_breakdowns"]
    return keys
