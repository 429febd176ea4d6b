"""Publication metadata (`survey/publication.yaml`): contact, dates and what the release is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

REQUIRED = ("release_description", "published", "next_update", "contact", "subject", "language")


@dataclass(frozen=True)
class PublicationInfo:
    release_description: str
    published: str
    next_update: str
    contact_team: str
    contact_web: str
    subject: str
    language: str


def load_publication_info(path: Path | None = None) -> PublicationInfo:
    """Read and check the pack's `publication.yaml`; a missing key is named with the file."""
    from survey.pack import pack_file

    path = path or pack_file("publication.yaml")
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    missing = [k for k in REQUIRED if not raw.get(k)]
    missing += [f"contact.{k}" for k in ("team", "web") if not (raw.get("contact") or {}).get(k)]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return PublicationInfo(
        release_description=" ".join(str(raw["release_description"]).split()),
        published=str(raw["published"]),
        next_update=" ".join(str(raw["next_update"]).split()),
        contact_team=str(raw["contact"]["team"]),
        contact_web=str(raw["contact"]["web"]),
        subject=str(raw["subject"]),
        language=str(raw["language"]),
    )
