"""The coder measured against known themes: held-out paraphrases and the tuning sample.

- evaluation: `sample_generator.comments.evaluation_comments()`, comments written from a pool of
  paraphrases the coder's rules were not tuned on: the figure to judge the coder by.
- tuning: the bundled sample's substantive comments (the rules were tuned on them; agreement
  there is an upper bound, not evidence).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from sample_generator.comments import evaluation_comments
from sample_generator.generate import DEFAULT_SEED, build_sample

from .agreement import agreement_table
from .codeframe import Codeframe, load_codeframe
from .coder import Code, code_comment
from .exclusion import has_suggestion

EVALUATION = "evaluation"
TUNING = "tuning"
# The generator's names for the two drugs positions -> the codeframe's stances.
GENERATOR_STANCES = {"enforcement": "more_enforcement", "legalisation": "less_enforcement"}


def labelled_comments(dataset: str) -> tuple[list[str], list[set[str]], list[str | None]]:
    """Texts, true themes and true drugs stances of a dataset."""
    if dataset == EVALUATION:
        found = evaluation_comments()
        texts, themes, stances = found.texts, found.themes, found.drugs_stance
    elif dataset == TUNING:
        sample = build_sample(DEFAULT_SEED)
        texts, themes, stances = [], [], []
        for route, frame in (("talk_london", sample.talk_london), ("polls", sample.polls)):
            for text, ts, stance in zip(
                frame.text["I_MISSING"],
                sample.comment_themes[route],
                sample.drugs_stance[route],
                strict=True,
            ):
                if has_suggestion(text):
                    texts.append(text)
                    themes.append(ts)
                    stances.append(stance)
    else:
        raise ValueError(f"unknown dataset {dataset!r}")
    return texts, [set(t) for t in themes], [GENERATOR_STANCES.get(s) for s in stances]


Coder = Callable[[str], list[Code]]


def measure(dataset: str, coder: Coder | None = None, codeframe: Codeframe | None = None):
    """Agreement of `coder` (default: the rules) on one dataset, one row per theme."""
    codeframe = codeframe or load_codeframe()
    coder = coder or (lambda text: code_comment(text, codeframe))
    texts, truth, true_stance = labelled_comments(dataset)
    coded = [coder(text) for text in texts]
    drugs = codeframe.stance_theme.id
    return agreement_table(
        predicted=[{c.theme_id for c in codes} for codes in coded],
        truth=truth,
        theme_ids=codeframe.theme_ids,
        dataset=dataset,
        predicted_stance=[
            next((c.stance for c in codes if c.theme_id == drugs), None) for codes in coded
        ],
        true_stance=true_stance,
    )


def coder_agreement(coder: Coder | None = None) -> pl.DataFrame:
    """Agreement on the evaluation set, then on the tuning set."""
    return pl.concat([measure(EVALUATION, coder), measure(TUNING, coder)])
