"""Table I1: the coded themes of the open comments (report Section I), from the `comments` schema.

The table counts comments rather than estimating shares of a population, so its layout differs
from the other tables. Its columns are groups of comments: all comments (the routes pooled),
each route and, for a route of several polls, each poll; each group shows the number of comments
coded to a theme and its percentage of the group's comments with a suggestion. Rows are the
themes ranked by their count over all comments, the codeframe's 'other' theme last and unranked,
then the comments analysed. Beside it: the codeframe's stance theme split by stance and route,
and the illustrative quotes (theme and route only).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from publication import shorthand
from publication.bi_marts import PublicationError
from publication.warehouse_questionnaire import route_polls
from survey.questionnaire import Questionnaire, TableSpec

SCHEMA = "comments"
STANCE_COUNTS = "stance_counts"  # the comments package's table of the stance theme
SOURCES = ("theme_counts", "exclusion_counts", STANCE_COUNTS, "published_quotes")
ALL = "all"
RANK = "rank"  # the measure of a theme's rank (tidy CSV)
ALL_LABEL = "All comments"
# Rows under the themes: status (as fct_estimates names it) -> (exclusion_counts column, label).
STATUSES = {
    "respondents": ("respondents", "Respondents"),
    "skipped": ("blank", "No comment (left blank)"),
    "no_suggestion": ("no_suggestion", "Comment without a suggestion (not analysed)"),
    "substantive": ("comments", "Comments analysed: base of the percentages"),
}
STANCE_BASE = "Comments on the theme: base of the percentages"


@dataclass(frozen=True)
class Group:
    """A group of comments: all (route and poll 'all'), a route (poll 'all') or one poll."""

    route: str
    poll: str
    header: str  # the workbook's column header
    group_label: str

    @property
    def breakdown(self) -> str:
        return "total" if self.poll == ALL else "poll"

    @property
    def group_id(self) -> str:
        return "total" if self.poll == ALL else self.poll


@dataclass(frozen=True)
class Share:
    """A count of comments and its (unrounded) percentage of the group's base."""

    count: int
    base: int
    flag: str  # the percentage's: [u] below the small-base threshold, else [z] (never tested)

    @property
    def pct(self) -> float | None:
        return 100.0 * self.count / self.base if self.base else None


@dataclass(frozen=True)
class ThemeRow:
    id: str
    label: str
    rank: int | None  # over all comments; None for 'other' and for stances
    shares: tuple[Share, ...]  # one per group


@dataclass(frozen=True)
class CountRow:
    id: str
    label: str
    counts: tuple[int, ...]  # one per group


@dataclass(frozen=True)
class Quote:
    theme_id: str
    theme: str
    number: int
    route: str
    route_label: str
    text: str


@dataclass(frozen=True)
class ThemeTable:
    spec: TableSpec
    groups: tuple[Group, ...]
    themes: tuple[ThemeRow, ...]
    statuses: tuple[CountRow, ...]
    stance_groups: tuple[Group, ...]
    stances: tuple[ThemeRow, ...]
    stance_base: CountRow
    quotes: tuple[Quote, ...]
    stance_theme: str = ""  # the label of the codeframe's stance theme


@dataclass(frozen=True)
class CommentFigures:
    """The comment tables publication reads, as the warehouse holds them."""

    theme_counts: pl.DataFrame
    exclusion_counts: pl.DataFrame
    stance_counts: pl.DataFrame
    published_quotes: pl.DataFrame

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> CommentFigures:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = ?", [SCHEMA]
            ).fetchall()
        }
        if missing := [t for t in SOURCES if t not in present]:
            raise PublicationError(
                f"The comment-themes table needs {', '.join(f'{SCHEMA}.{t}' for t in missing)}: "
                "materialise the comments assets first"
            )
        return cls(*(con.sql(f"select * from {SCHEMA}.{t}").pl() for t in SOURCES))


