"""Every personal-data pattern: what it redacts, what it leaves, and the length limit."""

from __future__ import annotations

import pytest

from comments.personal_data import KIND_NAMES, nhs_check_digit_ok
from comments.redaction import ELLIPSIS, MAX_QUOTE_CHARS, redact, shorten
from sample_generator.comments import PERSONAL_DATA

REDACTED = {
    "email": [
        ("Email me at jane.doe@example.com today", "Email me at [email] today"),
        ("write to A.B+news@mail.example.co.uk.", "write to [email]."),
    ],
    "phone": [
        ("Call 07700 900123 now", "Call [phone] now"),
        ("ring 07700900123", "ring [phone]"),
        ("or +44 7700 900123", "or [phone]"),
        ("landline 020 7946 0018.", "landline [phone]."),
        ("tel (020) 7946 0018", "tel [phone]"),
        ("+44 (0)20 7946 0018", "[phone]"),
        ("0113 496 0000 evenings", "[phone] evenings"),
    ],
    "postcode": [
        ("near SE1 7PB and", "near [postcode] and"),
        ("at sw1a 1aa", "at [postcode]"),
        ("N19GU", "[postcode]"),
    ],
    "address": [
        ("outside 14 Acacia Road last month", "outside [address] last month"),
        ("at flat 3, 22 Station Street.", "at [address]."),
        ("7 Elm Grove, N1 9GU", "[address], [postcode]"),
        ("12b High Street", "[address]"),
    ],
    "nhs_number": [
        ("NHS number 943 476 5919 ok", "NHS number [NHS number] ok"),
        ("number 9434765919", "number [NHS number]"),
        ("my NHS no 943-476-5918 (mistyped)", "my NHS no [NHS number] (mistyped)"),
    ],
    "ni_number": [
        ("NI number QQ 12 34 56 C, fraud", "NI number [NI number], fraud"),
        ("insurance no qq123456c", "insurance no [NI number]"),
        ("AB123456D", "[NI number]"),
    ],
    "name": [
        ("My neighbour Tom Hughes was mugged", "My neighbour [name] was mugged"),
        ("My name is Priya Shah and", "My name is [name] and"),
        ("PC Jones was rude", "PC [name] was rude"),
        ("Regards, John Smith", "Regards, [name]"),
        ("my friend O'Neill saw it", "my friend [name] saw it"),
        ("Mrs McDonald-Smith phoned", "Mrs [name] phoned"),
    ],
}
LEFT_ALONE = [
    "Crime ref 1234567890 was given.",  # ten digits, invalid NHS check digit, no NHS cue
    "Police numbers fell by 20,000 between 2010 and 2018.",
    "Ring 999 or 101.",
    "Bring back the 24 hour police stations.",
    "my neighbour The police never came",
    "A scheme called Safer Streets works.",
    "Officers in 3 teams.",
    "We need 2 more PCSOs on Acacia Road.",
    "45.08823804829",  # a percentage in a published CSV, not a phone number
    "0.9434765919",
]


def test_every_kind_has_cases() -> None:
    assert set(REDACTED) == set(KIND_NAMES)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [(kind, text, expected) for kind, cases in REDACTED.items() for text, expected in cases],
)
def test_pattern_redacts(kind: str, text: str, expected: str) -> None:
    redacted, kinds = redact(text)
    assert redacted == expected
    assert kind in kinds


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == (text, ())


def test_nhs_check_digit() -> None:
    assert nhs_check_digit_ok("9434765919")
    assert nhs_check_digit_ok("4010232137")
    assert not nhs_check_digit_ok("9434765918")
    assert not nhs_check_digit_ok("123456789")


@pytest.mark.parametrize("fragment", PERSONAL_DATA)
def test_the_samples_personal_data_is_redacted(fragment: str) -> None:
    redacted, kinds = redact(fragment)
    assert kinds
    for token in ("Tom", "Priya", "07700", "@", "SE1", "7946", "943", "QQ", "Elm", "Station"):
        assert token not in redacted


def test_shorten_cuts_at_a_sentence_or_word_with_an_ellipsis() -> None:
    sentences = "The police must do more about burglary in my area. " * 10
    cut = shorten(sentences)
    assert len(cut) <= MAX_QUOTE_CHARS
    assert cut.endswith(f"area. {ELLIPSIS}")
    words = "word " * 100
    cut = shorten(words)
    assert len(cut) <= MAX_QUOTE_CHARS and cut.endswith(f"word{ELLIPSIS}")
    assert shorten("Short one.") == "Short one."
