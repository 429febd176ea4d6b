"""Free-text answers to the open question (Section I), with known true themes.

The themes and their counts follow the report (Section I); each comment carries one or more
themes and is assembled from short sentences written for each theme. `CommentPlan.themes` is the
ground truth the theme coder is later measured against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Report, Section I: comments per theme across all 932 substantive comments.
THEME_COUNTS = {
    "misconduct_accountability": 140,
    "more_officers_visibility": 128,
    "police_public_relations": 69,
    "third_sector_community": 68,
    "volume_crime": 67,
    "antisocial_driving_roads": 64,
    "womens_safety_vawg": 59,
    "societal_standards_cohesion": 58,
    "antisocial_behaviour": 56,
    "drugs": 54,
    "specific_groups": 50,
    "station_closures": 32,
}
MULTI_THEME_MENTIONS = 120  # theme mentions beyond the first, spread over comments

SENTENCES = {
    "misconduct_accountability": [
        "There needs to be real reform from within the Met and proper independent scrutiny.",
        "Officers who commit misconduct should be dismissed, not moved on quietly.",
        "Vetting has to be far stricter so people with convictions never join the police.",
        "The culture of sexism and misogyny in the police has to be tackled head on.",
        "Institutional racism in the Met is still not being addressed.",
        "Stop and search is used unfairly against young black men and that must change.",
        "After the murder of Sarah Everard the police need to be held to account.",
        "Complaints against officers should be investigated by someone truly independent.",
    ],
    "more_officers_visibility": [
        "We need more police officers on the streets.",
        "I never see a police officer on foot in my area any more.",
        "Put more bobbies on the beat rather than in cars.",
        "A visible police presence on the high street would deter criminals.",
        "Response teams are badly understaffed and it takes hours for anyone to come.",
        "Recruit more officers and keep them in local neighbourhoods.",
    ],
    "station_closures": [
        "Reopen the local police stations that were closed.",
        "Since our police station shut there is nowhere to report anything in person.",
        "Closing front counters was a mistake.",
    ],
    "police_public_relations": [
        "The police should engage with residents and actually listen to lived experience.",
        "Regular ward panels and liaison groups would help rebuild trust.",
        "Police treat the public with suspicion, relationships need to be rebuilt.",
        "Better community engagement between local officers and residents is needed.",
        "More Neighbourhood Watch style schemes working with the police.",
    ],
    "third_sector_community": [
        "Fund youth services, mental health support and community centres instead.",
        "Charities and community groups should get more support to prevent crime.",
        "Mental health crises should be handled by trained health workers, not police.",
        "Invest in prevention through local voluntary organisations.",
        "Some police funding should be moved to social services and outreach work.",
    ],
    "volume_crime": [
        "Burglary and street theft are ignored even though they affect people daily.",
        "When my bike was stolen nobody even came out.",
        "Lower level crime like phone snatching and shoplifting needs attention.",
        "Car crime and break-ins are never followed up.",
    ],
    "antisocial_behaviour": [
        "Antisocial behaviour such as street drinking and noise makes life miserable.",
        "Groups hanging around estates intimidating residents need to be dealt with.",
        "Fly-tipping and low-level disorder should be taken seriously.",
    ],
    "antisocial_driving_roads": [
        "Dangerous driving and speeding on residential roads must be enforced.",
        "Mopeds and e-scooters on the pavement are a real danger.",
        "Uninsured drivers and drink driving are rarely stopped.",
        "Cyclists running red lights and cars using phones at the wheel need enforcement.",
    ],
    "womens_safety_vawg": [
        "Women do not feel safe in London, especially at night.",
        "Rape prosecution rates are shamefully low and survivors need specialist support.",
        "Officers need better training to deal with victims of sexual violence.",
        "Misogyny across society has to be challenged to make women safer.",
    ],
    "societal_standards_cohesion": [
        "Better street lighting and town planning would make places safer.",
        "Poverty, inequality and unemployment are the root causes of crime.",
        "Children need discipline and respect for others taught at home and school.",
        "Building stronger, more cohesive communities would prevent crime in the first place.",
    ],
    "drugs_enforcement": [
        "Drug dealing in my area is open and nobody does anything.",
        "County lines gangs exploit children and should be targeted.",
        "The smell of cannabis is everywhere, the law should be enforced.",
    ],
    "drugs_legalisation": [
        "Cannabis should be legalised so police can focus on serious crime.",
        "Too much police time is wasted on small amounts of drugs.",
        "Regulate the drugs market and treat addiction as a health issue.",
    ],
    "specific_groups": [
        "Older people are often victims too and the plan hardly mentions them.",
        "Disabled Londoners face hate crime that is not taken seriously.",
        "Men can also be victims of domestic abuse and need support.",
        "Homeless people are vulnerable to exploitation and violence.",
        "Religious hate crime and attacks on LGBTQ+ people deserve more focus.",
    ],
    "other": [
        "Fraud and online scams should be a bigger priority.",
        "The plan should say how progress will be measured and published.",
        "Cybercrime is growing and the police seem unable to deal with it.",
        "Wildlife crime and animal cruelty are missing.",
        "The 101 number is useless, calls go unanswered for ages.",
        "Licensing of late night venues should be looked at.",
    ],
}
# Personal data some respondents write into comments (reserved test numbers and addresses:
# Ofcom drama phone ranges, example.com, an invalid 'QQ' National Insurance prefix). Published
# quotes must be redacted; the theme coder must still code these comments.
PERSONAL_DATA = [
    "My neighbour Tom Hughes was mugged outside 14 Acacia Road last month.",
    "Contact me on 07700 900123 if you want details.",
    "Email me at jane.doe@example.com and I will explain.",
    "It happened near SE1 7PB and nobody came.",
    "Ring my landline 020 7946 0018 any evening.",
    "My name is Priya Shah and I have reported this three times.",
    "My NHS number is 943 476 5919 if you need to check my hospital visit.",
    "My National Insurance number is QQ 12 34 56 C, I was a victim of fraud.",
    "I live at 7 Elm Grove, N1 9GU and the dealing happens outside.",
    "Write to me at flat 3, 22 Station Street.",
]
PERSONAL_DATA_COMMENTS = 40  # substantive comments that carry one of the above

OPENERS = ["", "", "", "Yes. ", "I think ", "In my view ", "Yes - ", "Missing: "]
NON_SUBSTANTIVE = [
    "No",
    "no",
    "Nothing",
    "Nothing to add",
    "I don't know",
    "Don't know",
    "N/A",
    "None",
    "No.",
    "Not sure",
    "-",
    ".",
]


@dataclass(frozen=True)
class CommentPlan:
    texts: list[str]  # one per respondent of the route frame ("" = blank)
    themes: list[tuple[str, ...]]  # true themes per respondent (empty = none / not substantive)
    drugs_stance: list[str | None]
    personal_data: list[bool]  # the comment carries personal data (names, contacts, addresses)


def plan_comments(
    polls: np.ndarray, substantive: dict[str, int], non_substantive: dict[str, int], rng
) -> CommentPlan:
    """Comments for respondents of several polls: exact substantive counts per poll."""
    n_sub = sum(substantive.values())
    tokens = np.array([t for t, c in THEME_COUNTS.items() for _ in range(c)])
    tokens = tokens[rng.permutation(len(tokens))]
    with_theme = len(tokens) - MULTI_THEME_MENTIONS
    themes: list[set[str]] = [set() for _ in range(n_sub)]
    for i, t in enumerate(tokens[:with_theme]):
        themes[i].add(t)
    for t in tokens[with_theme:]:
        candidates = [i for i in range(with_theme) if t not in themes[i] and len(themes[i]) < 3]
        themes[candidates[rng.integers(len(candidates))]].add(t)
    for i in range(with_theme, n_sub):
        themes[i].add("other")
    order = rng.permutation(n_sub)
    themes = [themes[i] for i in order]

    texts = [""] * len(polls)
    truth: list[tuple[str, ...]] = [()] * len(polls)
    stance: list[str | None] = [None] * len(polls)
    personal = [False] * len(polls)
    with_personal = set(rng.permutation(n_sub)[:PERSONAL_DATA_COMMENTS].tolist())
    k = 0
    for poll, count in substantive.items():
        idx = rng.permutation(np.flatnonzero(polls == poll))
        for i in idx[:count]:
            ts = tuple(sorted(themes[k]))
            k += 1
            drug = None
            if "drugs" in ts:
                legal_share = 0.5 if poll == "talk_london" else 0.08
                drug = "legalisation" if rng.random() < legal_share else "enforcement"
            texts[i] = _compose(ts, drug, rng)
            if k in with_personal:
                texts[i] += " " + PERSONAL_DATA[rng.integers(len(PERSONAL_DATA))]
                personal[i] = True
            truth[i] = ts
            stance[i] = drug
        rest = idx[count : count + non_substantive[poll]]
        for i in rest:
            texts[i] = NON_SUBSTANTIVE[rng.integers(len(NON_SUBSTANTIVE))]
    return CommentPlan(texts, truth, stance, personal)


def _compose(themes: tuple[str, ...], drug: str | None, rng) -> str:
    parts = []
    for t in themes:
        key = f"drugs_{drug}" if t == "drugs" else t
        pool = SENTENCES[key]
        parts.append(pool[rng.integers(len(pool))])
    opener = OPENERS[rng.integers(len(OPENERS))]
    text = " ".join(parts)
    if opener.endswith(("think ", "view ")) and not text.startswith("I "):
        text = text[0].lower() + text[1:]
    return opener + text
