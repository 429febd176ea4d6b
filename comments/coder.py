"""Automatic theme coding: every theme whose rules fire, with the evidence that made it fire.

Deterministic and transparent: a code's evidence names each rule that fired and the words it
matched (`misconduct.vetting: vetting`; `+word` is a `with` term), so an analyst sees why.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from .codeframe import Codeframe, Theme, load_codeframe
from .rules import Rule, sentences

NO_RULE_EVIDENCE = "no theme rule matched"


@dataclass(frozen=True)
class Code:
    theme_id: str
    evidence: str
    stance: str | None = None  # the drugs theme only


def code_comment(text: str, codeframe: Codeframe | None = None) -> list[Code]:
    """The themes of one comment (at least one: 'other' when no rule fires)."""
    codeframe = codeframe or load_codeframe()
    parts = sentences(text)
    codes = []
    for theme in codeframe.themes:
        hits = _hits(theme.rules, parts)
        if hits:
            stance = None
            if theme.stances:
                stance, stance_hits = _stance(theme, [s for s in parts if _hits(theme.rules, [s])])
                hits += stance_hits
            codes.append(Code(theme.id, _evidence(hits), stance))
    return codes or [Code(codeframe.other.id, NO_RULE_EVIDENCE)]


def code_comments(comments: pl.DataFrame, codeframe: Codeframe | None = None) -> pl.DataFrame:
    """One row per comment x theme: `respondent_id`, `theme_id`, `evidence`, `stance`.

    `comments` needs `respondent_id` and `text`.
    """
    codeframe = codeframe or load_codeframe()
    rows = [
        {"respondent_id": rid, "theme_id": c.theme_id, "evidence": c.evidence, "stance": c.stance}
        for rid, text in comments.select("respondent_id", "text").iter_rows()
        for c in code_comment(text, codeframe)
    ]
    return pl.DataFrame(rows, schema=CODED_SCHEMA)


CODED_SCHEMA = {
    "respondent_id": pl.String,
    "theme_id": pl.String,
    "evidence": pl.String,
    "stance": pl.String,
}


def stance_of(text: str, codeframe: Codeframe | None = None) -> tuple[str, str]:
    """Drugs stance of a comment and its evidence (for comments coded drugs by hand)."""
    theme = (codeframe or load_codeframe()).stance_theme
    parts = sentences(text)
    about_drugs = [s for s in parts if _hits(theme.rules, [s])] or parts
    stance, hits = _stance(theme, about_drugs)
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
