"""Respondents and bases: route totals, and every unweighted base recomputed from the answers.

The recomputation reads only the status flags of `int_responses` and applies each variable's
base rule as the questionnaire states it (never the warehouse's own `in_base` column).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl

from expectations.gate import Expect, expect, registered
from expectations.settings import GateSettings

FACTS = "intermediate.int_responses"
RESPONDENTS = "intermediate.int_respondents"
ESTIMATES = "marts.fct_estimates"


def route_totals(
    con: duckdb.DuckDBPyConnection, s: GateSettings
) -> tuple[pd.DataFrame, list[Expect]]:
    """One row per poll: its respondents and its route's, in the warehouse and in the
    questionnaire, and the route's respondents as every variable's total status rows count them."""
    expected = pl.DataFrame(
        {
            "poll": list(s.polls),
            "route": [route for route, _ in s.polls.values()],
            "expected_respondents": [n for _, n in s.polls.values()],
            "expected_route_respondents": [s.route_size(route) for route, _ in s.polls.values()],
        }
    )
    with registered(con, "gate_expected_polls", expected):
        frame = con.sql(
            f"""
            with observed as (
                select poll, any_value(route) as observed_route, count(*) as respondents
                from {RESPONDENTS}
                group by poll
            ),
            polls as (
                select poll, coalesce(expected.route, observed.observed_route) as route,
                    expected.expected_respondents, observed.respondents,
                    expected.expected_route_respondents
                from gate_expected_polls as expected
                full join observed using (poll)
            ),
            routes as (
                select route, count(*) as route_respondents from {RESPONDENTS} group by route
            ),
            published as (
                select route, min(unweighted_base) as published_route_min,
                    max(unweighted_base) as published_route_max
                from {ESTIMATES}
                where breakdown = 'total' and category_kind = 'status'
                group by route
            )
            select polls.*, routes.route_respondents, published.published_route_min,
                published.published_route_max
            from polls
            left join routes using (route)
            left join published using (route)
            order by poll
            """
        ).df()
    expectations = [
        expect("expect_table_row_count_to_equal", value=len(s.polls)),
        expect(
            "expect_column_pair_values_to_be_equal",
            column_A="respondents",
            column_B="expected_respondents",
        ),
        *(
            expect(
                "expect_column_pair_values_to_be_equal",
                column_A=column,
                column_B="expected_route_respondents",
            )
            for column in ("route_respondents", "published_route_min", "published_route_max")
        ),
    ]
    return frame, expectations


def _rules_frame(s: GateSettings) -> tuple[pl.DataFrame, list[str]]:
    """Per variable, which statuses its base rule excludes (one boolean column per status)."""
    q = s.questionnaire
    kinds = sorted({k for rule in q.base_rules.values() for k in rule.exclude})
    rules = pl.DataFrame(
        [
            {"variable_id": v.id}
            | {f"excludes_{k}": k in q.base_rules[v.base_rule].exclude for k in kinds}
            for v in q.variables.values()
        ]
    )
    return rules, kinds


def _memberships_sql(s: GateSettings) -> str:
    """Respondent x (breakdown, group): the route total and each group reported for the route."""
    parts = [f"select respondent_id, 'total' as breakdown, 'total' as group_id from {RESPONDENTS}"]
    for bid, b in s.questionnaire.breakdowns.items():
        routes = ", ".join(f"'{r}'" for r in b.routes)
        parts.append(
            f"select respondent_id, '{bid}', grp_{bid} from {RESPONDENTS} "
            f"where grp_{bid} is not null and route in ({routes})"
        )
    return "\nunion all\n".join(parts)


def bases(con: duckdb.DuckDBPyConnection, s: GateSettings) -> tuple[pd.DataFrame, list[Expect]]:
    """Every row of fct_estimates beside its recomputed base: the respondents of its cell
    (variable x route x breakdown x group) less those its base rule excludes and those not
    asked; status rows count every respondent of the cell. Cells the answers have but the mart
    lacks appear with no published base."""
    rules, kinds = _rules_frame(s)
    excluded = " or ".join(f"(rules.excludes_{k} and responses.is_{k})" for k in kinds)
    with registered(con, "gate_base_rules", rules):
        frame = con.sql(
            f"""
            with memberships as ({_memberships_sql(s)}),
            recomputed as (
                select responses.variable_id, responses.route, memberships.breakdown,
                    memberships.group_id,
                    count(*) as respondents,
                    count(*) filter (where not (responses.is_not_asked or {excluded})) as base
                from {FACTS} as responses
                inner join gate_base_rules as rules using (variable_id)
                inner join memberships using (respondent_id)
                group by all
            ),
            published as (
                select variable_id, route, breakdown, group_id, category_kind, category,
                    unweighted_base
                from {ESTIMATES}
            )
            select variable_id, route, breakdown, group_id, published.category_kind,
                published.category,
                published.unweighted_base as published_base,
                case
                    when published.category_kind is null then recomputed.base
                    when published.category_kind = 'status'
                        then coalesce(recomputed.respondents, 0)
                    else coalesce(recomputed.base, 0)
                end as recomputed_base
            from published
            full join recomputed using (variable_id, route, breakdown, group_id)
            """
        ).df()
    expectations = [
        expect("expect_column_values_to_not_be_null", column="published_base"),
        expect(
            "expect_column_pair_values_to_be_equal",
            column_A="published_base",
            column_B="recomputed_base",
        ),
    ]
    return frame, expectations
