"""Exclusion rules and distributions of the published estimates.

- A missing kind (Don't know, Not applicable) a variable's base rule excludes is never in its
  base: no such answer is flagged in base in `int_responses`, and the mart has no count for its
  code. Where the rule keeps the kind (Don't know under `include_dk`), every such answer is
  counted in the published base (a delivery may have none).
- The answer categories of a single-choice variable (or a ranking item's ranks) share out the
  whole base: their percentages sum to 100.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from expectations.bases import ESTIMATES, FACTS
from expectations.gate import Expect, expect, registered
from expectations.settings import GateSettings

if TYPE_CHECKING:  # pandas is imported by the gate runner, not at start-up
    import pandas as pd

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
                        count(*) filter (where status = '{kind}') as answers,
                        count(*) filter (where status = '{kind}' and in_base) as in_base
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


# Weighted counts are sums of float weights: a net and the sum of its codes may differ by float
# error only.
NET_WEIGHTED_TOLERANCE = 1e-6


def nets(con: duckdb.DuckDBPyConnection, s: GateSettings) -> tuple[pd.DataFrame, list[Expect]]:
    """One row per published net: its counts beside the sums of its member codes' counts in the
    same cell (variable x route x breakdown x group), members as the questionnaire states them."""
    q = s.questionnaire
    members = pl.DataFrame(
        [
            {"variable_id": v.id, "net": net, "code": str(code)}
            for v in q.variables.values()
            if v.kind != "multi_option" and v.scale is not None
            for net, codes in v.scale.nets.items()
            for code in codes
        ],
        schema={"variable_id": pl.String, "net": pl.String, "code": pl.String},
    )
    with registered(con, "gate_net_members", members):
        frame = con.sql(
            f"""
            with codes as (
                select m.variable_id, m.net, e.route, e.breakdown, e.group_id,
                    sum(e.unweighted_count) as codes_unweighted,
                    sum(e.weighted_count) as codes_weighted
                from gate_net_members as m
                inner join {ESTIMATES} as e
                    on e.variable_id = m.variable_id and e.category_kind = 'code'
                    and e.category = m.code
                group by all
            )
            select n.variable_id, n.category as net, n.route, n.breakdown, n.group_id,
                n.unweighted_count, coalesce(c.codes_unweighted, 0) as codes_unweighted,
                abs(n.weighted_count - coalesce(c.codes_weighted, 0))
                    / greatest(n.weighted_base, 1) as weighted_difference
            from {ESTIMATES} as n
            left join codes as c
                on c.variable_id = n.variable_id and c.net = n.category
                and c.route = n.route and c.breakdown = n.breakdown and c.group_id = n.group_id
            where n.category_kind = 'net'
            order by all
            """
        ).df()
    return frame, [
        expect(
            "expect_column_pair_values_to_be_equal",
            column_A="unweighted_count",
            column_B="codes_unweighted",
        ),
        expect(
            "expect_column_values_to_be_between",
            column="weighted_difference",
            min_value=0,
            max_value=NET_WEIGHTED_TOLERANCE,
        ),
    ]
