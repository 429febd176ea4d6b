"""Published figures of a mart: percentages in [0, 100], and every figure whose unweighted base is
below the small-base threshold flagged `small_base` (flagging more is safe, so is not checked)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb

from expectations.gate import Expect, expect
from expectations.settings import GateSettings

if TYPE_CHECKING:  # pandas is imported by the gate runner, not at start-up
    import pandas as pd


def figures(table: str, pct_columns: tuple[str, ...] = ("pct",)) -> Callable:
    def prepare(
        con: duckdb.DuckDBPyConnection, s: GateSettings
    ) -> tuple[pd.DataFrame, list[Expect]]:
        frame = con.sql(
            f"""
            select {", ".join(pct_columns)},
                case when unweighted_base < {s.small_base_threshold}
                    then coalesce(small_base, false)
                end as small_base_flag_below_threshold
            from {table}
            """
        ).df()
        return frame, [
            *(
                expect("expect_column_values_to_be_between", column=c, min_value=0, max_value=100)
                for c in pct_columns
            ),
            expect(
                "expect_column_values_to_be_in_set",
                column="small_base_flag_below_threshold",
                value_set=[True],
            ),
        ]

    return prepare
