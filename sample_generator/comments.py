"""Free-text answers to the open question (Section I), with known true themes.

The themes and their counts follow the report (Section I); each comment carries one or more
themes and is assembled from short sentences written for each theme. `CommentPlan.themes` is the
ground truth the theme coder is later measured against. `evaluation_comments` builds a separate
set from held-out paraphrases (EVALUATION_SENTENCES), for agreement on comments the coder was not
tuned on.
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
# Held-out paraphrases for measuring the theme coder: written apart from SENTENCES (other words,
# other angles on the report's descriptions, some near-misses between themes), never used in the
# bundled sample, so agreement on them is agreement on comments the coder was not tuned on.
EVALUATION_SENTENCES = {
    "misconduct_accountability": [
        "Make sure vetting is thorough, even when officers transfer from another force.",
        "Zero tolerance for anyone in uniform who abuses their position of authority.",
        "The Met must clean up its own ranks before it asks the public for trust.",
        "Bad apples are protected by their colleagues, whistleblowers should be listened to.",
        "An independent body, not the police themselves, should look at wrongdoing by officers.",
        "Racist and sexist messages shared by officers show a rotten culture in the force.",
        "Black people are searched far more often than white people, which is discrimination.",
        "Body cameras should always be switched on so officers answer for what they do.",
        "Publish the outcome of every disciplinary case so the public can see justice done.",
        "What happened to Sarah Everard showed the force cannot be trusted to police itself.",
        "Officers accused of abuse should be suspended while they are investigated.",
        "Recruitment must screen out people with discriminatory attitudes.",
    ],
    "more_officers_visibility": [
        "The number 1 priority should be to put more police on the streets day and night.",
        "Bring back neighbourhood patrols so people actually see officers walking around.",
        "Officer numbers have been cut too far and it shows.",
        "Staffing levels in response teams need to go up so someone can attend quickly.",
        "Officers should be out walking in our town centres rather than sitting in patrol cars.",
        "A uniformed presence in parks and shopping streets would make people feel safer.",
        "Hire thousands more constables and PCSOs for the outer boroughs.",
        "Increasing police numbers should come first in the plan.",
        "Criminals carry on because they know there is never a copper around.",
    ],
    "station_closures": [
        "Our nearest police station was sold off and the area has suffered since.",
        "Every borough needs a front desk where you can speak to someone face to face.",
        "Losing the local nick means officers no longer know the community.",
        "Bring back local police stations so people can walk in and report a crime.",
        "The closure of police buildings has left whole towns without a base.",
        "I have to travel miles to find a police counter that is open.",
    ],
    "police_public_relations": [
        "The police treat ordinary people like enemies and that destroys trust.",
        "Officers should come to community meetings and hear what residents say.",
        "Survey the public regularly and act on what they tell you.",
        "Safer neighbourhood team panels should be open and properly advertised.",
        "Build trust with young people by talking with them rather than at them.",
        "Local PCSOs should get to know shopkeepers and residents by name.",
        "There is a real lack of confidence in the Met among people like me.",
        "Work in partnership with residents' associations and faith groups to rebuild relations.",
        "I was spoken to rudely and dismissively, it put me off ever contacting them again.",
    ],
    "third_sector_community": [
        "Support schools, social services, legal aid and libraries, all badly underfunded.",
        "Defund the police and give the money to organisations that work with young people.",
        "Youth clubs have closed and kids have nowhere to go, reopen them.",
        "People in a mental health crisis need a nurse or counsellor rather than an officer.",
        "The Met should work far more closely with charities and local voluntary groups.",
        "Give grants to community projects that keep teenagers away from gangs.",
        "Victims and offenders alike need access to proper counselling and therapy.",
        "Early intervention through outreach workers is cheaper than prison.",
        "Fund mentoring schemes run by the community rather than more policing.",
    ],
    "volume_crime": [
        "My house was broken into and I just got a crime number, nobody investigated.",
        "Phones are snatched in the street every day and it is treated as not worth bothering.",
        "Shop theft is out of control in our high street.",
        "Don't forget the so-called low level crimes that actually affect people's lives.",
        "Catalytic converters are stolen from cars on our road all the time.",
        "Pickpocketing on the tube is rife and the police shrug.",
        "The police never turn up for a burglary any more.",
        "Petty theft and vandalism are treated as if they are not real crimes.",
        "Our van was broken into twice and they did not even look at the CCTV.",
    ],
    "antisocial_behaviour": [
        "Noisy neighbours and late night parties go unchallenged.",
        "Youths loitering outside the shops make older residents afraid.",
        "Public drinking and urinating in the park is an everyday problem.",
        "Graffiti and litter make the whole area feel neglected.",
        "Nuisance behaviour on our estate is reported again and again with no result.",
        "Rowdy groups on the bus at night intimidate passengers.",
        "Begging and aggressive behaviour around the station should be dealt with.",
        "Tackling anti-social behaviour early stops it turning into serious crime.",
    ],
    "antisocial_driving_roads": [
        "Tackle dangerous driving and very serious motoring offences.",
        "Cars race down our street at night and there are never any speed checks.",
        "Delivery riders on motorbikes mount the kerb and nearly hit pedestrians.",
        "Electric scooters are ridden at speed through crowds.",
        "Too many people drive while on their mobiles or after drinking.",
        "Traffic police have all but disappeared from London's roads.",
        "Cars without tax, insurance or MOT are never taken off the road.",
        "Bike riders ignore traffic lights and ride on footpaths.",
    ],
    "womens_safety_vawg": [
        "I don't feel safe walking home alone as a woman after dark.",
        "Far too few rape cases ever reach court.",
        "Fund rape crisis centres and specialist services for survivors of sexual violence.",
        "Domestic violence against women needs a much stronger response.",
        "Sexual harassment of girls on public transport has to be stopped.",
        "Society needs to change how men view and treat women.",
        "Victims of sexual assault should be interviewed by officers trained for it.",
        "Stalking and harassment of women is not taken seriously enough.",
    ],
    "societal_standards_cohesion": [
        "Children might not turn to crime if they had food in the fridge and heating at home.",
        "Dark alleys and underpasses need lighting and better design.",
        "Austerity has hollowed out communities and crime follows.",
        "Parents must take responsibility for how their children behave.",
        "Good jobs and decent housing prevent crime more than anything the police do.",
        "Young people should be taught to respect others and their neighbourhood.",
        "Wider pavements and well designed public spaces would help people feel safe.",
        "Bring people of different backgrounds together so neighbours look out for each other.",
    ],
    "drugs_enforcement": [
        "Dealers sell openly on the corner near my home.",
        "Organised drug gangs drive the violence and must be broken up.",
        "Drug use among teenagers, in and out of school, needs addressing.",
        "Crack houses on our estate make life hell, close them down.",
        "Police should crack down harder on people selling weed.",
        "Young people are being groomed to run drugs across county borders.",
    ],
    "drugs_legalisation": [
        "ALL drugs should be legalised, which would remove the criminal activity around them.",
        "Decriminalise possession for personal use and offer treatment instead.",
        "Stop arresting people for a bit of weed, it is a waste of resources.",
        "Drug users need care and support, not a criminal record.",
        "Follow Portugal and treat drug use as a public health matter.",
        "Spend less time on cannabis users and more on violent crime.",
    ],
    "specific_groups": [
        "The survey focuses heavily on young people, older Londoners are vulnerable too.",
        "Elderly people are targeted by doorstep criminals.",
        "Male victims of sexual assault are rarely acknowledged.",
        "Antisemitic and Islamophobic attacks are rising and deserve attention.",
        "Trans people face abuse in public and are afraid to report it.",
        "People with learning disabilities are exploited and not believed.",
        "Rough sleepers are attacked and nobody protects them.",
        "Officers need training to communicate with deaf and autistic people.",
    ],
    "other": [
        "Online banking fraud costs people their life savings.",
        "The plan needs clear targets and yearly reporting on progress.",
        "Hacking of personal accounts is increasing and nobody investigates.",
        "Animal welfare offences are ignored.",
        "Preparedness for terrorism should feature in the plan.",
        "The budget should be explained in plain figures.",
        "Modern slavery in car washes and nail bars is overlooked.",
    ],
}
EVALUATION_OPENERS = ["", "", "", "Honestly, ", "One thing: ", "Yes, ", "I would add that "]

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


@dataclass(frozen=True)
class EvaluationSet:
    """Comments with known themes, written from EVALUATION_SENTENCES only."""

    texts: list[str]
    themes: list[tuple[str, ...]]
    drugs_stance: list[str | None]


EVALUATION_SEED = 20250501
EVALUATION_SIZE = 600
EVALUATION_OTHER_SHARE = 0.2  # comments on none of the report's themes (the sample: 207 of 932)
EVALUATION_THEMES_PER_COMMENT = {1: 0.85, 2: 0.13, 3: 0.02}


def evaluation_comments(seed: int = EVALUATION_SEED, n: int = EVALUATION_SIZE) -> EvaluationSet:
    """A seeded evaluation set: themes drawn in proportion to the report's counts."""
    rng = np.random.default_rng(seed)
    names = list(THEME_COUNTS)
    shares = np.array(list(THEME_COUNTS.values()), dtype=float)
    shares /= shares.sum()
    sizes = list(EVALUATION_THEMES_PER_COMMENT)
    size_shares = list(EVALUATION_THEMES_PER_COMMENT.values())
    texts, themes, stances = [], [], []
    for _ in range(n):
        if rng.random() < EVALUATION_OTHER_SHARE:
            ts: tuple[str, ...] = ("other",)
        else:
            k = int(rng.choice(sizes, p=size_shares))
            ts = tuple(sorted(str(t) for t in rng.choice(names, size=k, replace=False, p=shares)))
        drug = None
        if "drugs" in ts:
            drug = "legalisation" if rng.random() < 0.5 else "enforcement"
        texts.append(_compose(ts, drug, rng, EVALUATION_SENTENCES, EVALUATION_OPENERS))
        themes.append(ts)
        stances.append(drug)
    return EvaluationSet(texts, themes, stances)


def _compose(
    themes: tuple[str, ...],
    drug: str | None,
    rng,
    sentences: dict[str, list[str]] = SENTENCES,
    openers: list[str] = OPENERS,
) -> str:
    parts = []
    for t in themes:
        key = f"drugs_{drug}" if t == "drugs" else t
        pool = sentences[key]
        parts.append(pool[rng.integers(len(pool))])
    opener = openers[rng.integers(len(openers))]
    text = " ".join(parts)
    lower = opener.endswith(("think ", "view ", "that ", ", ")) and not text.startswith("I ")
    if lower and not text[1:2].isupper():  # keep "ALL drugs", not "aLL drugs"
        text = text[0].lower() + text[1:]
    return opener + text
