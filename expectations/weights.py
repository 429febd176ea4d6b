"""Weights: positive, one per analysed respondent of the routes the pack declares weighted, summing
to their number; the weighting reaches every target within the scheme's tolerance at an efficiency
above its floor. The number is the warehouse's own count (which `route_totals` ties to the
delivery)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb

from expectations.gate import Expect, expect
from expectations.settings import GateSettings

if TYPE_CHECKING:  # pandas is imported by the gate runner, not at start-up
    import pandas as pd

# Weights are scaled to mean 1: their sum is the sample size up to float error.
SUM_TOLERANCE = 1e-6


def _around(n: float) -> dict:
    return {"min_value": n - SUM_TOLERANCE * n, "max_value": n + SUM_TOLERANCE * n}


RESPONDENTS = "intermediate.int_respondents"


def weighted_respondents(con: duckdb.DuckDBPyConnection, s: GateSettings) -> int:
    """Analysed respondents of the weighted routes."""
    routes = ", ".join(f"'{r}'" for r in s.weighted_routes) or "null"
    ((n,),) = con.execute(
        f"select count(*) from {RESPONDENTS} where route in ({routes})"
    ).fetchall()
    return int(n)


def poll_weights(
    con: duckdb.DuckDBPyConnection, s: GateSettings
) -> tuple[pd.DataFrame, list[Expect]]:
    """One row per weighted respondent (poll and weight only: no respondent ids leave here)."""
    n = weighted_respondents(con, s)
    polls = s.weighted_polls
    frame = con.sql("select poll, weight from weights.poll_weights").df()
    return frame, [
        expect("expect_table_row_count_to_equal", value=n),
        expect("expect_column_values_to_be_in_set", column="poll", value_set=polls),
        expect("expect_column_values_to_not_be_null", column="weight"),
        expect("expect_column_values_to_be_between", column="weight", min_value=0, strict_min=True),
        expect("expect_column_sum_to_be_between", column="weight", **_around(n)),
    ]


def weighting_efficiency(table: str) -> Callable:
    """The `combined` scope's row of a weighting summary (the weighting asset's, or its mart):
    every respondent of the weighted routes together."""

    def prepare(
        con: duckdb.DuckDBPyConnection, s: GateSettings
    ) -> tuple[pd.DataFrame, list[Expect]]:
        n = weighted_respondents(con, s)
        frame = con.sql(f"select * exclude (scope) from {table} where scope = 'combined'").df()
        if n == 0:  # no weighted route delivered yet: nothing is weighted
            return frame, [expect("expect_table_row_count_to_equal", value=0)]
        return frame, [
            expect("expect_table_row_count_to_equal", value=1),
            expect("expect_column_values_to_be_between", column="respondents", **_around(n)),
            expect("expect_column_values_to_be_between", column="weight_sum", **_around(n)),
            expect(
                "expect_column_values_to_be_between",
                column="efficiency",
                min_value=s.min_efficiency,
                max_value=1,
            ),
            expect(
                "expect_column_values_to_be_between",
                column="max_margin_error",
                min_value=0,
                max_value=s.weighting_tolerance,
            ),
        ]

    return prepare


def weighting_margins(table: str, error_sql: str) -> Callable:
    """One row per margin category of `table`: `error_sql`, how far (as a share) the weighted
    share is from its target."""

    def prepare(
        con: duckdb.DuckDBPyConnection, s: GateSettings
    ) -> tuple[pd.DataFrame, list[Expect]]:
        frame = con.sql(f"select margin, category, {error_sql} as abs_error from {table}").df()
        weighted = weighted_respondents(con, s) > 0  # none before a weighted route is delivered
        return frame, [
            expect("expect_table_row_count_to_be_between", min_value=int(weighted)),
            expect(
                "expect_column_values_to_be_between",
                column="abs_error",
                min_value=0,
                max_value=s.weighting_tolerance,
            ),
        ]

    return prepare
