"""Term rules: the matching behind every automatic code, kept simple enough to read.

A term is a phrase matched on whole words of a comment's normal form; a trailing `*` on a word
matches any ending. A rule fires in a sentence that holds one of its `any` terms, one of its
`with` terms (if it has any) and none of its `unless` terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DASHES = re.compile(r"[-\u2010\u2011\u2012\u2013\u2014]")
SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+")


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, hyphens and dashes as spaces, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(DASHES.sub(" ", text).split())


def sentences(text: str) -> list[str]:
    """The normal form of `text`, split after '.', '!', '?' and ';'."""
    return [s for s in SENTENCE_BREAK.split(normalise(text)) if s]


def term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """One whole-word pattern for several terms, longest first; 'vett*' matches 'vetting'."""
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        words = [
            re.escape(w.removesuffix("*")) + (r"\w*" if w.endswith("*") else "")
            for w in term.split()
        ]
        alternatives.append(r"\s".join(words))
    return re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])")


def term_anchor(term: str) -> str:
    """The text every match of the term starts with: its words up to the first wildcard, that
    word without its `*` ('vett*': 'vett'; 'redirect* funding': 'redirect'). The words of a
    normal form are separated by single spaces, which is all `\\s` can match there."""
    words = []
    for word in term.split():
        words.append(word.removesuffix("*"))
        if word.endswith("*"):
            break
    return " ".join(words)


@dataclass(frozen=True)
class Rule:
    id: str
    any: tuple[str, ...]
    with_: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.any:
            raise ValueError(f"rule {self.id}: needs at least one `any` term")
        for kind in ("any", "with_", "unless"):
            terms = getattr(self, kind)
            object.__setattr__(self, f"_{kind}", term_pattern(terms) if terms else None)

    def match(self, sentence: str) -> list[str]:
        """The texts that made the rule fire in a normalised sentence (empty: it did not)."""
        found = _found(self._any, sentence)
        if not found:
            return []
        if self.with_:
            companions = _found(self._with_, sentence)
            if not companions:
                return []
            found += [f"+{c}" for c in companions]
        if self.unless and _found(self._unless, sentence):
            return []
        return found


def _found(pattern: re.Pattern[str], sentence: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in pattern.finditer(sentence)))


def rule_from_dict(raw: dict) -> Rule:
    unknown = set(raw) - {"id", "any", "with", "unless"}
    if unknown:
        raise ValueError(f"rule {raw.get('id')}: unknown keys {sorted(unknown)}")
    return Rule(
        id=raw["id"],
        any=tuple(raw["any"]),
        with_=tuple(raw.get("with", ())),
        unless=tuple(raw.get("unless", ())),
    )
