"""Respondent frames: exact demographic composition per poll, and group masks for breakdowns."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from survey.pack import pack_file
from survey.questionnaire import Questionnaire

ADULT_AGE_COLUMNS = ("age_16_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64", "age_65plus")
BLANK = -1


def boroughs_csv() -> Path:
    """The pack's borough populations (the sample's area and age composition)."""
    return pack_file(
        "reference/london_boroughs.csv"
    )  # skipped / not asked / not selected in a frame


@dataclass
class Frame:
    """Answers of one route (one or more polls) as code arrays, BLANK where not answered."""

    poll: np.ndarray  # poll id per respondent
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    text: dict[str, list[str]] = field(default_factory=dict)
    age_years: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.poll)

    def group_mask(self, questionnaire: Questionnaire, group: str) -> np.ndarray:
        """Mask for 'total', 'poll:<id>' or '<breakdown>:<group>'."""
        if group == "total":
            return np.ones(self.n, dtype=bool)
        kind, gid = group.split(":")
        if kind == "poll":
            return self.poll == gid
        breakdown = questionnaire.breakdowns[kind]
        codes = self.codes.get(breakdown.source)
        if codes is None:
            return np.zeros(self.n, dtype=bool)
        return np.isin(codes, breakdown.groups[gid][1])

    def subset(self, mask: np.ndarray) -> Frame:
        return Frame(
            poll=self.poll[mask],
            codes={k: v[mask] for k, v in self.codes.items()},
            text={k: [t for t, m in zip(v, mask, strict=True) if m] for k, v in self.text.items()},
            age_years=None if self.age_years is None else self.age_years[mask],
        )


def _counts_to_array(counts: dict, rng: np.random.Generator) -> np.ndarray:
    values = np.concatenate([np.full(int(c), int(code)) for code, c in counts.items()])
    return rng.permutation(values)


def _borough_weights() -> tuple[list[int], np.ndarray, np.ndarray]:
    with open(boroughs_csv(), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    adults = np.array([sum(int(r[c]) for c in ADULT_AGE_COLUMNS) for r in rows], dtype=float)
    inner = np.array([r["inner_london"] == "TRUE" for r in rows])
    return list(range(1, len(rows) + 1)), adults, inner


def _boroughs(area_counts: dict, questionnaire: Questionnaire, rng) -> np.ndarray:
    """Borough codes: inner/outer counts exact, boroughs within them in proportion to adults."""
    codes, adults, inner = _borough_weights()
    nets = questionnaire.scales["borough"].nets
    assert sorted(np.array(codes)[inner].tolist()) == sorted(nets["inner_london"]), (
        "london_boroughs.csv inner_london flags disagree with questionnaire footnote 24 list"
    )
    values: list[int] = []
    for area, count in area_counts.items():
        if area == "outside_london":
            values += [nets["outside_london"][0]] * count
        elif area == "prefer_not_to_say":
            values += [questionnaire.missing_codes["prefer_not_to_say"]] * count
        else:
            members = np.array(nets[area])
            share = adults[members - 1] / adults[members - 1].sum()
            alloc = _largest_remainder(share * count)
            for code, k in zip(members, alloc, strict=True):
                values += [int(code)] * int(k)
    return rng.permutation(np.array(values))


def _largest_remainder(x: np.ndarray) -> np.ndarray:
    base = np.floor(x).astype(int)
    short = int(round(x.sum())) - base.sum()
    base[np.argsort(-(x - base))[:short]] += 1
    return base


def build_poll_frame(
    poll: str, composition: dict, questionnaire: Questionnaire, rng: np.random.Generator
) -> Frame:
    n = composition["n"]
    frame = Frame(poll=np.full(n, poll, dtype=object))
    for var in ("GENDER", "GENDER_IDENTITY", "AGE_BAND", "ETHNICITY", "SEXUAL_ORIENTATION"):
        frame.codes[var] = _counts_to_array(composition[var], rng)
    frame.codes["DISABILITY"] = _counts_to_array(composition["DISABILITY"], rng)
    frame.codes["BOROUGH"] = _boroughs(composition["AREA"], questionnaire, rng)
    bands = {1: (16, 24), 2: (25, 34), 3: (35, 44), 4: (45, 54), 5: (55, 64), 6: (65, 85)}
    frame.age_years = np.array(
        [rng.integers(*bands[b], endpoint=True) for b in frame.codes["AGE_BAND"]]
    )
    return frame


def concat(frames: list[Frame]) -> Frame:
    keys = frames[0].codes.keys()
    return Frame(
        poll=np.concatenate([f.poll for f in frames]),
        codes={k: np.concatenate([f.codes[k] for f in frames]) for k in keys},
        text={k: sum((f.text[k] for f in frames), []) for k in frames[0].text},
        age_years=(
            None
            if any(f.age_years is None for f in frames)
            else np.concatenate([f.age_years for f in frames])
        ),
    )
