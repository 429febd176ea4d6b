"""Redaction and length limit of a comment before it may be quoted.

`redact` replaces every personal-data match (comments.personal_data) by its placeholder:
`[name]`, `[email]`, `[phone]`, `[postcode]`, `[address]`, `[NHS number]`, `[NI number]`.
`shorten` cuts a long comment at a sentence end (or else a word boundary) and adds an ellipsis.
"""

from __future__ import annotations

import re

from .personal_data import KINDS

MAX_QUOTE_CHARS = 300
ELLIPSIS = "…"
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def redact(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with personal data replaced, and the kinds that were found (in pattern order)."""
    found = []
    for kind in KINDS:
        spans = [m.span("name") if kind.name == "name" else m.span() for m in kind.find(text)]
        if spans:
            found.append(kind.name)
        for start, end in reversed(spans):
            text = text[:start] + kind.placeholder + text[end:]
    return text, tuple(found)


def shorten(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """At most `limit` characters, the ellipsis included; whole sentences where possible."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = text[: limit - len(ELLIPSIS)]
    ends = [m.end() for m in SENTENCE_END.finditer(room)]
    if ends and ends[-1] >= limit // 2:
        return room[: ends[-1]] + " " + ELLIPSIS if ends[-1] + 2 <= limit else room[: ends[-1]]
    cut = room.rsplit(" ", 1)[0] if " " in room else room
    return cut.rstrip(" ,;:-") + ELLIPSIS
