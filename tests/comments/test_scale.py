"""The comment functions built for a million respondents give what the plain per-comment Python
gives: vectorised exclusion, coding each distinct text once with only the rules whose terms
occur in it, and quotes redacted lazily."""

from __future__ import annotations

import hashlib
import random

import polars as pl
import pytest

from comments.codeframe import load_codeframe
from comments.coder import CODED_SCHEMA, candidate_rules, code_comment, code_comments
from comments.exclusion import has_suggestion, has_suggestion_flags
from comments.personal_data import scan_texts
from comments.quotes import MIN_GROUP_COMMENTS, select_quotes
from comments.redaction import MAX_QUOTE_CHARS, redact, shorten
from comments.rules import Rule, normalise, sentences, term_anchor
from sample_generator.comments import PERSONAL_DATA, evaluation_comments
from sample_generator.generate import build_sample
from survey.questionnaire import load_questionnaire

# Texts where Python's and polars' notions of whitespace, case and letters could part.
AWKWARD = [
    None,
    "",
    " ",
    "\x1c",
    "\x1cNo\x1f",
    "\x0bnothing\x0c",
    "\u00a0No\u00a0",
    "\u2003n/a\u2003",
    "\u3000",
    "No!!!..",
    "NO . ",
    " - ",
    "N/A",
    "I DON'T KNOW",
    "i don\u2019t know",
    "\u0130",  # İ: lower case is two characters
    "\u212a",  # Kelvin sign: lower case is 'k'
    "\u00bd",  # ½: numeric, no letter
    "\u0663",  # Arabic-Indic digit three
    "\u0301",  # a combining accent alone
    "\u2160",  # Roman numeral one
    "\u00e9",
    "\u00c9t\u00e9",
    "?!",
    "___",
    "--",
    "x",
    "0",
    "Nothing to add.",
    "nothing to add?",
    "Nothing\n",
]


def test_vectorised_exclusion_is_has_suggestion() -> None:
    texts = pl.Series("text", AWKWARD, dtype=pl.String)
    assert has_suggestion_flags(texts).to_list() == [has_suggestion(t) for t in AWKWARD]
    ascii_only = pl.Series("text", [t for t in AWKWARD if t is None or t.isascii()])
    assert has_suggestion_flags(ascii_only).to_list() == [has_suggestion(t) for t in ascii_only]


def test_vectorised_exclusion_on_the_sample(sample_comments: pl.DataFrame) -> None:
    texts = sample_comments["text"]
    assert has_suggestion_flags(texts).to_list() == [has_suggestion(t) for t in texts]


def test_term_anchor_starts_every_match() -> None:
    assert term_anchor("vett*") == "vett"
    assert term_anchor("stop and search") == "stop and search"
    assert term_anchor("redirect* funding") == "redirect"
    assert term_anchor("re vet*") == "re vet"
    codeframe = load_codeframe()
    rules = [r for t in codeframe.themes for r in t.rules]
    for rule in rules:
        for term in rule.any:
            words = [w.removesuffix("*") + ("ing" if w.endswith("*") else "") for w in term.split()]
            sentence = normalise(" ".join(words))
            assert Rule("r", any=(term,)).match(sentence), term
            assert sentence.startswith(term_anchor(term)), term


def _texts() -> list[str]:
    """Labelled comments and variants of them: case, dashes, curly quotes, line breaks, two
    comments run together, shuffled words, dropped letters."""
    sample = build_sample()
    written = sample.talk_london.text["I_MISSING"] + sample.polls.text["I_MISSING"]
    texts = evaluation_comments().texts + [t for t in written if has_suggestion(t)]
    rng = random.Random(7)
    variants = []
    for text in texts[:600]:
        words = text.split()
        rng.shuffle(words)
        variants += [
            text.upper(),
            text.replace(" ", "-"),
            text.replace("'", "\u2019"),
            text.replace(". ", ".\n\n"),
            f"{rng.choice(texts)}; {text}",
            " ".join(words),
            "".join(ch for ch in text if rng.random() > 0.03),
        ]
    return texts + variants


def test_candidate_rules_leave_out_only_rules_that_cannot_fire() -> None:
    codeframe = load_codeframe()
    texts = _texts()
    for text, candidates in zip(texts, candidate_rules(pl.Series(texts), codeframe), strict=True):
        parts = sentences(text)
        for theme in codeframe.themes:
            for rule in theme.rules:
                if rule.id not in candidates:
                    assert not any(rule.match(p) for p in parts), (rule.id, text)


