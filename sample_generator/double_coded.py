"""One-off: the reference pack's double-coded comments (`consultations/<id>/coded_comments.csv`).

Run once, and the file committed: the pipeline reads the file, never this module.

    python -m sample_generator.double_coded consultations/mopac_pcp_2021/coded_comments.csv

The 2021 consultation's own double coding is not available to this project, so the set is
written from the generator's held-out paraphrases (`evaluation_comments`: sentences the
codeframe's rules were not tuned on), with their known themes as the analysts' agreed codes.
Coder A coded as agreed; coder B departs from the agreed codes on a seeded few comments (a
theme missed or one added, a stance read the other way), as a second coder does, so that the
agreement between analysts is measured on disagreements too.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from ingest.coded_comments import DOUBLE_CODED_COLUMNS

from .comments import THEME_COUNTS, evaluation_comments

SEED = 20251203
THEME_DISAGREEMENT = 0.04  # share of comments coder B codes differently
STANCE_DISAGREEMENT = 0.05  # share of stance-theme comments whose stance coder B reads otherwise
# The generator's drugs positions -> the reference codeframe's stances.
STANCES = {"enforcement": "more_enforcement", "legalisation": "less_enforcement"}
STANCE_THEME = "drugs"
COLUMNS = DOUBLE_CODED_COLUMNS


def rows() -> list[dict[str, str]]:
    rng = np.random.default_rng(SEED)
    found = evaluation_comments()
    themes = sorted(THEME_COUNTS)
    out = []
    for i, (text, agreed, position) in enumerate(
        zip(found.texts, found.themes, found.drugs_stance, strict=True), start=1
    ):
        stance = STANCES[position] if position else ""
        b_themes, b_stance = list(agreed), stance
        if rng.random() < THEME_DISAGREEMENT:
            if len(b_themes) > 1:
                b_themes.pop(int(rng.integers(len(b_themes))))  # a theme missed
            else:
                extra = [t for t in themes if t not in b_themes]
                added = str(extra[int(rng.integers(len(extra)))])
                b_themes = [added] if b_themes == ["other"] else [*b_themes, added]
        if STANCE_THEME in b_themes:
            if not b_stance:
                b_stance = "more_enforcement"
            elif rng.random() < STANCE_DISAGREEMENT:
                b_stance = (
                    "less_enforcement" if b_stance == "more_enforcement" else "more_enforcement"
                )
        else:
            b_stance = ""
        out.append(
            {
                "comment_id": f"c{i:04d}",
                "text": text,
                "coder_a_themes": ";".join(agreed),
                "coder_a_stance": stance,
                "coder_b_themes": ";".join(sorted(b_themes)),
                "coder_b_stance": b_stance,
                "agreed_themes": ";".join(agreed),
                "agreed_stance": stance,
            }
        )
    return out


def main(argv: list[str]) -> None:
    path = Path(argv[0])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())


if __name__ == "__main__":
    main(sys.argv[1:])
