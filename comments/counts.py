"""Table I1's counts: comments per theme by route and poll, ranked; the drugs split by route.

Groups: all comments (route 'all', poll 'all'), each route (poll 'all') and, for a route of
several polls, each poll. `comments` counts respondents coded to the theme; `base` the comments
analysed in the group; `rank` orders the report's themes by count (ties share a rank; 'other'
is not ranked).
"""

from __future__ import annotations

import polars as pl

from .codeframe import Codeframe, load_codeframe

ALL = "all"
ROUTE_ORDER = {ALL: 0, "talk_london": 1, "polls": 2}


def _groups(coded: pl.DataFrame) -> list[tuple[str, str, pl.Expr]]:
    """(route, poll, filter) of every group of Table I1."""
    groups = [(ALL, ALL, pl.lit(True))]
    for route in sorted(coded["route"].unique(), key=lambda r: ROUTE_ORDER.get(r, 9)):
        groups.append((route, ALL, pl.col("route") == route))
        polls = coded.filter(pl.col("route") == route)["poll"].unique(maintain_order=True)
        if polls.len() > 1:
            groups += [(route, p, pl.col("poll") == p) for p in polls]
    return groups


def theme_counts(coded: pl.DataFrame, codeframe: Codeframe | None = None) -> pl.DataFrame:
    """`coded` has one row per respondent x theme with `route` and `poll`."""
    codeframe = codeframe or load_codeframe()
    themes = pl.DataFrame(
        {
            "theme_id": list(codeframe.theme_ids),
            "label": [codeframe.theme(t).label for t in codeframe.theme_ids],
            "order": list(range(len(codeframe.theme_ids))),
        }
    )
    frames = []
    for route, poll, keep in _groups(coded):
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
        pl.col("route").replace_strict(ROUTE_ORDER, default=9),
        "poll",
        pl.col("rank").fill_null(len(codeframe.themes) + 1),
        "order",
    ).select("theme_id", "label", "route", "poll", "comments", "base", "pct", "rank")


def drugs_stance_counts(coded: pl.DataFrame, codeframe: Codeframe | None = None) -> pl.DataFrame:
    """Comments on drugs by stance, for all comments and each route, with the route's share."""
    theme = (codeframe or load_codeframe()).stance_theme
    drugs = coded.filter(pl.col("theme_id") == theme.id)
    rows = []
    routes = [ALL, *sorted(drugs["route"].unique(), key=lambda r: ROUTE_ORDER.get(r, 9))]
    for route in routes:
        group = drugs if route == ALL else drugs.filter(pl.col("route") == route)
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
