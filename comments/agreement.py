"""Agreement between automatic codes and true codes: precision, recall, F1, Cohen's kappa.

Each theme is a yes/no decision per comment. `all_themes` pools the decisions of every theme
(micro-average); `drugs_stance` is 'less enforcement' against 'more' among comments that truly
are about drugs.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

AGREEMENT_SCHEMA = {
    "theme_id": pl.String,
    "dataset": pl.String,
    "comments": pl.Int64,
    "support": pl.Int64,
    "precision": pl.Float64,
    "recall": pl.Float64,
    "f1": pl.Float64,
    "kappa": pl.Float64,
}
POOLED = "all_themes"
STANCE = "drugs_stance"
STANCE_POSITIVE = "less_enforcement"


def binary_agreement(predicted: Sequence[bool], truth: Sequence[bool]) -> dict[str, float | int]:
    """Precision, recall, F1 and Cohen's kappa of one yes/no decision (None when undefined)."""
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    n = len(truth)
    tn = n - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    observed = (tp + tn) / n if n else None
    chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / n**2 if n else None
    kappa = None
    if n and chance < 1:
        kappa = (observed - chance) / (1 - chance)
    return {
        "comments": n,
        "support": tp + fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "kappa": kappa,
    }


def agreement_table(
    predicted: Sequence[set[str]],
    truth: Sequence[set[str]],
    theme_ids: Sequence[str],
    dataset: str,
    predicted_stance: Sequence[str | None] = (),
    true_stance: Sequence[str | None] = (),
) -> pl.DataFrame:
    """One row per theme (and pooled, and drugs stance) for comments coded `predicted`."""
    rows = []
    pooled_p: list[bool] = []
    pooled_t: list[bool] = []
    for theme_id in theme_ids:
        p = [theme_id in codes for codes in predicted]
        t = [theme_id in codes for codes in truth]
        pooled_p += p
        pooled_t += t
        rows.append({"theme_id": theme_id, "dataset": dataset, **binary_agreement(p, t)})
    rows.append({"theme_id": POOLED, "dataset": dataset, **binary_agreement(pooled_p, pooled_t)})
    if true_stance:
        pairs = [(p, t) for p, t in zip(predicted_stance, true_stance, strict=True) if t]
        rows.append(
            {
                "theme_id": STANCE,
                "dataset": dataset,
                **binary_agreement(
                    [p == STANCE_POSITIVE for p, _ in pairs],
                    [t == STANCE_POSITIVE for _, t in pairs],
                ),
            }
        )
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA)
