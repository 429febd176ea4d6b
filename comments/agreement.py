"""Agreement between two codings of the same comments: precision, recall, F1, Cohen's kappa.

Each theme is a yes/no decision per comment. `all_themes` pools the decisions of every theme
(micro-average); `stance` is the stance given (or none) among the comments the reference coding
puts under the codeframe's stance theme, a choice among several categories: Cohen's kappa only
(precision, recall and F1 are of yes/no decisions).
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
STANCE = "stance"


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


def categorical_kappa(a: Sequence[str | None], b: Sequence[str | None]) -> float | None:
    """Cohen's kappa of two codings into categories (None is a category; None when undefined)."""
    n = len(a)
    if n != len(b):
        raise ValueError("the two codings cover different numbers of comments")
    if not n:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    categories = set(a) | set(b)
    chance = sum((list(a).count(c) / n) * (list(b).count(c) / n) for c in categories)
    return (observed - chance) / (1 - chance) if chance < 1 else None


def agreement_table(
    predicted: Sequence[set[str]],
    truth: Sequence[set[str]],
    theme_ids: Sequence[str],
    dataset: str,
    predicted_stance: Sequence[str | None] = (),
    true_stance: Sequence[str | None] = (),
) -> pl.DataFrame:
    """One row per theme, then pooled, then (when `true_stance` is given) the stance, for the
    comments coded `predicted` against the reference coding `truth`."""
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
                "comments": len(pairs),
                "support": len(pairs),
                "kappa": categorical_kappa([p for p, _ in pairs], [t for _, t in pairs]),
            }
        )
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA)
