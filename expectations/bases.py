"""Respondents and bases: route totals, and every unweighted base recomputed from the answers.

The recomputation reads only the answers' status in `int_responses` and applies each variable's
base rule as the questionnaire states it (never the warehouse's own `in_base` column).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from expectations.gate import Expect, expect, registered
from expectations.settings import GateSettings

if TYPE_CHECKING:  # pandas is imported by the gate runner, not at start-up
    import pandas as pd

FACTS = "intermediate.int_responses"
RESPONDENTS = "intermediate.int_respondents"
ESTIMATES = "marts.fct_estimates"
INGEST_LOG = "raw.ingest_log"
QUARANTINE = "raw.quarantine"


def delivered_sql(s: GateSettings) -> str:
    """Per poll: the rows of its source's latest export (latest export date, then latest load),
    the rows of that file quarantined, and so the respondents it should analyse. A cumulative
    export supersedes the earlier ones, so only the latest file counts."""
    sources = " union all ".join(
        f"select '{source_id}' as source_id, '{poll}' as poll"
        for source_id, poll in s.sources.items()
    )
    return f"""
        with sources as ({sources}),
        latest as (
            select source_id, sha256, rows
            from {INGEST_LOG}
            qualify row_number() over (
                partition by source_id order by export_date desc, loaded_at desc
            ) = 1
        ),
        quarantined as (
            select file_sha256 as sha256, count(*) as quarantined_rows
            from {QUARANTINE} group by file_sha256
        )
        select sources.poll, sum(latest.rows) as delivered_rows,
            sum(coalesce(quarantined.quarantined_rows, 0)) as quarantined_rows,
            sum(latest.rows - coalesce(quarantined.quarantined_rows, 0)) as expected_respondents
        from sources
        inner join latest using (source_id)
        left join quarantined using (sha256)
        group by sources.poll
    """


def route_totals(
    con: duckdb.DuckDBPyConnection, s: GateSettings
) -> tuple[pd.DataFrame, list[Expect]]:
    """One row per delivered poll: rows delivered less rows quarantined in its latest export
    (`raw.ingest_log`, `raw.quarantine`) against its respondents in the warehouse; the same sums
    per route against the route's respondents and every variable's total status rows."""
    routes = pl.DataFrame({"poll": list(s.polls), "route": list(s.polls.values())})
    with registered(con, "gate_poll_routes", routes):
        frame = con.sql(
            f"""
            with delivered as ({delivered_sql(s)}),
            observed as (
                select poll, count(*) as respondents from {RESPONDENTS} group by poll
            ),
            polls as (
                select poll, gate_poll_routes.route, delivered.delivered_rows,
                    delivered.quarantined_rows,
                    coalesce(delivered.expected_respondents, 0) as expected_respondents,
                    coalesce(observed.respondents, 0) as respondents
                from delivered
                full join observed using (poll)
                left join gate_poll_routes using (poll)
            ),
            routes as (
                select route, sum(expected_respondents) as expected_route_respondents,
                    sum(respondents) as route_respondents
                from polls group by route
            ),
            published as (
                select route, min(unweighted_base) as published_route_min,
                    max(unweighted_base) as published_route_max
                from {ESTIMATES}
                where breakdown = 'total' and category_kind = 'status'
                group by route
            )
            select polls.*, routes.expected_route_respondents, routes.route_respondents,
                coalesce(published.published_route_min, 0) as published_route_min,
                coalesce(published.published_route_max, 0) as published_route_max
            from polls
            left join routes using (route)
            left join published using (route)
            order by poll
            """
        ).df()
    expectations = [
        expect("expect_table_row_count_to_be_between", min_value=1),
        expect("expect_column_values_to_not_be_null", column="route"),
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


def _memberships_sql(s: GateSettings, by_profile: bool = False) -> str:
    """Respondent (or profile) x (breakdown, group): the route total and each group reported
    for the route."""
    key, source = ("profile_id", PROFILES) if by_profile else ("respondent_id", RESPONDENTS)
    parts = [f"select {key}, route, 'total' as breakdown, 'total' as group_id from {source}"]
    for bid, b in s.questionnaire.breakdowns.items():
        routes = ", ".join(f"'{r}'" for r in b.routes)
        parts.append(
            f"select {key}, route, '{bid}', grp_{bid} from {source} "
            f"where grp_{bid} is not null and route in ({routes})"
        )
    return "\nunion all\n".join(parts)


def bases(con: duckdb.DuckDBPyConnection, s: GateSettings) -> tuple[pd.DataFrame, list[Expect]]:
    """Every row of fct_estimates beside its recomputed base: the respondents of its cell
    (variable x route x breakdown x group) less those its base rule excludes and those not
    asked; status rows count every respondent of the cell. Cells the answers have but the mart
    lacks appear with no published base.

    The answers are counted once per variable and respondent profile (the route and the group
    of every breakdown: 11k profiles at 1M respondents), and the counts summed into each
    profile's cells, rather than every answer joined to each group of its respondent (1.5
    billion rows at 1M). Should an answer belong to no respondent (a broken warehouse), the
    answers are counted by respondent instead: the frame is the same either way.
    """
    rules, kinds = _rules_frame(s)
    with registered(con, "gate_base_rules", rules), _profile_counts(con, s, kinds):
        ((unmatched,),) = con.execute(
            f"select count(*) from {COUNTS} where profile_id is null"
        ).fetchall()
        frame = con.sql(_bases_sql(s, kinds, by_profile=not unmatched)).df()
    expectations = [
        expect("expect_column_values_to_not_be_null", column="published_base"),
        expect(
            "expect_column_pair_values_to_be_equal",
            column_A="published_base",
            column_B="recomputed_base",
        ),
    ]
    return frame, expectations


# Temporary tables of the `bases` gate (temporary: the gates open the warehouse read-only).
PROFILES = "gate_bases_profiles"  # profile_id, route, grp_<breakdown>...
RESPONDENT_PROFILES = "gate_bases_respondent_profiles"  # respondent_id, route, profile_id
RULES = "gate_bases_rules"  # var_idx, variable_id, excludes_<kind>...
COUNTS = "gate_bases_counts"  # profile_id, var_idx, respondents, base
# A group-by key of at most this many bits (profile and variable indexes, a NULL slot each) is
# aggregated in DuckDB's perfect hash table, an array indexed by the key; the answers come
# respondent by respondent, and with the profile first in the key consecutive answers update
# neighbouring slots. 2^22 slots of two counters: about 0.1 GB per thread. Larger keys use the
# ordinary hash aggregate (slower, same result).
MAX_PERFECT_HASH_BITS = 22


@contextmanager
def _profile_counts(
    con: duckdb.DuckDBPyConnection, s: GateSettings, kinds: list[str]
) -> Iterator[None]:
    """`COUNTS`, one row per profile and variable with answers: all answers and those in the
    recomputed base. Answers matched to no respondent of their route are counted under a NULL
    profile. The temporary tables are dropped on exit."""
    groups = [f"grp_{b}" for b in s.questionnaire.breakdowns]
    same_profile = " and ".join(f"r.{c} is not distinct from p.{c}" for c in ["route", *groups])
    excluded = _excluded_sql(kinds)
    ((threshold,),) = con.execute(
        "select value from duckdb_settings() where name = 'perfect_ht_threshold'"
    ).fetchall()
    try:
        con.execute(
            f"""
            create or replace temp table {PROFILES} as
            select (row_number() over ())::integer as profile_id, *
            from (select distinct route, {", ".join(groups)} from {RESPONDENTS})
            """
        )
        con.execute(
            f"""
            create or replace temp table {RESPONDENT_PROFILES} as
            select r.respondent_id, r.route, p.profile_id
            from {RESPONDENTS} as r
            inner join {PROFILES} as p on {same_profile}
            """
        )
        con.execute(
            f"""
            create or replace temp table {RULES} as
            select (row_number() over ())::integer as var_idx, * from gate_base_rules
            """
        )
        ((profiles, variables),) = con.execute(
            f"select (select count(*) from {PROFILES}), (select count(*) from {RULES})"
        ).fetchall()
        bits = (profiles + 1).bit_length() + (variables + 1).bit_length()
        if int(threshold) < bits <= MAX_PERFECT_HASH_BITS:
            con.execute(f"set perfect_ht_threshold = {bits}")
        con.execute(
            f"""
            create or replace temp table {COUNTS} as
            select profiles.profile_id, rules.var_idx,
                count(*) as respondents,
                count(*) filter (where not (responses.status = 'not_asked' or {excluded})) as base
            from {FACTS} as responses
            inner join {RULES} as rules using (variable_id)
            left join {RESPONDENT_PROFILES} as profiles using (respondent_id)
            group by profiles.profile_id, rules.var_idx
            """
        )
        yield
    finally:
        con.execute(f"set perfect_ht_threshold = {threshold}")
        for table in (COUNTS, RULES, RESPONDENT_PROFILES, PROFILES):
            con.execute(f"drop table if exists temp.main.{table}")


def _excluded_sql(kinds: list[str]) -> str:
    """True for an answer whose status its variable's base rule excludes."""
    return " or ".join(f"(rules.excludes_{k} and responses.status = '{k}')" for k in kinds)


def _bases_sql(s: GateSettings, kinds: list[str], by_profile: bool) -> str:
    """The frame's query: cells counted from `COUNTS` by profile, or from the answers by
    respondent."""
    if by_profile:
        recomputed = f"""
            select rules.variable_id, memberships.route, memberships.breakdown,
                memberships.group_id,
                sum(counts.respondents)::bigint as respondents,
                sum(counts.base)::bigint as base
            from {COUNTS} as counts
            inner join {RULES} as rules using (var_idx)
            inner join ({_memberships_sql(s, by_profile=True)}) as memberships
                using (profile_id)
            group by all
            """
    else:
        excluded = _excluded_sql(kinds)
        recomputed = f"""
            select responses.variable_id, memberships.route, memberships.breakdown,
                memberships.group_id,
                count(*) as respondents,
                count(*) filter (where not (responses.status = 'not_asked' or {excluded})) as base
            from {FACTS} as responses
            inner join gate_base_rules as rules using (variable_id)
            inner join ({_memberships_sql(s)}) as memberships using (respondent_id)
            group by all
            """
    return f"""
        with recomputed as ({recomputed}),
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
