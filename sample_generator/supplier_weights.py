"""The supplier `Weight` variable a YouGov delivery carries.

YouGov weights each poll to its own target population: the Representative Poll to London adults,
the BAME Boost Poll to London's minority-ethnic adults. The targets here come from
the pack's reference/london_boroughs.csv (age, ethnic group, inner/outer London) and the Census 2021
female share; the pipeline re-derives its own weights for the combined polls and compares them.
"""

from __future__ import annotations

import csv

import numpy as np

from sample_generator.respondents import ADULT_AGE_COLUMNS, Frame, boroughs_csv
from survey.questionnaire import Questionnaire
from survey.weighting import Margin, rake

FEMALE_SHARE = 0.515  # Census 2021 (TS009), London, all ages
ETHNIC_COLUMNS = ("white_british", "white_other", "asian", "black", "mixed", "other")


def _population() -> dict[str, np.ndarray]:
    with open(boroughs_csv(), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    inner = np.array([r["inner_london"] == "TRUE" for r in rows])
    adults = np.array([sum(int(r[c]) for c in ADULT_AGE_COLUMNS) for r in rows], dtype=float)
    return {
        "age": np.array([sum(int(r[c]) for r in rows) for c in ADULT_AGE_COLUMNS], dtype=float),
        "ethnic": np.array([sum(int(r[c]) for r in rows) for c in ETHNIC_COLUMNS], dtype=float),
        "inner": np.array([adults[inner].sum(), adults[~inner].sum()]),
    }


def _index(codes: np.ndarray, groups: list[tuple[int, ...]]) -> np.ndarray:
    out = np.full(len(codes), -1)
    for i, g in enumerate(groups):
        out[np.isin(codes, g)] = i
    return out


def supplier_weights(frame: Frame, poll: str, q: Questionnaire) -> np.ndarray:
    pop = _population()
    b = q.breakdowns
    gender = np.where(frame.codes["GENDER"] == 1, 0, np.where(frame.codes["GENDER"] == 2, 1, 2))
    other_share = float(np.mean(gender == 2))
    gender_t = np.array(
        [(1 - FEMALE_SHARE) * (1 - other_share), FEMALE_SHARE * (1 - other_share), other_share]
    )
    age = _index(frame.codes["AGE_BAND"], [g[1] for g in b["age_band"].groups.values()])
    eth_groups = [g[1] for g in b["ethnic_group"].groups.values()]
    ethnic = _index(frame.codes["ETHNICITY"], eth_groups)
    eth_t = pop["ethnic"] / pop["ethnic"].sum()
    if poll == "boost":  # minority-ethnic population only: drop the two White groups
        ethnic = ethnic - 2
        eth_t = eth_t[2:] / eth_t[2:].sum()
    area = _index(frame.codes["BOROUGH"], [g[1] for g in b["area"].groups.values()])
    area = np.where(area < 0, 1, area)  # outside London / not stated: weighted with outer London
    margins = [
        Margin("gender", gender, gender_t),
        Margin("age", age, pop["age"] / pop["age"].sum()),
        Margin("ethnic", ethnic, eth_t),
        Margin("area", area, pop["inner"] / pop["inner"].sum()),
    ]
    result = rake(margins, tolerance=1e-4, cap=(0.2, 5.0))
    return np.round(result.weights, 6)
