"""The versioned codeframe (`codeframe.yaml`): themes, their report counts and their rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .rules import Rule, rule_from_dict


@dataclass(frozen=True)
class Stance:
    id: str
    label: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    report_count: int | None = None  # comments the report counts (None for 'other')
    rules: tuple[Rule, ...] = ()
    stances: tuple[Stance, ...] = ()  # the stance theme's: which way the comment leans
    default_stance: str | None = None


@dataclass(frozen=True)
class Codeframe:
    version: str
    question: str
    themes: tuple[Theme, ...]  # the report's themes, in the report's order
    other: Theme  # coded when no theme's rule fires
    stance_theme_id: str | None = None  # `stance_theme`: the theme also split by stance
    # `quote_permission`: the question and answer code that allow quoting (None: no quotes)
    quote_permission: tuple[str, int] | None = None

    @property
    def theme_ids(self) -> tuple[str, ...]:
        """Every code an analyst may give: the report's themes and 'other'."""
        return (*(t.id for t in self.themes), self.other.id)

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in (*self.themes, self.other) if t.id == theme_id)

    @property
    def stance_theme(self) -> Theme | None:
        """The theme whose comments are also split by stance (None: the codeframe has none)."""
        return None if self.stance_theme_id is None else self.theme(self.stance_theme_id)


def codeframe_path() -> Path:
    from survey.pack import pack_file

    return pack_file("codeframe.yaml")


def load_codeframe(path: Path | None = None) -> Codeframe:
    """The codeframe at `path`, by default the current pack's; loaded once per file."""
    return _load_codeframe((path or codeframe_path()).resolve())


@cache
def _load_codeframe(path: Path) -> Codeframe:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    themes = tuple(_theme(t) for t in raw["themes"])
    other = Theme(raw["other"]["id"], raw["other"]["label"], raw["other"]["description"])
    stance_theme = raw.get("stance_theme")
    permission = raw.get("quote_permission")
    codeframe = Codeframe(
        str(raw["version"]),
        raw["question"],
        themes,
        other,
        None if stance_theme is None else str(stance_theme),
        None if permission is None else (str(permission["variable"]), int(permission["code"])),
    )
    _validate(codeframe)
    return codeframe


def _theme(raw: dict) -> Theme:
    stances = raw.get("stances", {})
    return Theme(
        id=raw["id"],
        label=raw["label"],
        description=" ".join(raw["description"].split()),
        report_count=int(raw["report_count"]) if raw.get("report_count") is not None else None,
        rules=tuple(rule_from_dict(r) for r in raw["rules"]),
        stances=tuple(
            Stance(s["id"], s["label"], tuple(rule_from_dict(r) for r in s["rules"]))
            for s in stances.get("list", ())
        ),
        default_stance=stances.get("default"),
    )


def _validate(codeframe: Codeframe) -> None:
    ids = codeframe.theme_ids
    if len(set(ids)) != len(ids):
        raise ValueError(f"codeframe: theme ids are not unique: {ids}")
    rules = [
        r for t in codeframe.themes for r in (*t.rules, *(r for s in t.stances for r in s.rules))
    ]
    rule_ids = [r.id for r in rules]
    if len(set(rule_ids)) != len(rule_ids):
        raise ValueError("codeframe: rule ids are not unique")
    for rule in rules:
        terms = (*rule.any, *rule.with_, *rule.unless)
        if not all(isinstance(t, str) and t.strip() for t in terms):
            raise ValueError(f"codeframe: rule {rule.id} has a term that is not text: {terms}")
    for theme in codeframe.themes:
        if not theme.rules:
            raise ValueError(f"codeframe: theme {theme.id} has no rules")
        if theme.stances and theme.default_stance not in {s.id for s in theme.stances}:
            raise ValueError(f"codeframe: theme {theme.id}: default stance is not a listed one")
    with_stances = [t.id for t in codeframe.themes if t.stances]
    named = codeframe.stance_theme_id
    if named is not None and named not in {t.id for t in codeframe.themes}:
        raise ValueError(f"codeframe: stance_theme {named} is not one of the themes")
    if with_stances != ([] if named is None else [named]):
        raise ValueError(
            "codeframe: only the theme named by stance_theme carries stances, and it must"
            f" (stance_theme: {named}; themes with stances: {with_stances or 'none'})"
        )
