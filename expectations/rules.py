"""Exclusion rules and distributions of the published estimates.

- A missing kind (Don't know, Not applicable) a variable's base rule excludes is never in its
  base: no such answer is flagged in base in `int_responses`, and the mart has no count for its
  code. Where the rule keeps the kind (Don't know under `include_dk`), every such answer is
  counted in the published base, and the sample has some.
- The answer categories of a single-choice variable (or a ranking item's ranks) share out the
  whole base: their percentages sum to 100.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd
import polars as pl

from expectations.bases import ESTIMATES, FACTS
from expectations.gate import Expect, expect, registered
from expectations.settings import GateSettings

# The marts hold unrounded shares: only float error separates a distribution's sum from 100.
DISTRIBUTION_TOLERANCE = 0.01


def _kind_categories(s: GateSettings, kind: str) -> pl.DataFrame:
    """Variables that can carry the missing kind, with the mart category that counts it: the
    code of a single-choice scale, or the 'selected' row of a multi-select's option for it."""
    q = s.questionnaire
    code = q.missing_codes[kind]
    rows = []
    for v in q.variables.values():
        if v.kind == "multi_option" and v.option_code == code:
            category_kind, category = "option", "1"
        elif v.kind != "multi_option" and v.scale and code in v.scale.codes:
            category_kind, category = "code", str(code)
        else:
            continue
        rows.append(
            {
                "variable_id": v.id,
                "base_rule": v.base_rule,
                "kept": kind not in q.base_rules[v.base_rule].exclude,
                "category_kind": category_kind,
                "category": category,
            }
        )
    return pl.DataFrame(rows)


def missing_kind_rule(kind: str) -> Callable:
    """The gate of one missing kind: one row per answered variable that can carry it."""

    def prepare(
        con: duckdb.DuckDBPyConnection, s: GateSettings
    ) -> tuple[pd.DataFrame, list[Expect]]:
        categories = _kind_categories(s, kind)
        with registered(con, "gate_kind_categories", categories):
            frame = con.sql(
                f"""
                with answers as (
                    -- every variable, joined to the categories below: one cheap pass, where a
                    -- semi-join on the variable would probe all answers first
                    select variable_id,
                        count(*) filter (where is_{kind}) as answers,
                        count(*) filter (where is_{kind} and in_base) as in_base
                    from {FACTS}
                    group by variable_id
                ),
                published as (
                    select variable_id, sum(estimates.unweighted_count) as published
                    from {ESTIMATES} as estimates
                    inner join gate_kind_categories as c
                        using (variable_id, category_kind, category)
                    where estimates.breakdown = 'total'
                    group by variable_id
                )
                select c.variable_id, c.base_rule,
                    case when not c.kept then coalesce(answers.in_base, 0) end
                        as excluded_{kind}_flagged_in_base,
                    case when not c.kept then coalesce(published.published, 0) end
                        as excluded_{kind}_published,
                    case when c.kept then coalesce(published.published, 0) end
                        as kept_{kind}_published,
                    case when c.kept then coalesce(answers.answers, 0) end as kept_{kind}_answers
                from gate_kind_categories as c
                inner join answers using (variable_id)
                left join published using (variable_id)
                order by c.variable_id
                """
            ).df()
        expectations = [
            expect("expect_column_values_to_be_between", column=column, min_value=0, max_value=0)
            for column in (f"excluded_{kind}_flagged_in_base", f"excluded_{kind}_published")
        ]
        if categories["kept"].any():
            expectations += [
                expect(
                    "expect_column_values_to_be_between",
                    column=f"kept_{kind}_published",
                    min_value=1,
                ),
                expect(
                    "expect_column_pair_values_to_be_equal",
                    column_A=f"kept_{kind}_published",
                    column_B=f"kept_{kind}_answers",
                ),
            ]
        return frame, expectations

    return prepare


def distributions(
    con: duckdb.DuckDBPyConnection, s: GateSettings
) -> tuple[pd.DataFrame, list[Expect]]:
    """One row per cell with a base: the sum of its code (or rank) percentages."""
    frame = con.sql(
        f"""
        select variable_id, route, breakdown, group_id, count(*) as categories,
            sum(pct) as pct_sum
        from {ESTIMATES}
        where category_kind in ('code', 'rank') and weighted_base > 0
        group by all
        order by all
        """
    ).df()
    return frame, [
        expect(
            "expect_column_values_to_be_between",
            column="pct_sum",
            min_value=100 - DISTRIBUTION_TOLERANCE,
            max_value=100 + DISTRIBUTION_TOLERANCE,
        )
    ]
