"""Plausible respondents of any pack, from the pack alone (no calibration to a report).

Profile: each demographic question's codes are allocated exactly (largest remainder, then a
seeded shuffle) from shares that follow the weighting targets where a margin covers the question
(tilted, so that weighting has work to do) and are drawn at random otherwise. A weighted route
only gets codes its margins can weight; an unweighted one also a few Prefer not to say.

Answers: one latent attitude per respondent (noise plus an effect for each breakdown group, so
that groups differ) drives an ordered-logit answer on every ordinal scale, a selection propensity
for multi-select options and the worth of ranking items. Missing kinds (Not applicable, Don't
know, Prefer not to say) come at small, variable-specific rates; `asked_if` and `skippable`
leave cells blank.

Comments: written from the codeframe's own terms (one to three themes per comment, the stance
theme's stance stated in the same sentence), plus comments without a suggestion (the comment base
rule's phrases) and blanks. The intended themes are kept: they are what an analyst would code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from sample_generator.respondents import BLANK, Frame
from survey.questionnaire import Question, Questionnaire, Variable

MISSING_RATES = {  # (low, high) share of a variable's answers in each missing kind
    "not_applicable": (0.03, 0.15),
    "dont_know": (0.02, 0.08),
    "prefer_not_to_say": (0.005, 0.02),
}
UNMATCHED_SHARE = 0.012  # profile codes in no group (Prefer not to say, outside the area)
SKIP_RATE = (0.03, 0.08)  # skippable questions and rankings: share who leave them blank
COMMENT_BLANK = (0.35, 0.5)
COMMENT_NO_SUGGESTION = (0.08, 0.15)
COMMENT_OTHER = 0.1  # share of substantive comments on none of the codeframe's themes
BAND = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)|\+)\s*$")
OPEN_BAND_SPAN = 15  # years above an open band's lower bound ('75+': 75-90)

LEADS = (
    "Please do more about {t}.",
    "The plan should say more about {t}.",
    "My main concern is {t}.",
    "I would like the council to prioritise {t}.",
    "Something needs to be done about {t}.",
    "{T} should come first.",
)
STANCE_LEADS = ("On {t}: {s}.", "About {t}, {s}.", "{T}: {s}.")
OTHER_COMMENTS = (
    "Thank you for the chance to comment.",
    "The consultation document was long but clear.",
    "I hope the council listens to what people say this time.",
    "Please publish the results and what will change as a result.",
    "The council should think about the long term.",
    "It is hard to judge without seeing the costs.",
)


@dataclass
class CommentPlan:
    """Comment texts of one frame and what an analyst would code them to."""

    texts: list[str]
    themes: list[tuple[str, ...]]  # empty: blank or no suggestion
    stances: list[str | None]  # the stance theme's stance, when the comment has that theme


@dataclass
class PackModel:
    """Random but fixed characteristics of the pack's questions, shared by every route."""

    lean: dict[str, float] = field(default_factory=dict)
    sensitivity: dict[str, float] = field(default_factory=dict)
    missing: dict[str, dict[str, float]] = field(default_factory=dict)
    group_effect: dict[str, dict[str, float]] = field(default_factory=dict)
    route_offset: dict[str, float] = field(default_factory=dict)


def pack_model(q: Questionnaire, rng: np.random.Generator) -> PackModel:
    model = PackModel()
    for bid, breakdown in q.breakdowns.items():
        model.group_effect[bid] = {g: float(rng.normal(0, 0.35)) for g in breakdown.groups}
    for route in q.routes:
        model.route_offset[route] = float(rng.normal(0, 0.3))
    for v in q.exported_variables():
        model.lean[v.id] = float(rng.normal(0, 0.9))
        model.sensitivity[v.id] = float(rng.uniform(0.3, 1.0) * rng.choice([-1, 1]))
        model.missing[v.id] = {
            kind: float(rng.uniform(*rates)) for kind, rates in MISSING_RATES.items()
        }
    return model


