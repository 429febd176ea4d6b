"""The tabulation floor: the figures of every table (unweighted and weighted counts and bases per
variable, route, breakdown group and category) in one plain DuckDB query over the same facts
the marts read (intermediate.int_responses, intermediate.int_weighted_respondents), with no dbt
or Dagster.

python -m benchmarks.floor WAREHOUSE OUT.json: runs the query, checks its figures against
marts.fct_estimates and writes {"seconds": ..., "rows": ..., "mismatches": ...}.
"""

from __future__ import annotations

import json
import sys
import time

import duckdb


def floor_sql(breakdowns: list[str]) -> str:
    sets = ",\n".join(
        f"(variable_id, route, {c}code, status, in_base)"
        for c in ["", *(f"grp_{b}, " for b in breakdowns)]
    )
    which = "\n".join(f"when grouping(grp_{b}) = 0 then '{b}'" for b in breakdowns)
    group = "\n".join(f"when grouping(grp_{b}) = 0 then grp_{b}" for b in breakdowns)
    return f"""
with facts as (
    select r.*, f.variable_id, f.code, f.status, f.in_base
    from intermediate.int_responses as f
    inner join intermediate.int_weighted_respondents as r using (respondent_id)
),
cells as (
    select variable_id, route,
        case {which} else 'total' end as breakdown,
        case {group} else 'total' end as group_id,
        code, status, in_base, count(*) as n, sum(weight) as w
    from facts
    group by grouping sets ({sets})
),
reported as (
    select cells.* from cells left join ref.breakdowns using (breakdown)
    where breakdown = 'total' or (group_id is not null and list_contains(routes, route))
),
bases as (
    select variable_id, route, breakdown, group_id, sum(n) as all_n, sum(w) as all_w,
        coalesce(sum(n) filter (where in_base), 0) as base_n,
        coalesce(sum(w) filter (where in_base), 0) as base_w
    from reported group by all
),
counts as (
    select variable_id, route, breakdown, group_id, 'value' as kind, code::varchar as category,
        sum(n) as n, sum(w) as w
    from reported where in_base and code is not null group by all
    union all
    select variable_id, route, breakdown, group_id, 'net', nets.net, sum(n), sum(w)
    from reported
    inner join ref.variables using (variable_id)
    inner join ref.nets on nets.scale = variables.scale and nets.code = reported.code
    where in_base group by all
    union all
    select variable_id, route, breakdown, group_id, 'status',
        case status when 'answered' then 'substantive' else status end, sum(n), sum(w)
    from reported group by all
)
select counts.*,
    case when kind = 'status' then all_n else base_n end as base_n,
    case when kind = 'status' then all_w else base_w end as base_w
from counts inner join bases using (variable_id, route, breakdown, group_id)
"""


MISMATCHES = """
select count(*) from fct_estimates_floor as f
inner join marts.fct_estimates as e
    on e.variable_id = f.variable_id and e.route = f.route and e.breakdown = f.breakdown
    and e.group_id = f.group_id and e.category = f.category
    and f.kind = case when e.category_kind in ('code', 'rank', 'option') then 'value'
        else e.category_kind end
where e.unweighted_count <> f.n or e.unweighted_base <> f.base_n
    or abs(e.weighted_count - f.w) > 1e-6 * greatest(1, f.w)
    or abs(e.weighted_base - f.base_w) > 1e-6 * greatest(1, f.base_w)
"""


def main(warehouse: str, out: str) -> None:
    with duckdb.connect(warehouse, read_only=True) as con:
        breakdowns = [
            b
            for (b,) in con.execute(
                "select breakdown from ref.breakdowns order by position"
            ).fetchall()
        ]
        start = time.perf_counter()
        table = con.sql(floor_sql(breakdowns)).pl()
        seconds = time.perf_counter() - start
        con.register("fct_estimates_floor", table)
        (mismatches,) = con.execute(MISMATCHES).fetchone()
    with open(out, "w") as fh:
        json.dump({"seconds": seconds, "rows": table.height, "mismatches": mismatches}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
