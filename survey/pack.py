"""Consultation packs: the folder `consultations/<id>/` that holds everything specific to one
consultation (questionnaire, weighting targets, codeframe, charts, cover text, report figures,
sample calibration, double-coded comments). The code is generic; the pack is data.

`SURVEY_CONSULTATION` chooses the pack: a pack id under `consultations/` or a path to a pack
folder. Unset, it is the reference case. Nothing is read at import time: `current()` resolves the
setting when it is called, and each pack file is loaded once per process by its own loader.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from comments.codeframe import Codeframe
    from survey.poll_weights import WeightingScheme
    from survey.questionnaire import Questionnaire

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKS_DIR = REPO_ROOT / "consultations"
DEFAULT_CONSULTATION = "mopac_pcp_2021"
SETTING = "SURVEY_CONSULTATION"

# Pack files by role. Only the questionnaire is required; the loaders of optional files say what
# is missing when a feature that needs one is used.
QUESTIONNAIRE = "questionnaire.yaml"
REQUIRED_FILES = (QUESTIONNAIRE,)
OPTIONAL_FILES = (
    "weighting_targets.yaml",  # margins for each weighted route (required when a route is weighted)
    "codeframe.yaml",  # themes of the open comments (required when a table has kind `themes`)
    "coded_comments.csv",  # analysts' double-coded comments: coder agreement
    "charts.yaml",  # chart specs
    "publication.yaml",  # cover: contact, dates, release description, method text
    "benchmarks.yaml",  # external benchmarks shown beside the figures
    "report_figures.yaml",  # the published report's figures: the fidelity check
    "sample/",  # the sample generator's calibration (optional: without it, a generic sample)
    "reference/",  # population sources of the weighting targets
)


class PackError(ValueError):
    """The pack cannot be found or one of its files is invalid (file, key and line named)."""


def pack_folder(setting: str | None = None) -> Path:
    """The pack folder that `setting` (default: `$SURVEY_CONSULTATION`, then the reference
    case) names: an id under `consultations/` or a path to a folder."""
    value = setting if setting is not None else os.environ.get(SETTING, "").strip()
    value = value or DEFAULT_CONSULTATION
    by_id = PACKS_DIR / value
    path = by_id if by_id.is_dir() else Path(value).expanduser()
    path = path.resolve()
    if not (path / QUESTIONNAIRE).is_file():
        known = ", ".join(p.name for p in available_packs()) or "none"
        raise PackError(
            f"{SETTING}={value}: no consultation pack there (a pack is a folder holding "
            f"{QUESTIONNAIRE}). Packs under {PACKS_DIR.relative_to(REPO_ROOT)}/: {known}"
        )
    return path


def available_packs() -> list[Path]:
    if not PACKS_DIR.is_dir():
        return []
    return sorted(p for p in PACKS_DIR.iterdir() if (p / QUESTIONNAIRE).is_file())


def pack_file(name: str, setting: str | None = None) -> Path:
    """A file of the current pack (it may not exist: optional files are checked by their
    loaders)."""
    return pack_folder(setting) / name


@dataclass(frozen=True)
class Consultation:
    """One consultation pack, loaded file by file on first use."""

    folder: Path

    @property
    def id(self) -> str:
        return self.folder.name

    def file(self, name: str) -> Path:
        return self.folder / name

    def has(self, name: str) -> bool:
        return (self.folder / name).exists()

    @cached_property
    def questionnaire(self) -> Questionnaire:
        from survey.questionnaire import load_questionnaire

        return load_questionnaire(self.file(QUESTIONNAIRE))

    @property
    def version(self) -> str:
        return self.questionnaire.version

    @cached_property
    def codeframe(self) -> Codeframe:
        from comments.codeframe import load_codeframe

        return load_codeframe(self.file("codeframe.yaml"))

    @cached_property
    def weighting_scheme(self) -> WeightingScheme:
        from survey.poll_weights import load_weighting_scheme

        return load_weighting_scheme(self.file("weighting_targets.yaml"))

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over every file of the pack (names and bytes): what a build was made from."""
        digest = hashlib.sha256()
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(self.folder)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def current(setting: str | None = None) -> Consultation:
    """The consultation chosen by `setting` or `$SURVEY_CONSULTATION`."""
    return _consultation(pack_folder(setting))


_CACHE: dict[Path, Consultation] = {}


def _consultation(folder: Path) -> Consultation:
    if folder not in _CACHE:
        _CACHE[folder] = Consultation(folder)
    return _CACHE[folder]
