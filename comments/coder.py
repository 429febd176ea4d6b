"""Automatic theme coding: every theme whose rules fire, with the evidence that made it fire.

Deterministic and transparent: a code's evidence names each rule that fired and the words it
matched (`misconduct.vetting: vetting`; `+word` is a `with` term), so an analyst sees why.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from .codeframe import Codeframe, Theme, load_codeframe
from .rules import Rule, normalise, sentences, term_anchor

NO_RULE_EVIDENCE = "no theme rule matched"


@dataclass(frozen=True)
class Code:
    theme_id: str
    evidence: str
    stance: str | None = None  # the codeframe's stance theme only


def code_comment(
    text: str, codeframe: Codeframe | None = None, candidates: Collection[str] | None = None
) -> list[Code]:
    """The themes of one comment (at least one: 'other' when no rule fires).

    `candidates`, when given, holds the theme rules that may fire in `text` (`candidate_rules`):
    the others are not tried, which changes nothing but the time taken.
    """
    codeframe = codeframe or load_codeframe()
    parts = sentences(text)
    codes = []
    for theme in codeframe.themes:
        rules = theme.rules
        if candidates is not None:
            rules = tuple(r for r in rules if r.id in candidates)
            if not rules:
                continue
        hits = _hits(rules, parts)
        if hits:
            stance = None
            if theme.stances:
                stance, stance_hits = _stance(theme, [s for s in parts if _hits(rules, [s])])
                hits += stance_hits
            codes.append(Code(theme.id, _evidence(hits), stance))
    return codes or [Code(codeframe.other.id, NO_RULE_EVIDENCE)]


def code_comments(comments: pl.DataFrame, codeframe: Codeframe | None = None) -> pl.DataFrame:
    """One row per comment x theme: `respondent_id`, `theme_id`, `evidence`, `stance`.

    `comments` needs `respondent_id` and `text`. Each distinct text is coded once, trying only
    the rules `candidate_rules` leaves; the rows come in the order of `comments`, each
    comment's themes in the codeframe's order.
    """
    codeframe = codeframe or load_codeframe()
    texts = comments["text"].unique(maintain_order=True)
    coded: dict[str, list] = {"text_index": [], "code_index": [], **{c: [] for c in CODES}}
    for i, (text, rules) in enumerate(zip(texts, candidate_rules(texts, codeframe), strict=True)):
        for j, code in enumerate(code_comment(text, codeframe, rules)):
            coded["text_index"].append(i)
            coded["code_index"].append(j)
            coded["theme_id"].append(code.theme_id)
            coded["evidence"].append(code.evidence)
            coded["stance"].append(code.stance)
    index = pl.DataFrame({"text": texts, "text_index": pl.int_range(texts.len(), eager=True)})
    return (
        comments.select("respondent_id", "text")
        .with_row_index("row")
        .join(index, on="text", how="left", nulls_equal=True)
        .join(
            pl.DataFrame(
                coded, schema_overrides={"text_index": pl.Int64, **{c: pl.String for c in CODES}}
            ),
            on="text_index",
        )
        .sort("row", "code_index")
        .select(list(CODED_SCHEMA))
    )


def candidate_rules(texts: pl.Series, codeframe: Codeframe | None = None) -> list[set[str]]:
    """Per text, the theme rules that may fire in it: those with an `any` term whose literal
    start (`term_anchor`) is in the text's normal form. A rule fires only on a sentence holding
    one of its `any` terms, and every match of a term starts with its anchor, so a rule left
    out cannot fire. One pass of polars' Aho-Corasick search over all texts."""
    codeframe = codeframe or load_codeframe()
    rules_of: dict[str, list[str]] = {}
    always = set()
    for theme in codeframe.themes:
        for rule in theme.rules:
            for term in rule.any:
                anchor = term_anchor(term)
                if anchor:
                    rules_of.setdefault(anchor, []).append(rule.id)
                else:
                    always.add(rule.id)
    anchors = list(rules_of)
    normal = pl.Series([normalise(t) for t in texts], dtype=pl.String)
    found = normal.str.extract_many(anchors, overlapping=True).to_list()
    return [always | {r for a in set(hits or ()) for r in rules_of[a]} for hits in found]


CODES = ("theme_id", "evidence", "stance")
CODED_SCHEMA = {
    "respondent_id": pl.String,
    "theme_id": pl.String,
    "evidence": pl.String,
    "stance": pl.String,
}


def stance_of(text: str, codeframe: Codeframe | None = None) -> tuple[str, str]:
    """Stance of a comment on the codeframe's stance theme and its evidence (for comments coded
    to that theme by hand)."""
    theme = (codeframe or load_codeframe()).stance_theme
    if theme is None:
        raise ValueError("codeframe: no stance_theme, so a comment has no stance")
    parts = sentences(text)
    about_theme = [s for s in parts if _hits(theme.rules, [s])] or parts
    stance, hits = _stance(theme, about_theme)
    return stance, _evidence(hits) if hits else f"default stance {stance}"


def _stance(theme: Theme, parts: list[str]) -> tuple[str, list[tuple[str, list[str]]]]:
    """The first stance whose rules fire in the theme's sentences, else the default."""
    for stance in theme.stances:
        hits = _hits(stance.rules, parts)
        if hits:
            return stance.id, hits
    return theme.default_stance, []


def _hits(rules: tuple[Rule, ...], parts: list[str]) -> list[tuple[str, list[str]]]:
    hits: dict[str, list[str]] = {}
    for rule in rules:
        for part in parts:
            found = rule.match(part)
            if found:
                hits.setdefault(rule.id, [])
                hits[rule.id] += [f for f in found if f not in hits[rule.id]]
    return list(hits.items())


def _evidence(hits: list[tuple[str, list[str]]]) -> str:
    return "; ".join(f"{rule_id}: {', '.join(found)}" for rule_id, found in hits)
