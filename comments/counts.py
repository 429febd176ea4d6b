"""Table I1's counts: comments per theme by route and poll, ranked; the stance theme's comments
by stance and route.

Groups: all comments (route 'all', poll 'all'), each route (poll 'all', in the questionnaire's
order of routes) and, for a route of several polls, each poll. `comments` counts respondents
coded to the theme; `base` the comments analysed in the group; `rank` orders the report's themes
by count (ties share a rank; 'other' is not ranked).
"""

from __future__ import annotations

import polars as pl

from survey.questionnaire import Questionnaire, load_questionnaire

from .codeframe import Codeframe, load_codeframe

ALL = "all"


def route_order(q: Questionnaire | None = None) -> dict[str, int]:
    """'all' first, then the questionnaire's routes in their order."""
    return {ALL: 0} | {r: i for i, r in enumerate((q or load_questionnaire()).routes, start=1)}


def _routes(coded: pl.DataFrame, order: dict[str, int]) -> list[str]:
    return sorted(coded["route"].unique(), key=lambda r: (order.get(r, len(order)), r))


def _groups(coded: pl.DataFrame, order: dict[str, int]) -> list[tuple[str, str, pl.Expr]]:
    """(route, poll, filter) of every group of Table I1."""
    groups = [(ALL, ALL, pl.lit(True))]
    for route in _routes(coded, order):
        groups.append((route, ALL, pl.col("route") == route))
        polls = coded.filter(pl.col("route") == route)["poll"].unique(maintain_order=True)
        if polls.len() > 1:
            groups += [(route, p, pl.col("poll") == p) for p in polls]
    return groups


def theme_counts(
    coded: pl.DataFrame, codeframe: Codeframe | None = None, q: Questionnaire | None = None
) -> pl.DataFrame:
    """`coded` has one row per respondent x theme with `route` and `poll`."""
    codeframe = codeframe or load_codeframe()
    order = route_order(q)
    themes = pl.DataFrame(
        {
            "theme_id": list(codeframe.theme_ids),
            "label": [codeframe.theme(t).label for t in codeframe.theme_ids],
            "order": list(range(len(codeframe.theme_ids))),
        }
    )
    frames = []
    for route, poll, keep in _groups(coded, order):
        group = coded.filter(keep)
        counts = group.group_by("theme_id").agg(comments=pl.col("respondent_id").n_unique())
        table = themes.join(counts, on="theme_id", how="left").with_columns(
            pl.col("comments").fill_null(0).cast(pl.Int64),
            route=pl.lit(route),
            poll=pl.lit(poll),
            base=pl.lit(group["respondent_id"].n_unique(), dtype=pl.Int64),
        )
        is_other = pl.col("theme_id") == codeframe.other.id
        frames += [
            table.filter(~is_other).with_columns(
                rank=pl.col("comments").rank("min", descending=True).cast(pl.Int64)
            ),
            table.filter(is_other).with_columns(rank=pl.lit(None, dtype=pl.Int64)),
        ]
    table = pl.concat(frames).with_columns(pct=(100 * pl.col("comments") / pl.col("base")).round(1))
    return table.sort(
        pl.col("route").replace_strict(order, default=len(order)),
        "poll",
        pl.col("rank").fill_null(len(codeframe.themes) + 1),
        "order",
    ).select("theme_id", "label", "route", "poll", "comments", "base", "pct", "rank")


def stance_counts(
    coded: pl.DataFrame, codeframe: Codeframe | None = None, q: Questionnaire | None = None
) -> pl.DataFrame:
    """Comments on the codeframe's stance theme by stance, for all comments and each route, with
    the route's share (no rows when the codeframe has no stance theme)."""
    theme = (codeframe or load_codeframe()).stance_theme
    rows = []
    on_theme = coded.filter(pl.col("theme_id") == theme.id) if theme else coded.clear()
    routes = [ALL, *_routes(on_theme, route_order(q))] if theme else []
    for route in routes:
        group = on_theme if route == ALL else on_theme.filter(pl.col("route") == route)
        for stance in theme.stances:
            n = group.filter(pl.col("stance") == stance.id).height
            rows.append(
                {
                    "route": route,
                    "stance": stance.id,
                    "label": stance.label,
                    "comments": n,
                    "pct": round(100 * n / group.height, 1) if group.height else None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "route": pl.String,
            "stance": pl.String,
            "label": pl.String,
            "comments": pl.Int64,
            "pct": pl.Float64,
        },
    )
