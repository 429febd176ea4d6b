"""Agreement figures: the arithmetic, and the coder's agreement on held-out comments."""

from __future__ import annotations

import polars as pl
import pytest

from comments.agreement import POOLED, STANCE, binary_agreement
from comments.codeframe import load_codeframe
from comments.evaluation import EVALUATION, TUNING, coder_agreement, labelled_comments
from orchestration.defs.comments import KAPPA_FLOOR
from sample_generator.comments import EVALUATION_SENTENCES, SENTENCES


def test_binary_agreement_by_hand() -> None:
    # tp 3, fp 1, fn 1, tn 5: po 0.8, pe (4*4 + 6*6)/100 = 0.52, kappa 0.2857
    predicted = [True] * 3 + [True] + [False] + [False] * 5
    truth = [True] * 3 + [False] + [True] + [False] * 5
    got = binary_agreement(predicted, truth)
    assert got["support"] == 4
    assert got["precision"] == pytest.approx(0.75)
    assert got["recall"] == pytest.approx(0.75)
    assert got["f1"] == pytest.approx(0.75)
    assert got["kappa"] == pytest.approx((0.8 - 0.52) / 0.48)
    assert binary_agreement([False] * 3, [False] * 3)["kappa"] is None


def test_evaluation_comments_share_no_sentence_with_the_tuning_sample() -> None:
    tuning = {s for pool in SENTENCES.values() for s in pool}
    held_out = {s for pool in EVALUATION_SENTENCES.values() for s in pool}
    assert not tuning & held_out
    texts, _, _ = labelled_comments(EVALUATION)
    assert not any(s in text for text in texts for s in tuning)


@pytest.fixture(scope="module")
def agreement() -> pl.DataFrame:
    return coder_agreement()


def test_agreement_table_covers_every_theme_and_dataset(agreement: pl.DataFrame) -> None:
    ids = [*load_codeframe().theme_ids, POOLED, STANCE]
    for dataset in (EVALUATION, TUNING):
        rows = agreement.filter(pl.col("dataset") == dataset)
        assert rows["theme_id"].to_list() == ids
        assert (
            rows.select(pl.col("precision", "recall", "f1", "kappa").is_null().any()).row(0)
            == (False,) * 4
        )


def test_coder_agrees_on_comments_it_was_not_tuned_on(agreement: pl.DataFrame) -> None:
    evaluation = agreement.filter(pl.col("dataset") == EVALUATION)
    assert evaluation["kappa"].min() >= KAPPA_FLOOR
    assert evaluation.filter(pl.col("theme_id") == POOLED)["kappa"][0] >= 0.9
    tuning = agreement.filter(pl.col("dataset") == TUNING)
    assert tuning["kappa"].min() == 1.0  # the sample's comments are coded as the generator meant
