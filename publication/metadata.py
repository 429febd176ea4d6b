"""Publication metadata (the pack's `publication.yaml`): contact, dates, what the release is, and
the consultation's own prose, the cover's method text and the note on the routes, as templates.

A template's placeholders (Python format fields) are filled from the warehouse
(`template_values`): `{survey[title]}`, `{survey[owner]}`, `{survey[fieldwork_start]}`,
`{survey[fieldwork_end]}`, `{routes[<route>][label]}`, `{routes[<route>][respondents]}`,
`{routes[<route>][weighting]}` ('weighted' or 'unweighted'), `{poll[<poll>][label]}`,
`{poll[<poll>][respondents]}`, `{respondents}` (all routes), `{tables}`,
`{questionnaire_version}`; counts accept a format such as `{respondents:,}`. An unknown
placeholder stops publication with the file, key and line.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from publication.pack_yaml import PackFileError, PackYaml, read
from publication.warehouse_questionnaire import route_polls

PUBLICATION_FILE = "publication.yaml"
REQUIRED = ("release_description", "published", "next_update", "contact", "subject", "language")
TEMPLATES = ("method", "routes_note")


@dataclass(frozen=True)
class Template:
    """A text with placeholders, and where it is written (for messages)."""

    text: str
    where: str

    def fields(self) -> list[str]:
        try:
            return [f for _, f, _, _ in string.Formatter().parse(self.text) if f is not None]
        except ValueError as exc:
            raise PackFileError(
                f"{self.where}: {exc} (write a literal brace as {{{{ or }}}})"
            ) from None

    def render(self, values: dict) -> str:
        self.fields()
        try:
            return self.text.format_map(values)
        except (KeyError, IndexError) as exc:
            known = ", ".join(sorted(values))
            raise PackFileError(
                f"{self.where}: no placeholder value for key {exc} (placeholders: {known}; "
                "routes and polls (poll) by their ids)"
            ) from None
        except (ValueError, TypeError) as exc:
            raise PackFileError(
                f"{self.where}: a placeholder's format does not fit: {exc}"
            ) from None


@dataclass(frozen=True)
class PublicationInfo:
    release_description: str
    published: str
    next_update: str
    contact_team: str
    contact_web: str
    subject: str
    language: str
    # the cover's Methodology paragraphs and the routes note, as templates (None: not written)
    method: tuple[Template, ...] = ()
    routes_note: Template | None = None


def _template(doc: PackYaml, value: object, *keys: str | int) -> Template:
    if not isinstance(value, str) or not value.strip():
        raise doc.error("a non-empty text", *keys)
    template = Template(" ".join(value.split()), doc.where(*keys))
    template.fields()
    return template


def load_publication_info(path: Path | None = None) -> PublicationInfo:
    """Read and check the pack's `publication.yaml`; an error names the file, key and line."""
    from survey.pack import pack_file

    path = path or pack_file(PUBLICATION_FILE)
    if not path.is_file():
        raise PackFileError(
            f"{path.name}: missing from the pack; the workbook's cover needs its "
            f"{', '.join(REQUIRED)}"
        )
    doc = read(path)
    raw = doc.data if isinstance(doc.data, dict) else {}
    missing = [k for k in REQUIRED if not raw.get(k)]
    missing += [f"contact.{k}" for k in ("team", "web") if not (raw.get("contact") or {}).get(k)]
    if missing:
        raise PackFileError(f"{path.name}: missing {', '.join(missing)}")
    method = raw.get("method") or []
    if not isinstance(method, list):
        raise doc.error("a list of paragraphs", "method")
    note = raw.get("routes_note")
    return PublicationInfo(
        release_description=" ".join(str(raw["release_description"]).split()),
        published=str(raw["published"]),
        next_update=" ".join(str(raw["next_update"]).split()),
        contact_team=str(raw["contact"]["team"]),
        contact_web=str(raw["contact"]["web"]),
        subject=str(raw["subject"]),
        language=str(raw["language"]),
        method=tuple(_template(doc, p, "method", i) for i, p in enumerate(method)),
        routes_note=None if note is None else _template(doc, note, "routes_note"),
    )


def template_values(q, routes: dict[str, int], polls: dict[str, int], tables: int) -> dict:
    """What placeholders are filled with: `q` (the warehouse's questionnaire), respondents
    analysed per route and per poll (the warehouse's counts), the number of tables."""
    return {
        "survey": dict(q.survey),
        "routes": {
            r: {
                "label": s["label"],
                "respondents": routes.get(r, 0),
                "weighting": "weighted" if s["weighted"] else "unweighted",
            }
            for r, s in q.routes.items()
        },
        "poll": {
            p: {"label": ps["label"], "respondents": polls.get(p, 0)}
            for s in q.routes.values()
            for p, ps in route_polls(s).items()
        },
        "respondents": sum(routes.values()),
        "tables": tables,
        "questionnaire_version": q.version,
    }
