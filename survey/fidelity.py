"""Reproduce the report's printed figures from the warehouse and compare.

Each figure of `report_figures.yaml` is read back from the marts (`fct_estimates`,
`fct_modal_ranks`), for sample-composition counts from `int_respondents` / `int_responses`, and
for the themes of the open comments (Section I) from `comments.theme_counts`.
The result is one row per figure: printed value, reproduced value (unrounded), the rule it is
judged by (`ReportFigure.rule`: a percentage must round half-up to the printed integer; counts,
bases and ranks must be equal; a percentage listed as unreachable - no integer count on its base
gives it - must be within a point, with the arithmetic), difference and pass/fail.
"""

from __future__ import annotations

import duckdb
import polars as pl

from survey.figures import (
    PLATFORM_STATISTIC,
    ReportFigure,
    load_report_figures,
    nearest_counts,
    reachable,
)
from survey.questionnaire import Questionnaire

THEME_STATS = {"theme_count": "comments", "theme_rank": "rank"}


def _group(fig: ReportFigure) -> tuple[str, str]:
    return ("total", "total") if fig.group == "total" else tuple(fig.group.split(":"))  # type: ignore[return-value]


def _estimate(con, fig: ReportFigure, kind: str, category: str, column: str = "pct"):
    breakdown, group = _group(fig)
    row = con.execute(
        f"""
        select {column} from marts.fct_estimates
        where variable_id = ? and route = ? and breakdown = ? and group_id = ?
          and category_kind = ? and category = ?
        """,
        [fig.variable, fig.route, breakdown, group, kind, category],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _base(con, fig: ReportFigure, variables: list[str], agg: str) -> float | None:
    breakdown, group = _group(fig)
    row = con.execute(
        f"""
        select {agg}(unweighted_base) from (
            select variable_id, max(unweighted_base) as unweighted_base
            from marts.fct_estimates
            where variable_id in (select unnest(?)) and route = ? and breakdown = ?
              and group_id = ? and category_kind <> 'status'
            group by variable_id
        )
        """,
        [variables, fig.route, breakdown, group],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _theme(con, fig: ReportFigure) -> float | None:
    """A theme's count or rank in its group of comments (route 'all': both routes)."""
    stat, theme_id = fig.stat.split(":")
    poll = "all" if fig.group == "total" else fig.group.split(":")[1]
    row = con.execute(
        f"""
        select {THEME_STATS[stat]} from comments.theme_counts
        where theme_id = ? and route = ? and poll = ?
        """,
        [theme_id, fig.route, poll],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _platform_statistic(con, fig: ReportFigure) -> float | None:
    """The metric's count in raw.platform_statistics (None when not delivered)."""
    from ingest.platform_statistics import loaded_platform_statistics

    table = loaded_platform_statistics(con)
    if table is None:
        return None
    values = table.filter(pl.col("metric") == fig.variable)["value"]
    return float(values[0]) if len(values) else None


def _respondent_filter(fig: ReportFigure) -> tuple[str, list]:
    if fig.group == "total":
        return "route = ?", [fig.route]
    kind, gid = fig.group.split(":")
    if kind == "poll":
        return "route = ? and poll = ?", [fig.route, gid]
    return f"route = ? and grp_{kind} = ?", [fig.route, gid]


def reproduce(con: duckdb.DuckDBPyConnection, fig: ReportFigure, q: Questionnaire) -> float | None:
    """The figure's value as the warehouse holds it (None when the warehouse has no such figure)."""
    stat = fig.stat
    if stat.split(":")[0] in THEME_STATS:
        return _theme(con, fig)
    if stat == PLATFORM_STATISTIC:
        return _platform_statistic(con, fig)
    if stat == "respondents":
        where, params = _respondent_filter(fig)
        sql = f"select count(*) from intermediate.int_respondents where {where}"
        return float(con.execute(sql, params).fetchone()[0])
    if stat.startswith("composition"):
        _, *spec = stat.split(":")
        if stat.startswith("composition_code:"):
            column, value = q.variables[fig.variable].id.lower(), int(spec[0])
        else:
            column, value = f"grp_{spec[0]}", spec[1]
        where, params = _respondent_filter(fig)
        share = f"100.0 * avg(coalesce(({column} = ?)::int, 0))"
        sql = f"select {share} from intermediate.int_respondents where {where}"
        row = con.execute(sql, [value, *params]).fetchone()
        return None if row[0] is None else float(row[0])
    if stat == "substantive_comments":
        where, params = _respondent_filter(fig)
        return float(
            con.execute(
                f"""
                select count(*) from intermediate.int_responses
                where variable_id = ? and in_base
                  and respondent_id in (
                      select respondent_id from intermediate.int_respondents where {where}
                  )
                """,
                [fig.variable, *params],
            ).fetchone()[0]
        )
    if stat in ("min_base", "max_base"):
        variables = [v.id for v in q.variables.values() if v.question_id == fig.variable]
        return _base(con, fig, variables, "min" if stat == "min_base" else "max")
    if stat == "base":
        return _base(con, fig, [fig.variable], "max")
    if stat == "skipped":
        return _estimate(con, fig, "status", "skipped", "unweighted_count")
    if stat.startswith("net:"):
        return _estimate(con, fig, "net", stat[4:])
    if stat.startswith("share:"):
        return _estimate(con, fig, "code", stat[6:])
    if stat == "option":
        return _estimate(con, fig, "option", "1")
    if stat == "modal_rank":
        breakdown, group = _group(fig)
        row = con.execute(
            """
            select modal_rank from marts.fct_modal_ranks
            where variable_id = ? and route = ? and breakdown = ? and group_id = ?
            """,
            [fig.variable, fig.route, breakdown, group],
        ).fetchone()
        return None if row is None else float(row[0])
    if stat == "dk_share":
        counts = {
            c: _estimate(con, fig, "status", c, "weighted_count") or 0.0
            for c in ("dont_know", "prefer_not_to_say", "skipped", "not_asked")
        }
        total = _estimate(con, fig, "status", "dont_know", "weighted_base")
        answered = (
            (total or 0.0) - counts["prefer_not_to_say"] - counts["skipped"] - counts["not_asked"]
        )
        return None if answered <= 0 else 100.0 * counts["dont_know"] / answered
    raise ValueError(f"figure {fig.id}: unknown stat {stat}")


def share_base(con: duckdb.DuckDBPyConnection, fig: ReportFigure) -> float | None:
    """The unweighted base of a percentage read from fct_estimates (None for other figures)."""
    for prefix, kind in (("net:", "net"), ("share:", "code"), ("option", "option")):
        if fig.stat.startswith(prefix):
            category = "1" if kind == "option" else fig.stat[len(prefix) :]
            return _estimate(con, fig, kind, category, "unweighted_base")
    return None


def _arithmetic(fig: ReportFigure, base: float | None) -> str | None:
    """Why a percentage cannot be reproduced at its rounding: the counts either side of it."""
    if not fig.is_share or fig.compare != "exact" or not base:
        return None
    n = int(base)
    if reachable(fig.value, n):
        return None
    return f"no count of {n} gives {fig.value:g}%: {nearest_counts(fig.value, n)}"


def fidelity_table(con: duckdb.DuckDBPyConnection, q: Questionnaire) -> pl.DataFrame:
    rows = []
    weighted = {r for r, spec in q.routes.items() if spec["weighted"]}
    for fig in load_report_figures():
        value = reproduce(con, fig, q)
        base = share_base(con, fig) if fig.is_share else None
        rows.append(
            {
                "figure": fig.id,
                "source": fig.ref,
                "variable": fig.variable,
                "statistic": fig.stat,
                "route": fig.route,
                "group": fig.group,
                "comparison": fig.compare,
                "rule": fig.rule,
                "printed_value": fig.value,
                "reproduced_value": None if value is None else round(value, 6),
                "unweighted_base": base,
                "unreachable": (None if fig.route in weighted else _arithmetic(fig, base)),
                "difference": None if value is None else round(value - fig.value, 6),
                "passed": fig.passes(value, base),
            }
        )
    # a pack without report_figures.yaml has no figure: the table is empty, with its columns
    return (
        pl.DataFrame(rows, schema=FIDELITY_SCHEMA)
        if not rows
        else pl.DataFrame(rows, infer_schema_length=None)
    )


FIDELITY_SCHEMA = {
    "figure": pl.String,
    "source": pl.String,
    "variable": pl.String,
    "statistic": pl.String,
    "route": pl.String,
    "group": pl.String,
    "comparison": pl.String,
    "rule": pl.String,
    "printed_value": pl.Float64,
    "reproduced_value": pl.Float64,
    "unweighted_base": pl.Float64,
    "unreachable": pl.String,
    "difference": pl.Float64,
    "passed": pl.Boolean,
}