def largest_remainder(shares: np.ndarray, n: int) -> np.ndarray:
    """Integer counts summing to n, proportional to `shares`."""
    x = shares / shares.sum() * n
    base = np.floor(x).astype(int)
    base[np.argsort(-(x - base))[: n - int(base.sum())]] += 1
    return base


def _margin_for(question_id: str, q: Questionnaire, scheme) -> dict | None:
    if scheme is None:
        return None
    for spec in scheme.margins.values():
        if q.breakdowns[spec["breakdown"]].source == question_id:
            return spec
    return None


def profile_shares(
    question: Question, q: Questionnaire, scheme, weighted: bool, rng: np.random.Generator
) -> dict[int, float]:
    """Share of each code of a demographic question in one poll (before allocation)."""
    codes = list(question.scale.codes)
    numeric_age = bool(question.raw.get("yougov_numeric_age"))
    shares = dict.fromkeys(codes, 0.0)
    margin = _margin_for(question.id, q, scheme)
    tilt = 0.25 if weighted else 0.45
    if margin is not None:
        groups = q.breakdowns[margin["breakdown"]].groups
        for gid, target in margin["targets"].items():
            members = groups[gid][1]
            for code in members:
                shares[code] += target / 100 * float(np.exp(rng.normal(0, tilt))) / len(members)
        keeps_unmatched = margin.get("unmatched") == "keep_sample_share"
        grouped = {c for _, members in groups.values() for c in members}
    else:
        grouped = {
            c
            for b in q.breakdowns.values()
            if b.source == question.id
            for _, members in b.groups.values()
            for c in members
        }
        substantive = [c for c in codes if q.missing_kind(c) is None]
        for code, share in zip(substantive, rng.dirichlet([4.0] * len(substantive)), strict=True):
            shares[code] = float(share)
        keeps_unmatched = True
    for code in codes:
        if code in grouped or (margin is None and q.missing_kind(code) is None):
            continue
        # codes no group (or margin) covers: a few, where the route's weighting allows them
        allowed = keeps_unmatched or not weighted
        shares[code] = UNMATCHED_SHARE if allowed and not numeric_age else 0.0
    return shares


def allocate(shares: dict[int, float], n: int, rng: np.random.Generator) -> np.ndarray:
    codes = np.array(list(shares))
    counts = largest_remainder(np.array(list(shares.values())), n)
    return rng.permutation(np.repeat(codes, counts))


