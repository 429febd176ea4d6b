"""What a release says about itself in the workbook, as UK official statistics mark it.

- Every release: the cover states the release number and status, its publication date, and how
  it differs from the previous release (changes.csv has every figure).
- A provisional release: each table's title says "(provisional)", every figure heading carries
  `[p]`, and a note says why the figures are provisional.
- The final release after a provisional one: figures that differ from the last provisional
  release carry `[r]` in their flag (`publication.shorthand.flag`; `Estimates.with_revisions`),
  and the cover says what changed and why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from publication import shorthand
from publication.notes import Note, Notes
from publication.release_status import FINAL, PROVISIONAL, DataAsOf
from publication.sheet_model import FLAG, Sheet

RELEASE_NOTE = "release"


@dataclass(frozen=True)
class ReleaseInfo:
    number: int
    published: str  # date, YYYY-MM-DD
    data: DataAsOf
    previous: dict | None  # the previous release's release.json

    @property
    def status(self) -> str:
        return self.data.status

    @property
    def revising(self) -> bool:
        """A final release after a provisional one: its changed figures are revisions."""
        return (
            self.status == FINAL
            and self.previous is not None
            and self.previous.get("status") == PROVISIONAL
        )


def _changes(info: ReleaseInfo) -> str:
    before = (info.previous or {}).get("routes", {})
    moved = [
        f"{route} {before.get(route, 0):,} to {n:,} respondents"
        for route, n in info.data.routes.items()
        if n != before.get(route, 0)
    ]
    return "; ".join(moved) or "the same respondents"


def cover_sections(info: ReleaseInfo, built_from: str = "") -> list[tuple[str, list[str]]]:
    """The release's own cover entries: number and status, the pack it was built from
    (`built_from`, a sentence), and what changed since the last."""
    if info.status == PROVISIONAL:
        status = [
            f"Release {info.number}, provisional [p]: fieldwork is still open, so every figure is "
            "provisional and will be revised in later releases.",
            *(f"Why provisional: {why}." for why in info.data.why_provisional()),
        ]
    else:
        status = [
            f"Release {info.number}, final: every source's fieldwork has closed; these are the "
            "final figures."
        ]
    if info.previous is None:
        changes = ["This is the first release."]
    else:
        changes = [
            f"Since release {info.previous.get('release')} ({info.previous.get('status')}): "
            f"{_changes(info)}, because further responses were received. changes.csv lists "
            "every figure with its value in the previous release and the difference."
        ]
        if info.revising:
            changes.append(
                f"Figures that differ from the last provisional release are marked "
                f"{shorthand.REVISED} in their flag."
            )
    return [
        (
            "Release",
            [*status, f"Published {info.published}.", *([built_from] if built_from else [])],
        ),
        ("Changes since the previous release", changes),
    ]


def with_release_note(notes: Notes, info: ReleaseInfo) -> Notes:
    """The notes with one on this release: its number and status, and for a provisional
    release why its figures are provisional."""
    text = f"Release {info.number} ({info.status}), published {info.published}."
    if info.status == PROVISIONAL:
        text += (
            " Provisional figures [p]: the release is published while fieldwork is still open ("
            + "; ".join(info.data.why_provisional())
            + "). The figures will change as further responses arrive; the final release "
            "follows the close of fieldwork."
        )
    elif info.revising:
        text += (
            f" Figures marked {shorthand.REVISED} differ from the last provisional release "
            f"(release {info.previous.get('release')})."
        )
    return Notes([*notes.notes, Note(RELEASE_NOTE, text)])  # last: no citation renumbered


def mark_sheets(sheets: list[Sheet], info: ReleaseInfo) -> list[Sheet]:
    """In a provisional release, each table's title says so and its figure headings carry
    `[p]` (flag columns, named after their figure, keep their names)."""
    if info.status != PROVISIONAL:
        return sheets
    out = []
    for sheet in sheets:
        if sheet.table_name is None or not sheet.columns:
            out.append(sheet)
            continue
        columns = tuple(
            dataclasses.replace(c, heading=f"{c.heading} {shorthand.PROVISIONAL}")
            if c.number_format is not None and c.unit != FLAG
            else c
            for c in sheet.columns
        )
        out.append(
            dataclasses.replace(sheet, title=f"{sheet.title} (provisional)", columns=columns)
        )
    return out
