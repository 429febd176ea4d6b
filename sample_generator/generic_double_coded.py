"""One-off: double-coded comments (`coded_comments.csv`) for a pack without calibration.

Run once per pack, and the file committed: the pipeline reads the file, never this module.

    SURVEY_CONSULTATION=<id> python -m sample_generator.generic_double_coded \
        consultations/<id>/coded_comments.csv

For a fictional pack (the bundled second consultation) there is no analysts' coding, so the set
is written by the generic generator with another seed than the bundled sample's (comments that
are not in the sample), from its substantive comments with their intended themes as the agreed
codes. Coder A coded as agreed; coder B departs from the agreed codes on a seeded few comments (a
theme missed or one added, a stance read the other way), as a second coder does. Layout: the
reference pack's file (comment_id, text, then themes and stance of coder A, coder B, agreed).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import polars as pl

from ingest.coded_comments import DOUBLE_CODED_COLUMNS
from sample_generator.double_coded import STANCE_DISAGREEMENT, THEME_DISAGREEMENT
from sample_generator.generic import comment_truth
from survey.pack import Consultation, current

SEED = 20251204  # not the sample's: the comments coded are not the bundled sample's
COMMENTS = 300
COLUMNS = DOUBLE_CODED_COLUMNS


def rows(consultation: Consultation, n: int = COMMENTS, seed: int = SEED) -> list[dict[str, str]]:
    codeframe = consultation.codeframe
    stance_theme = next((t for t in codeframe.themes if t.stances), None)
    stance_ids = [s.id for s in stance_theme.stances] if stance_theme else []
    truth = comment_truth(consultation, seed).filter(pl.col("themes").list.len() > 0)
    truth = truth.unique("text", keep="first", maintain_order=True).head(n)
    rng = np.random.default_rng(seed)
    theme_ids = list(codeframe.theme_ids)
    out = []
    for i, row in enumerate(truth.iter_rows(named=True), start=1):
        agreed, stance = list(row["themes"]), row["stance"] or ""
        b_themes, b_stance = list(agreed), stance
        if rng.random() < THEME_DISAGREEMENT:
            if len(b_themes) > 1:
                b_themes.pop(int(rng.integers(len(b_themes))))  # a theme missed
            else:
                extra = [t for t in theme_ids if t not in b_themes and t != codeframe.other.id]
                added = extra[int(rng.integers(len(extra)))]
                b_themes = [added] if b_themes == [codeframe.other.id] else [*b_themes, added]
        if stance_theme is not None and stance_theme.id in b_themes:
            if not b_stance:
                b_stance = stance_theme.default_stance
            elif rng.random() < STANCE_DISAGREEMENT:
                b_stance = next(s for s in stance_ids if s != b_stance)
        else:
            b_stance = ""
        out.append(
            {
                "comment_id": f"c{i:04d}",
                "text": row["text"],
                "coder_a_themes": ";".join(agreed),
                "coder_a_stance": stance,
                "coder_b_themes": ";".join(b_themes),
                "coder_b_stance": b_stance,
                "agreed_themes": ";".join(agreed),
                "agreed_stance": stance,
            }
        )
    return out


def write(path: Path, consultation: Consultation | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(consultation or current()))
    return Path(path)


if __name__ == "__main__":
    print(write(Path(sys.argv[1])))