def age_in_years(question: Question, bands: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Age in years within each respondent's band, from the band labels ('18-24', '75+')."""
    years = np.zeros(len(bands), dtype=int)
    for code, label in question.scale.codes.items():
        found = BAND.match(label)
        if not found:
            continue
        low = int(found[1])
        high = int(found[2]) if found[2] else low + OPEN_BAND_SPAN
        mask = bands == code
        years[mask] = rng.integers(low, high, size=int(mask.sum()), endpoint=True)
    return years


def build_profile(
    frame: Frame, q: Questionnaire, scheme, weighted: bool, rng: np.random.Generator
) -> None:
    for question in q.questions.values():
        if question.type != "demographic":
            continue
        shares = profile_shares(question, q, scheme, weighted, rng)
        frame.codes[question.id] = allocate(shares, frame.n, rng)
        if question.raw.get("yougov_numeric_age"):
            frame.age_years = age_in_years(question, frame.codes[question.id], rng)


def attitude(frame: Frame, q: Questionnaire, model: PackModel, route: str, rng) -> np.ndarray:
    """The latent attitude of each respondent: noise, a route offset and group effects."""
    z = rng.normal(0, 0.8, frame.n) + model.route_offset[route]
    for bid, breakdown in q.breakdowns.items():
        codes = frame.codes.get(breakdown.source)
        if codes is None:
            continue
        for gid, (_, members) in breakdown.groups.items():
            z += model.group_effect[bid][gid] * np.isin(codes, members)
    return z


def ordinal(v: Variable, q: Questionnaire, model: PackModel, z: np.ndarray, rng) -> np.ndarray:
    """Codes of one single-choice variable: ordered logit over its substantive codes, then the
    missing kinds its scale has at the variable's rates."""
    substantive = sorted(c for c in v.scale.codes if q.missing_kind(c) is None)
    k = len(substantive)
    eta = model.lean[v.id] + model.sensitivity[v.id] * z
    if k == 1:
        out = np.full(len(z), substantive[0])
    else:
        spread = 1.2 + 0.15 * k
        cuts = np.linspace(-spread, spread, k - 1)
        below = 1 / (1 + np.exp(-(cuts[None, :] - eta[:, None])))
        index = (rng.uniform(size=len(z))[:, None] > below).sum(axis=1)
        out = np.array(substantive)[index]
    for kind, rate in model.missing[v.id].items():
        code = q.missing_codes[kind]
        if code in v.scale.codes:
            out[rng.uniform(size=len(z)) < rate] = code
    return out


def multi(question: Question, q: Questionnaire, model: PackModel, z: np.ndarray, rng):
    """{variable id: 0/1 codes}: exclusive options alone, at most `max_selected` others, and
    everyone who answers selects something."""
    options = [v for v in q.variables.values() if v.question_id == question.id]
    n = len(z)
    out = {v.id: np.zeros(n, dtype=int) for v in options}
    free = np.ones(n, dtype=bool)
    for v in (v for v in options if v.exclusive):
        take = free & (rng.uniform(size=n) < rng.uniform(0.015, 0.05))
        out[v.id][take] = 1
        free &= ~take
    choices = [v for v in options if not v.exclusive]
    scores = np.column_stack(
        [model.lean[v.id] - 0.6 + model.sensitivity[v.id] * z for v in choices]
    ) + rng.logistic(size=(n, len(choices)))
    picked = scores > 0
    limit = int(question.raw.get("max_selected", len(choices)))
    order = np.argsort(-scores, axis=1)
    rank = np.empty_like(order)
    rank[np.arange(n)[:, None], order] = np.arange(len(choices))
    picked &= rank < limit
    picked[np.arange(n), order[:, 0]] = True  # everyone who answers picks something
    for j, v in enumerate(choices):
        out[v.id][free & picked[:, j]] = 1
    return out


def ranking(question: Question, q: Questionnaire, model: PackModel, z: np.ndarray, rng):
    """{item id: rank}: a full ranking (Plackett-Luce by item worth), blank for those who did
    not rank."""
    items = [v for v in q.variables.values() if v.question_id == question.id]
    n = len(z)
    worth = np.column_stack([model.lean[v.id] + model.sensitivity[v.id] * z for v in items])
    order = np.argsort(-(worth + rng.gumbel(size=worth.shape)), axis=1)
    ranks = np.empty_like(order)
    ranks[np.arange(n)[:, None], order] = np.arange(1, len(items) + 1)
    ranks[rng.uniform(size=n) < rng.uniform(*SKIP_RATE)] = BLANK
    return {v.id: ranks[:, j].copy() for j, v in enumerate(items)}


def answer(frame: Frame, q: Questionnaire, model: PackModel, route: str, rng) -> None:
    """Every exported answer of `frame` but the profile and open text, in questionnaire order
    (a question's `asked_if` refers to one asked before it)."""
    z = attitude(frame, q, model, route, rng)
    for question in q.questions.values():
        if question.type in ("demographic", "open_text", "derived"):
            continue
        asked = np.ones(frame.n, dtype=bool)
        condition = question.raw.get("asked_if")
        if condition:
            asked &= np.isin(frame.codes[condition["question"]], condition["codes"])
        if question.raw.get("skippable"):
            asked &= rng.uniform(size=frame.n) >= rng.uniform(*SKIP_RATE)
        if question.type == "multi":
            codes = multi(question, q, model, z, rng)
        elif question.type == "ranking":
            codes = ranking(question, q, model, z, rng)
        else:
            codes = {
                v.id: ordinal(v, q, model, z, rng)
                for v in q.variables.values()
                if v.question_id == question.id
            }
        for vid, values in codes.items():
            frame.codes[vid] = np.where(asked, values, BLANK)


def _term_text(term: str, plural: bool = True) -> str:
    """A term as a comment writes it. A wildcard word is its stem ('bike*': 'bikes' in a noun's
    place, 'scrap*': 'scrap' in a stance), an 'e' added after a final 'c' ('displac*':
    'displace'); every form still matches the term."""
    words = []
    for word in term.split():
        if word.endswith("*"):
            stem = word.removesuffix("*")
            stem += "e" if stem.endswith("c") else ""
            word = stem + ("s" if plural and not stem.endswith("s") else "")
        words.append(word)
    return " ".join(words)


def _plain_first(terms: tuple[str, ...], rng) -> str:
    """A term to write, preferring one without wildcards (it reads as written)."""
    plain = [t for t in terms if "*" not in t]
    return str(rng.choice(plain or list(terms)))


def _sentence(template: str, term: str, stance: str = "") -> str:
    text = template.format(t=term, T=term[:1].upper() + term[1:], s=stance)
    return text[:1].upper() + text[1:]


def _theme_sentence(theme, stance_id: str | None, rng) -> str:
    rule = theme.rules[int(rng.integers(len(theme.rules)))]
    term = _term_text(str(rng.choice(rule.any)))
    if rule.with_:
        term = f"{term} and {_term_text(str(rng.choice(rule.with_)))}"
    if stance_id is None:
        return _sentence(str(rng.choice(LEADS)), term)
    stance = next(s for s in theme.stances if s.id == stance_id)
    if not stance.rules:
        return _sentence(str(rng.choice(LEADS)), term)
    stance_rule = stance.rules[int(rng.integers(len(stance.rules)))]
    said = _term_text(_plain_first(stance_rule.any, rng), plural=False)
    return _sentence(str(rng.choice(STANCE_LEADS)), term, said)


def plan_comments(n: int, q: Questionnaire, codeframe, rng) -> CommentPlan:
    """Comments of `n` respondents for the codeframe's question (or, without a codeframe, text
    on no theme)."""
    no_suggestion = (
        [p for p in q.base_rules["comment"].no_suggestion if p.strip(" .-")]
        if ("comment" in q.base_rules)
        else ["No"]
    )
    themes = codeframe.themes if codeframe is not None else ()
    theme_share = rng.dirichlet([2.0] * len(themes)) if themes else np.array([])
    blank, none = rng.uniform(*COMMENT_BLANK), rng.uniform(*COMMENT_NO_SUGGESTION)
    plan = CommentPlan([], [], [])
    for _ in range(n):
        u = rng.uniform()
        if u < blank:
            plan.texts.append("")
            plan.themes.append(())
            plan.stances.append(None)
            continue
        if u < blank + none:
            plan.texts.append(str(rng.choice(no_suggestion)).capitalize())
            plan.themes.append(())
            plan.stances.append(None)
            continue
        if not themes or rng.uniform() < COMMENT_OTHER:
            plan.texts.append(str(rng.choice(OTHER_COMMENTS)))
            plan.themes.append(("other",) if themes else ())
            plan.stances.append(None)
            continue
        k = min(len(themes), int(rng.choice([1, 2, 3], p=[0.7, 0.25, 0.05])))
        chosen = [
            themes[i] for i in sorted(rng.choice(len(themes), k, replace=False, p=theme_share))
        ]
        stance = None
        sentences = []
        for theme in chosen:
            if theme.stances:
                stance = str(rng.choice([s.id for s in theme.stances]))
            sentences.append(_theme_sentence(theme, stance if theme.stances else None, rng))
        plan.texts.append(" ".join(sentences))
        plan.themes.append(tuple(t.id for t in chosen))
        plan.stances.append(stance)
    return plan
