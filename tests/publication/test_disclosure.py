"""Disclosure by differencing: the route rule (hold) and the cell rule (withhold), by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from publication import disclosure
from publication.bi_marts import FILE_NAME, write_marts_file
from publication.estimates import Estimates
from publication.model_docs import dbt_docs
from publication.release_status import DataAsOf, SourceState

THRESHOLD = 50


def _data(tl: int, polls: int, tl_closed: bool = False) -> DataAsOf:
    def source(sid, route, poll, n, closed):
        return SourceState(
            source_id=sid,
            label=sid,
            route=route,
            poll=poll,
            fieldwork_start=date(2021, 11, 19),
            fieldwork_end=date(2022, 1, 21),
            file_name=f"{sid}.csv",
            sha256=sid,
            export_date=date(2022, 1, 21) if closed else date(2021, 12, 1),
            rows=n,
            analysed=n,
        )

    return DataAsOf(
        (
            source("talk_london", "talk_london", "talk_london", tl, tl_closed),
            source("yougov", "polls", "representative", polls, True),
        )
    )


@pytest.mark.parametrize(
    ("previous", "tl", "held"),
    [
        (None, 400, False),  # a first release is never held
        ({"talk_london": 400, "polls": 500}, 400, False),  # nothing changed
        ({"talk_london": 400, "polls": 500}, 449, True),  # 49 more: below the threshold
        ({"talk_london": 400, "polls": 500}, 450, False),  # 50 more: published
        ({"talk_london": 400, "polls": 500}, 398, True),  # 2 fewer: held as well
        ({"talk_london": 400}, 450, False),  # the polls newly delivered, 500 at once
    ],
)
def test_route_rule(previous, tl: int, held: bool) -> None:
    reason = disclosure.hold_reason(_data(tl, 500), previous, THRESHOLD)
    assert (reason is not None) == held
    if held:
        assert f"talk_london 400 -> {tl}" in reason and "polls" not in reason


def test_the_final_release_is_never_held() -> None:
    final = _data(401, 500, tl_closed=True)
    assert final.status == "final"
    assert disclosure.hold_reason(final, {"talk_london": 400, "polls": 500}, THRESHOLD) is None


def _bases(rows: list[tuple[str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "route": ["talk_london"] * len(rows),
            "variable_id": [v for v, _ in rows],
            "breakdown": ["total"] * len(rows),
            "group_id": ["total"] * len(rows),
            "is_status": [False] * len(rows),
            "unweighted_base": [n for _, n in rows],
        }
    )


def test_cell_rule_compares_with_the_last_published_base() -> None:
    # release 1: every cell published at its base
    first = _bases([("A", 100), ("B", 100), ("C", 100), ("D", 0)])
    state = disclosure.next_state(first, None, first.select(disclosure.CELL).clear())
    # release 2: A +60 (shown), B +3 (withheld), C unchanged (shown), D 0 -> 5 (never published
    # with respondents: nothing to difference against), E new
    second = _bases([("A", 160), ("B", 103), ("C", 100), ("D", 5), ("E", 7)])
    withheld = disclosure.suppressed_cells(second, state, THRESHOLD, "provisional")
    assert withheld["variable_id"].to_list() == ["B"]
    state = disclosure.next_state(second, state, withheld)
    assert dict(state.select("variable_id", "reference_base").iter_rows())["B"] == 100
    # release 3: B has moved 49 from its last published base (withheld still), then 50 (shown)
    third = _bases([("A", 160), ("B", 149), ("C", 100), ("D", 5), ("E", 7)])
    assert disclosure.suppressed_cells(third, state, THRESHOLD, "provisional")[
        "variable_id"
    ].to_list() == ["B"]
    fourth = _bases([("A", 160), ("B", 150), ("C", 100), ("D", 5), ("E", 7)])
    assert disclosure.suppressed_cells(fourth, state, THRESHOLD, "provisional").is_empty()
    # the final release withholds nothing
    assert disclosure.suppressed_cells(third, state, THRESHOLD, "final").is_empty()


def test_withheld_cells_lose_their_figures_everywhere(tmp_path) -> None:
    estimates = pl.DataFrame(
        {
            "variable_id": ["B", "B", "B", "A"],
            "route": ["talk_london"] * 4,
            "breakdown": ["total"] * 4,
            "group_id": ["total"] * 4,
            "category_kind": ["code", "code", "status", "code"],
            "category": ["1", "2", "skipped", "1"],
            "category_label": ["Yes", "No", "Skipped", "Yes"],
            "pct": [40.0, 60.0, 5.0, 30.0],
            "unweighted_count": [40, 60, 5, 30],
            "unweighted_base": [100, 100, 105, 160],
            "small_base": [False] * 4,
            "significant": [True, None, None, False],
            "compared_with": ["rest", None, None, "rest"],
        }
    )
    withheld = _bases([("B", 103)]).select(disclosure.CELL)
    est = Estimates(
        estimates,
        pl.DataFrame(
            {
                "variable_id": ["B"],
                "route": ["talk_london"],
                "breakdown": ["total"],
                "group_id": ["total"],
                "modal_rank": [2],
            }
        ),
    ).with_suppressed(withheld)
    frame = est.frame.sort("variable_id", "category")
    assert frame["suppressed"].to_list() == [False, True, True, False]  # B's status row: shown
    assert frame["pct"].to_list() == [30.0, None, None, 5.0]
    assert frame["unweighted_base"].to_list() == [160, 100, 100, 105]  # bases stay
    assert est.modal_rank("B", "talk_london") is None

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.register("e", estimates)
        con.execute("create table marts.fct_estimates as select * from e")
        write_marts_file(con, tmp_path / FILE_NAME, dbt_docs(), withheld=withheld)
    with duckdb.connect(str(tmp_path / FILE_NAME), read_only=True) as con:
        rows = con.execute(
            "select variable_id, category, pct, unweighted_count, unweighted_base, suppressed "
            "from marts.fct_estimates order by variable_id, category"
        ).fetchall()
    assert rows == [
        ("A", "1", 30.0, 30, 160, False),
        ("B", "1", None, None, 100, True),
        ("B", "2", None, None, 100, True),
        ("B", "skipped", 5.0, 5, 105, False),
    ]