def test_coding_each_distinct_text_once_changes_no_code() -> None:
    texts = _texts()
    texts += texts[:300]  # the same texts from other respondents
    comments = pl.DataFrame(
        {"respondent_id": [f"tl-{i}" for i in range(len(texts))], "text": texts}
    ).sample(fraction=1.0, shuffle=True, seed=3)
    expected = pl.DataFrame(
        [
            {
                "respondent_id": rid,
                "theme_id": c.theme_id,
                "evidence": c.evidence,
                "stance": c.stance,
            }
            for rid, text in comments.iter_rows()
            for c in code_comment(text)
        ],
        schema=CODED_SCHEMA,
    )
    coded = code_comments(comments)
    assert coded.schema == pl.Schema(CODED_SCHEMA)
    assert coded.equals(expected)
    assert code_comments(comments.clear()).equals(expected.clear())


def _eager_quotes(coded: pl.DataFrame, comments: pl.DataFrame, version: str) -> list[tuple]:
    """The quotes as first written: every candidate redacted, then sorted."""
    from comments.quotes import QUOTES_PER_ROUTE

    permission_yes = load_codeframe().quote_permission[1]
    routes = list(load_questionnaire().routes)

    group_size = coded.group_by("route", "theme_id").agg(n=pl.col("respondent_id").n_unique())
    themes_of = coded.group_by("respondent_id").agg(n_themes=pl.len())
    candidates = (
        coded.join(comments, on="respondent_id")
        .join(group_size, on=["route", "theme_id"])
        .join(themes_of, on="respondent_id")
        .filter(
            (pl.col("quote_permission") == permission_yes) & (pl.col("n") >= MIN_GROUP_COMMENTS)
        )
    )
    rows, quoted, seen = [], set(), set()
    for theme_id in load_codeframe().theme_ids:
        number = 0
        for route in routes:
            group = candidates.filter((pl.col("theme_id") == theme_id) & (pl.col("route") == route))
            ranked = []
            for rid, text, n_themes in group.select(
                "respondent_id", "text", "n_themes"
            ).iter_rows():
                redacted, kinds = redact(text)
                quote = shorten(redacted, MAX_QUOTE_CHARS)
                if scan_texts([quote]).passed:
                    order = hashlib.sha256(f"{version}|{rid}".encode()).hexdigest()
                    ranked.append(((bool(kinds), n_themes > 1, order), quote, rid))
            taken = 0
            for _, quote, rid in sorted(ranked):
                if taken == QUOTES_PER_ROUTE:
                    break
                if rid in quoted or normalise(quote) in seen:
                    continue
                quoted.add(rid)
                seen.add(normalise(quote))
                taken += 1
                number += 1
                rows.append((theme_id, number, route, quote))
    return rows


# Words a quote may not carry even once redacted: line breaks join a phone number when the quote
# is cut to one line, so the gate finds it and the comment is never quoted.
UNQUOTABLE = ["Ring 020\n7946 0018 about the dealing.", "Call 07700\n900123 about knife crime."]


@pytest.mark.parametrize("plain_texts", [40, 2])
def test_lazy_quotes_are_the_eager_ones(plain_texts: int) -> None:
    """Many authors of the same words, personal data to redact (with few plain texts, most
    quotes are redacted ones), comments that cannot be quoted, several themes each."""
    rng = random.Random(plain_texts)
    codeframe = load_codeframe()
    pool = [
        *_texts()[:plain_texts],
        *(f"Drug dealing outside. {p}" for p in PERSONAL_DATA),
        *UNQUOTABLE,
    ]
    rows, comments = [], []
    for i in range(3000):
        rid = f"{rng.choice(['tl', 'rep'])}-{i}"
        route = "talk_london" if rid.startswith("tl") else "polls"
        comments.append((rid, rng.choice(pool), rng.choice([1, 1, 2])))
        for theme in rng.sample(codeframe.theme_ids, rng.choice([1, 1, 2, 3])):
            rows.append((rid, route, theme))
    coded = pl.DataFrame(rows, schema=["respondent_id", "route", "theme_id"], orient="row")
    frame = pl.DataFrame(
        comments, schema=["respondent_id", "text", "quote_permission"], orient="row"
    )
    quotes = select_quotes(coded, frame, codeframe)
    assert quotes.height >= 10
    assert list(quotes.iter_rows()) == _eager_quotes(coded, frame, codeframe.version)
    redacted = quotes["quote"].str.contains("[", literal=True)
    assert redacted.any() and (~redacted).any()
