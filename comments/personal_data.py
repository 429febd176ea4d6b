"""Patterns of personal data respondents write into comments, shared by redaction and the gates.

Each kind has a pattern, an optional validator of what the pattern found, and the placeholder
that replaces it. They are listed in the order redaction applies them: a match of an earlier kind
is replaced before later kinds look at the text.

`scan_texts` reports how many matches of each kind it found and where, never the matched text
itself, so a failed gate can be logged and shown without repeating what it blocks: the quotes'
gate (orchestration.defs.comments) and the release-wide gate (publication.personal_data_gate).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

NAME = r"[A-Z][a-z]*(?:['-]?[A-Z][a-z]+)*"  # Tom, O'Neill, McDonald, Smith-Jones
# Words after which capitalised words are a person's name (matched in any case). 'called' alone
# is left out: "a scheme called Safer Streets" is no name.
NAME_CUES = (
    r"my name is",
    r"i am called",
    r"i'm called",
    r"my (?:neighbour|neighbor|husband|wife|partner|son|daughter|friend|brother|sister|mum|mom"
    r"|dad|mother|father|landlord|landlady|colleague|boss|cousin|uncle|aunt|nephew|niece)",
    r"(?:mr|mrs|ms|miss|dr|pc|dc|ds|di|pcso|sgt|sergeant|inspector|officer|constable)\.?",
    r"(?:regards|thanks|sincerely|cheers),?",
)
# Capitalised words that follow a cue without being a name ("my neighbour The ...").
NOT_NAMES = {
    "The",
    "A",
    "I",
    "An",
    "And",
    "But",
    "Who",
    "Was",
    "Is",
    "Has",
    "Had",
    "In",
    "On",
    "At",
}
# Digits that are part of a longer number or a decimal (45.08823804829) are no phone or NHS number.
NOT_IN_NUMBER_BEFORE = r"(?<![\w+.])"
# ... nor are digits glued to letters: a hash or an identifier (0860756813b0c8...).
NOT_IN_NUMBER_AFTER = r"(?!\d|[.,]\d|[A-Za-z_])"
STREET_TYPES = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Grove|Close|Crescent|Drive|Dr|Way|Place|Pl|Gardens"
    "|Terrace|Court|Square|Hill|Mews|Row|Walk|Rise|Parade|Green|Vale|Gate|Yard|Wharf|Park"
)


@dataclass(frozen=True)
class Kind:
    name: str
    placeholder: str
    pattern: re.Pattern[str]
    valid: Callable[[re.Match[str]], bool] = lambda m: True

    def find(self, text: str) -> Iterator[re.Match[str]]:
        return (m for m in self.pattern.finditer(text) if self.valid(m))


def nhs_check_digit_ok(digits: str) -> bool:
    """NHS number modulus-11 check: weights 10..2 on the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(w * int(d) for w, d in zip(range(10, 1, -1), digits[:9], strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _nhs(m: re.Match[str]) -> bool:
    """A valid check digit, or the words 'NHS number' just before (a mistyped number)."""
    before = m.string[max(0, m.start() - 30) : m.start()].lower()
    return nhs_check_digit_ok(re.sub(r"\D", "", m.group(0))) or "nhs" in before


def _ni(m: re.Match[str]) -> bool:
    """Upper case as printed on the card, or any case after 'insurance' / 'NI'."""
    before = m.string[max(0, m.start() - 30) : m.start()].lower()
    return m.group(0).isupper() or "insurance" in before or bool(re.search(r"\bni\b", before))


def _uk_phone(m: re.Match[str]) -> bool:
    """A UK number: after +44 or the trunk 0, 9 or 10 digits not starting with 0."""
    digits = re.sub(r"\D", "", m.group(0))
    national = digits[2:] if digits.startswith("44") else digits[1:]
    national = national.removeprefix("0")  # +44 (0)20 ...
    return len(national) in (9, 10) and national[0] in "123578"


def _name(m: re.Match[str]) -> bool:
    return m.group("name").split()[0] not in NOT_NAMES


KINDS: tuple[Kind, ...] = (
    Kind(
        "email",
        "[email]",
        re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?!\w)"),
    ),
    Kind(
        "ni_number",
        "[NI number]",
        re.compile(
            r"(?<![A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]?(?![A-Za-z0-9])", re.IGNORECASE
        ),
        _ni,
    ),
    Kind(
        "nhs_number",
        "[NHS number]",
        re.compile(
            rf"{NOT_IN_NUMBER_BEFORE}(?:\d{{3}}[ -]?\d{{3}}[ -]?\d{{4}}){NOT_IN_NUMBER_AFTER}"
        ),
        _nhs,
    ),
    Kind(
        "phone",
        "[phone]",
        re.compile(
            rf"{NOT_IN_NUMBER_BEFORE}(?:\+44[ -]?(?:\(0\)[ -]?)?|\(?0)(?:\d[ )-]{{0,2}}){{8,10}}\d"
            rf"{NOT_IN_NUMBER_AFTER}"
        ),
        _uk_phone,
    ),
    Kind(
        "address",
        "[address]",
        re.compile(
            r"(?<![\w])(?:(?i:flat|apartment|apt)\.? ?\d+[A-Za-z]?,? )?\d{1,4}[A-Za-z]?,? "
            rf"(?:[A-Z][\w'-]+ ){{1,3}}(?:{STREET_TYPES})\b"
        ),
    ),
    Kind(
        "postcode",
        "[postcode]",
        re.compile(r"(?<![\w])(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}(?![\w])", re.IGNORECASE),
    ),
    Kind(
        "name",
        "[name]",
        re.compile(rf"(?i:\b(?:{'|'.join(NAME_CUES)})) (?P<name>{NAME}(?: {NAME})?)\b"),
        _name,
    ),
)
KIND_NAMES = tuple(k.name for k in KINDS)


# A UUID (a Dagster run id in the gates' Data Docs) is an identifier: its digit groups
# (f4d042f9-0056-4805-9999-...) are no phone or NHS number.
UUID = re.compile(
    r"(?<![0-9A-Za-z-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9A-Za-z-])",
    re.IGNORECASE,
)


def find_all(text: str) -> Iterator[tuple[Kind, int, int]]:
    """Every personal-data match in `text`: kind and the span to replace (the name only)."""
    uuids = [m.span() for m in UUID.finditer(text)] if "-" in text else []
    for kind in KINDS:
        for m in kind.find(text):
            span = m.span("name") if kind.name == "name" else m.span()
            if not any(s <= span[0] and span[1] <= e for s, e in uuids):
                yield kind, *span


MAX_LISTED = 20
DECIMAL = re.compile(r"-?\d*\.\d+(?:[eE][-+]?\d+)?")  # a figure, never personal data


@dataclass(frozen=True)
class Finding:
    location: str  # text index, or file with sheet and cell / line / table and column
    kind: str
    start: int  # character offsets within the scanned text
    end: int


@dataclass(frozen=True)
class Findings:
    texts: int  # texts scanned
    found: tuple[Finding, ...] = ()
    unscanned: tuple[str, ...] = field(default=())  # files whose format holds no scannable text

    @property
    def passed(self) -> bool:
        return not self.found

    @property
    def counts(self) -> dict[str, int]:
        """Matches per kind, every kind listed (zero included)."""
        seen = Counter(f.kind for f in self.found)
        return {kind: seen.get(kind, 0) for kind in KIND_NAMES}

    def summary(self) -> str:
        if self.passed:
            return f"no personal data in {self.texts} texts"
        kinds = ", ".join(f"{k} {n}" for k, n in self.counts.items() if n)
        where = "; ".join(f"{f.location} ({f.kind})" for f in self.found[:MAX_LISTED])
        more = len(self.found) - MAX_LISTED
        return (
            f"personal data in {len(self.found)} places of {self.texts} texts ({kinds}): {where}"
            + (f" and {more} more" if more > 0 else "")
        )


# Every kind but `name` needs a digit or an '@' in what it matches: a text with neither can
# only hold a name (what `_matches` relies on to try one pattern instead of seven).
DIGIT_OR_AT = re.compile(r"[\d@]")
NAME_KIND = next(k for k in KINDS if k.name == "name")


def _matches(text: str) -> tuple[tuple[str, int, int], ...]:
    """(kind, start, end) of every match in `text`, as `find_all` finds them."""
    if not text or DECIMAL.fullmatch(text):
        return ()
    if DIGIT_OR_AT.search(text):
        return tuple((k.name, s, e) for k, s, e in find_all(text))
    return tuple((NAME_KIND.name, *m.span("name")) for m in NAME_KIND.find(text))


class Scanner:
    """Findings gathered over many texts, each distinct text matched once (published tables
    repeat labels and numbers many times). A caller with many texts builds a text's location
    only when `matches` returns something, then passes it to `record`."""

    def __init__(self) -> None:
        self.count = 0
        self.found: list[Finding] = []
        self._seen: dict[str, tuple[tuple[str, int, int], ...]] = {}

    def matches(self, text: str) -> tuple[tuple[str, int, int], ...]:
        """Count `text` as scanned; its matches (empty when clean)."""
        self.count += 1
        hit = self._seen.get(text)
        if hit is None:
            hit = self._seen[text] = _matches(text)
        return hit

    def any_match(self, texts: list[str]) -> bool:
        """Count `texts` as scanned; whether any of them holds a match (the caller then finds
        which with `matches_of`). Each distinct text is matched once."""
        self.count += len(texts)
        seen, distinct = self._seen, set(texts)
        for text in distinct.difference(seen):
            seen[text] = _matches(text)
        return any(seen[text] for text in distinct)

    def matches_of(self, text: str) -> tuple[tuple[str, int, int], ...]:
        """The matches of a text `any_match` has counted (without counting it again)."""
        return self._seen[text]

    def record(self, location: str, matches: tuple[tuple[str, int, int], ...]) -> None:
        self.found += [Finding(location, kind, s, e) for kind, s, e in matches]

    def add(self, location: object, text: object) -> None:
        if hit := self.matches(str(text or "")):
            self.record(str(location), hit)

    def findings(self, unscanned: tuple[str, ...] = ()) -> Findings:
        return Findings(self.count, tuple(self.found), unscanned)


def scan_texts(texts: Mapping[str, str] | Iterable[str]) -> Findings:
    """Findings in `texts`: a mapping location -> text, or texts located by their index."""
    items = texts.items() if isinstance(texts, Mapping) else enumerate(texts)
    scanner = Scanner()
    for location, text in items:
        scanner.add(location, text)
    return scanner.findings()
