"""The numbered notes of the workbook (`[note N]`), from the warehouse's questionnaire and marts
and the pack's route wording (`publication.yaml`, `routes_note`)."""

from __future__ import annotations

from dataclasses import dataclass

from comments.codeframe import Codeframe
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


def theme_notes(small_base_threshold: int, codeframe: Codeframe, routes: str) -> list[Note]:
    """The notes of the comment-themes table: coding and counting, the stance split, the quotes
    (`routes`: the routes' labels, as the text names them)."""
    stances = codeframe.stance_theme.stances
    placeholders = ", ".join(k.placeholder for k in KINDS)
    return [
        Note(
            "themes",
            "Open comments: comments with a suggestion are coded to the themes of the "
            f"codeframe (version {codeframe.version}) by its rules; analysts' manual codes "
            "take precedence. A comment can carry several themes, so the theme counts add to more "
            f"than the comments analysed; one on none of them counts as '{codeframe.other.label}'. "
            "Counts and percentages are unweighted in both routes (they count comments, they do "
            "not estimate shares of Londoners) and are not tested for significance; a percentage "
            "is of the group's comments analysed. 'All comments' pools the routes ("
            f"{routes}): the "
            "only figures in these tables that combine the routes. "
            "Themes are ranked by their number of all comments (ties share a rank); "
            f"'{codeframe.other.label}' is not ranked. A percentage on fewer than "
            f"{small_base_threshold} comments is flagged {shorthand.LOW_RELIABILITY}.",
        ),
        Note(
            "stance",
            f"Comments on the theme '{codeframe.stance_theme.label}' are split by the stance of "
            "their suggestion ("
            + "; ".join(f"'{st.label}'" for st in stances)
            + "), by the codeframe's rules; percentages are of the group's comments on the theme.",
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


def route_labels(q: Questionnaire, weighted: bool | None = None) -> str:
    """'A', 'A and B', 'A, B and C': the labels of the routes (only the weighted or unweighted
    ones when `weighted` says which; '' when there are none)."""
    labels = [
        s["label"] for s in q.routes.values() if weighted is None or s["weighted"] == weighted
    ]
    return ", ".join(labels[:-1]) + (" and " if len(labels) > 1 else "") + "".join(labels[-1:])


def routes_note(q: Questionnaire) -> str:
    """The note on the routes when the pack writes none: each route and its weighting."""
    parts = [
        f"{s['label']} is {'weighted' if s['weighted'] else 'unweighted'}"
        for s in q.routes.values()
    ]
    if len(q.routes) == 1:
        return parts[0] + "."
    return "The routes are reported separately and never combined: " + "; ".join(parts) + "."


def build_notes(
    q: Questionnaire,
    est: Estimates,
    routes_text: str | None = None,
    codeframe: Codeframe | None = None,
    charts: str | None = None,
) -> Notes:
    """The notes: `routes_text` is the pack's note on the routes (rendered; None: a generic
    one), `codeframe` the pack's (None when no table counts comment themes), `charts` a note on
    the charts when the release has none (why)."""
    a = q.analysis
    threshold = int(a["small_base_threshold"])
    confidence = round(float(a["confidence_level"]) * 100)
    weighted = route_labels(q, weighted=True)
    unweighted = route_labels(q, weighted=False)
    partial = [
        f"{b.label} is shown for " + " and ".join(q.routes[r]["label"] for r in b.routes) + " only."
        for b in q.breakdowns.values()
        if set(b.routes) != set(q.routes)
    ]
    every = "both routes" if len(q.routes) == 2 else "every route"
    percent_of = "; ".join(
        x
        for x in (
            weighted and f"weighted for {weighted}",
            unweighted and f"unweighted for {unweighted}",
        )
        if x
    )
    bases = "Unweighted base: respondents in the base."
    if weighted:
        bases += (
            f" Weighted base ({weighted}): the sum of their weights. Effective base ({weighted}): "
            "the Kish effective sample size (sum of weights) squared / sum of squared weights, "
            "the base the significance tests use."
        )
    if unweighted and weighted:
        bases += (
            f" Weighting does not apply to {unweighted}, so its weighted and effective bases "
            f"read {shorthand.NOT_APPLICABLE}."
        )
    tests = "; ".join(
        x
        for x in (
            weighted
            and f"by the design-based Rao-Scott test (second-order corrected F) for {weighted}",
            unweighted
            and f"by Pearson's chi-square test (no continuity correction) for {unweighted}",
        )
        if x
    )
    notes = [
        Note("routes", routes_text or routes_note(q)),
        Note(
            "percentages",
            f"Percentages are of the base shown below each block of rows: {percent_of}. They "
            "are stored unrounded and shown to the nearest whole per cent, so they may not add to "
            "100. Each table's 95% confidence intervals are on the sheet after it (its name ends "
            "_CI).",
        ),
        Note(
            "nets",
            "Net rows add answer categories of the scale (the sheet lists which); a net may differ "
            "by one point from the sum of its rounded categories.",
        ),
        *(Note(f"base:{rid}", base_rule_text(q, rid)) for rid in q.base_rules),
        Note(
            "routing",
            "Questions asked only of some respondents (those whose earlier answer made the "
            "question apply) have those not asked outside the base.",
        ),
        Note("bases", bases),
        Note(
            "significance",
            "Significance: each group is compared with one comparison group of its breakdown at "
            f"the {confidence}% level, {tests}. In the flag column next to each figure, "
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
        Note("partial_breakdowns", " ".join(partial) or f"Every breakdown is shown for {every}."),
        Note(
            "multi",
            "Respondents could select more than one option, so the percentages add to more than "
            "100.",
        ),
        Note(
            "ranking",
            "Ranking: respondents ranked the items from 1 (first) downwards. Rows give the share "
            "placing an item at each rank; 'Most common rank' is the rank given most often (a "
            "number, not a percentage).",
        ),
        *(theme_notes(threshold, codeframe, route_labels(q)) if codeframe else []),
        *([Note("charts", charts)] if charts else []),
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