def comment_groups(q: Questionnaire) -> tuple[Group, ...]:
    """All comments, then per route its total and, for a route of several polls, each poll."""
    groups = [Group(ALL, ALL, ALL_LABEL, ALL_LABEL)]
    for route, spec in q.routes.items():
        label, polls = spec["label"], route_polls(spec)
        if len(polls) == 1:
            groups.append(Group(route, ALL, label, "Total"))
            continue
        groups.append(Group(route, ALL, f"{label}: Total", "Total"))
        groups += [Group(route, p, f"{label}: {s['label']}", s["label"]) for p, s in polls.items()]
    return tuple(groups)


def _in_group(frame: pl.DataFrame, g: Group) -> pl.DataFrame:
    if g.route == ALL:
        return frame
    keep = pl.col("route") == g.route
    return frame.filter(keep if g.poll == ALL else keep & (pl.col("poll") == g.poll))


def _shares(counts: list[int], bases: tuple[int, ...], threshold: int) -> tuple[Share, ...]:
    """Each group's count of its base, the percentage flagged by the base."""
    return tuple(
        Share(
            n,
            base,
            shorthand.flag(available=base > 0, small_base=base < threshold, significant=None),
        )
        for n, base in zip(counts, bases, strict=True)
    )


def build_theme_table(
    spec: TableSpec, q: Questionnaire, c: CommentFigures, stance_theme: str = ""
) -> ThemeTable:
    threshold = int(q.analysis["small_base_threshold"])
    groups = comment_groups(q)
    statuses = tuple(
        CountRow(
            sid, label, tuple(int(_in_group(c.exclusion_counts, g)[col].sum()) for g in groups)
        )
        for sid, (col, label) in STATUSES.items()
    )
    bases = statuses[-1].counts  # comments analysed
    counts = {
        (r["route"], r["poll"], r["theme_id"]): r["comments"]
        for r in c.theme_counts.iter_rows(named=True)
    }
    ranked = c.theme_counts.filter((pl.col("route") == ALL) & (pl.col("poll") == ALL)).sort(
        pl.col("rank").fill_null(len(c.theme_counts) + 1), maintain_order=True
    )
    themes = tuple(
        ThemeRow(
            tid,
            label,
            rank,
            _shares([counts.get((g.route, g.poll, tid), 0) for g in groups], bases, threshold),
        )
        for tid, label, rank in ranked.select("theme_id", "label", "rank").iter_rows()
    )
    by_stance = c.stance_counts
    stance_groups = tuple(g for g in groups if g.poll == ALL)
    stance_ids = by_stance["stance"].unique(maintain_order=True).to_list()
    stance_counts = {
        (r["route"], r["stance"]): r["comments"] for r in by_stance.iter_rows(named=True)
    }
    stance_bases = tuple(
        sum(stance_counts.get((g.route, s), 0) for s in stance_ids) for g in stance_groups
    )
    stances = tuple(
        ThemeRow(
            sid,
            label,
            None,
            _shares(
                [stance_counts.get((g.route, sid), 0) for g in stance_groups],
                stance_bases,
                threshold,
            ),
        )
        for sid, label in by_stance.select("stance", "label")
        .unique(maintain_order=True)
        .iter_rows()
    )
    return ThemeTable(
        spec=spec,
        groups=groups,
        themes=themes,
        statuses=statuses,
        stance_groups=stance_groups,
        stances=stances,
        stance_base=CountRow("stance_base", STANCE_BASE, stance_bases),
        quotes=_quotes(c.published_quotes, themes, q),
        stance_theme=stance_theme,
    )


def _quotes(quotes: pl.DataFrame, themes: tuple[ThemeRow, ...], q: Questionnaire) -> tuple:
    """Quotes in the themes' order, then by their number; route and text only."""
    order = {t.id: i for i, t in enumerate(themes)}
    labels = {t.id: t.label for t in themes}
    rows = sorted(
        quotes.iter_rows(named=True),
        key=lambda r: (order.get(r["theme_id"], len(order)), r["quote_number"]),
    )
    return tuple(
        Quote(
            r["theme_id"],
            labels.get(r["theme_id"], r["theme_id"]),
            r["quote_number"],
            r["route"],
            q.routes[r["route"]]["label"],
            r["quote"],
        )
        for r in rows
    )
