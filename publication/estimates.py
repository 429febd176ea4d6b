"""The published figures as the marts hold them (`marts.fct_estimates`, `marts.fct_modal_ranks`),
and the columns every table shows: per route, Total then each breakdown group of that route."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from survey.questionnaire import Questionnaire

TOTAL = "total"
ESTIMATE_COLUMNS = (
    "variable_id",
    "route",
    "breakdown",
    "group_id",
    "category_kind",
    "category",
    "category_label",
    "pct",
    "unweighted_count",
    "weighted_count",
    "unweighted_base",
    "weighted_base",
    "effective_base",
    "small_base",
    "compared_with",
    "significant",
)
INTERVAL_COLUMNS = ("ci_lower", "ci_upper")  # the 95% confidence interval of `pct` (0-100)
KEY = ("variable_id", "route", "breakdown", "group_id", "category_kind", "category")
# Percentages differing by less than this between releases are the same figure (float error).
REVISION_TOLERANCE = 1e-9


@dataclass(frozen=True)
class FigureColumn:
    """One column of figures: a route's total or one group of one breakdown."""

    route: str
    route_label: str
    breakdown: str
    breakdown_label: str
    group_id: str
    group_label: str
    weighted: bool

    @property
    def header(self) -> str:
        if self.breakdown == TOTAL:
            return f"{self.route_label}: Total"
        return f"{self.route_label}: {self.breakdown_label}: {self.group_label}"


def figure_columns(q: Questionnaire) -> list[FigureColumn]:
    """The routes in questionnaire order; each: Total, then every breakdown group reported for
    the route."""
    columns = []
    for route, spec in q.routes.items():
        label, weighted = spec["label"], bool(spec["weighted"])
        columns.append(FigureColumn(route, label, TOTAL, "Total", TOTAL, "Total", weighted))
        columns += [
            FigureColumn(route, label, b.id, b.label, gid, glabel, weighted)
            for b in q.breakdowns.values()
            if route in b.routes
            for gid, (glabel, _) in b.groups.items()
        ]
    return columns


class Estimates:
    """Figures of `fct_estimates` by key, and modal ranks of `fct_modal_ranks`."""

    def __init__(self, estimates: pl.DataFrame, modal_ranks: pl.DataFrame) -> None:
        if "suppressed" not in estimates.columns:
            estimates = estimates.with_columns(pl.lit(False).alias("suppressed"))
        self.frame = estimates
        self.modal_ranks = modal_ranks
        self._rows = {tuple(row[k] for k in KEY): row for row in estimates.iter_rows(named=True)}
        self._labels = {
            (r["variable_id"], r["category_kind"], r["category"]): r["category_label"]
            for r in self._rows.values()
        }
        self._modal = {
            (r["variable_id"], r["route"], r["breakdown"], r["group_id"]): r["modal_rank"]
            for r in modal_ranks.iter_rows(named=True)
        }

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> Estimates:
        present = {r[0] for r in con.execute("describe marts.fct_estimates").fetchall()}
        columns = [*ESTIMATE_COLUMNS, *(c for c in INTERVAL_COLUMNS if c in present)]
        estimates = con.sql(f"select {', '.join(columns)} from marts.fct_estimates").pl()
        modal = con.sql(
            "select variable_id, route, breakdown, group_id, modal_rank from marts.fct_modal_ranks"
        ).pl()
        return cls(estimates, modal)

    def with_suppressed(self, cells: pl.DataFrame) -> Estimates:
        """These estimates with the figures of `cells` withheld (`publication.disclosure`):
        counts, percentages, tests and modal ranks null, `suppressed` true."""
        from publication.disclosure import apply_suppression

        if cells.is_empty():
            return self
        answers = cells.filter(~pl.col("is_status")).drop("is_status")
        modal = self.modal_ranks.join(
            answers.with_columns(pl.lit(True).alias("_held")),
            on=["route", "variable_id", "breakdown", "group_id"],
            how="left",
        ).select(
            pl.exclude("modal_rank", "_held"),
            pl.when(pl.col("_held").fill_null(False))
            .then(None)
            .otherwise("modal_rank")
            .alias("modal_rank"),
        )
        return Estimates(apply_suppression(self.frame.drop("suppressed"), cells), modal)

    def with_revisions(self, previous: pl.DataFrame) -> Estimates:
        """These estimates with `revised` true where the percentage differs from `previous`
        (KEY and pct of the release revised against) or was not published there."""
        before = previous.select(*KEY, pl.col("pct").alias("_before"))
        frame = self.frame.join(before, on=list(KEY), how="left").with_columns(
            (
                pl.col("pct").is_not_null()
                & ((pl.col("pct") - pl.col("_before")).abs() > REVISION_TOLERANCE)
                | (pl.col("pct").is_not_null() & pl.col("_before").is_null())
            )
            .fill_null(False)
            .alias("revised")
        )
        return Estimates(frame.drop("_before"), self.modal_ranks)

    def get(self, variable_id: str, column: FigureColumn, kind: str, category: str) -> dict | None:
        return self._rows.get(
            (variable_id, column.route, column.breakdown, column.group_id, kind, category)
        )

    def route_total(self, variable_id: str, route: str, kind: str, category: str) -> dict | None:
        return self._rows.get((variable_id, route, TOTAL, TOTAL, kind, category))

    def modal_rank(
        self, variable_id: str, route: str, breakdown: str = TOTAL, group_id: str = TOTAL
    ) -> int | None:
        return self._modal.get((variable_id, route, breakdown, group_id))

    def label(self, variable_id: str, kind: str, category: str) -> str | None:
        """The marts' label of a category (e.g. of a net)."""
        return self._labels.get((variable_id, kind, category))

    def route_bases(self, variable_ids: list[str], route: str) -> list[float]:
        """Unweighted bases of the variables' route totals (answer rows, not status rows)."""
        f = self.frame
        return (
            f.filter(
                f["variable_id"].is_in(variable_ids)
                & (f["route"] == route)
                & (f["breakdown"] == TOTAL)
                & (f["category_kind"] != "status")
            )["unweighted_base"]
            .drop_nulls()
            .to_list()
        )


def load_intervals(
    con: duckdb.DuckDBPyConnection,
) -> dict[tuple, tuple[float | None, float | None]]:
    """The 95% confidence interval (ci_lower, ci_upper; percent) of every figure of
    `marts.fct_estimates`, by KEY: what `publication.tidy_csv.write_csvs` takes as `intervals`."""
    rows = con.execute(
        f"select {', '.join(KEY)}, ci_lower, ci_upper from marts.fct_estimates"
    ).fetchall()
    return {tuple(r[: len(KEY)]): (r[-2], r[-1]) for r in rows}
