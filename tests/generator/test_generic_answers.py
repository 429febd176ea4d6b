"""Building blocks of the generic generator, with hand-computed expectations."""

from __future__ import annotations

import numpy as np

from sample_generator.generic import file_name
from sample_generator.generic_answers import (
    age_in_years,
    allocate,
    largest_remainder,
    profile_shares,
)
from survey.pack import current


def test_largest_remainder():
    # 7 x (0.5, 0.3, 0.2) = 3.5, 2.1, 1.4: floors 3, 2, 1; the one left goes to the largest rest
    assert largest_remainder(np.array([0.5, 0.3, 0.2]), 7).tolist() == [4, 2, 1]
    assert largest_remainder(np.array([1.0, 1.0, 1.0]), 10).sum() == 10


def test_allocate_is_exact():
    codes = allocate({1: 0.6, 2: 0.4, 99: 0.0}, 10, np.random.default_rng(1))
    assert sorted(codes.tolist()) == [1] * 6 + [2] * 4


def test_age_in_years_within_band(second_pack):
    question = current().questionnaire.questions["AGE_GROUP"]
    bands = np.array([1, 1, 5, 6, 6, 6, 99])
    years = age_in_years(question, bands, np.random.default_rng(3))
    assert ((years[:2] >= 18) & (years[:2] <= 24)).all()
    assert 65 <= years[2] <= 74
    assert ((years[3:6] >= 75) & (years[3:6] <= 90)).all()  # '75+': 75 to 75 + 15
    assert years[6] == 0  # no band, no age


def test_weighted_route_gets_only_codes_its_margins_weight(second_pack):
    consultation = current()
    q = consultation.questionnaire
    scheme = consultation.weighting_scheme
    area = q.questions["AREA"]
    weighted = profile_shares(area, q, scheme, True, np.random.default_rng(5))
    assert weighted[5] == 0 and weighted[99] == 0  # outside the borough, not stated
    assert all(weighted[c] > 0 for c in (1, 2, 3, 4))
    unweighted = profile_shares(area, q, scheme, False, np.random.default_rng(5))
    assert unweighted[5] > 0 and unweighted[99] > 0
    sex = q.questions["SEX"]  # the sex margin keeps the sample share of those it cannot match
    assert profile_shares(sex, q, scheme, True, np.random.default_rng(5))[99] > 0


def test_file_name_from_pattern(second_pack):
    from datetime import date

    spec = current().questionnaire.exports["online"]
    assert file_name(spec, date(2025, 11, 9), "csv") == "eastmere_ltp_online_20251109.csv"
