"""The bases gate counts answers per respondent profile (one pass over the answers at a million
respondents): its frame is the one counted by respondent, and it fails where that one fails."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from expectations import bases
from expectations.catalog import gates as catalogue_gates
from expectations.runner import run_gate
from expectations.settings import GateSettings

(BASES,) = [g for g in catalogue_gates() if g.name == "bases"]
# answers changed so that recomputed bases move (or the warehouse is broken), each on its own
TAMPER = {
    "not asked": "update intermediate.int_responses set status = 'not_asked' "
    "where variable_id = 'B_SUPPORT' and respondent_id = 'tl-900001'",
    "don't know": "update intermediate.int_responses set status = 'dont_know' "
    "where variable_id = 'B_SUPPORT' and respondent_id = 'rep-900002'",
    "group": "update intermediate.int_respondents set grp_gender = 'female' "
    "where respondent_id = 'tl-900001'",
    "no group": "update intermediate.int_respondents set grp_gender = null "
    "where respondent_id = 'boost-900001'",
    "respondent twice": "insert into intermediate.int_respondents "
    "select * from intermediate.int_respondents where respondent_id = 'rep-900001'",
    "answer twice": "insert into intermediate.int_responses select * from "
    "intermediate.int_responses where respondent_id = 'tl-900003' and variable_id = 'C_SAFE_DAY'",
}

# answers of a respondent missing from int_respondents: the gate counts by respondent instead
NO_RESPONDENT = (
    "insert into intermediate.int_responses select * replace ('tl-999999' as respondent_id) "
    "from intermediate.int_responses where respondent_id = 'tl-900001'"
)


def _by_respondent(con: duckdb.DuckDBPyConnection, s: GateSettings) -> pd.DataFrame:
    rules, kinds = bases._rules_frame(s)
    con.register("gate_base_rules", rules)
    try:
        return con.sql(bases._bases_sql(s, kinds, by_profile=False)).df()
    finally:
        con.unregister("gate_base_rules")


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), na_position="last").reset_index(drop=True)


def _same_frames(con: duckdb.DuckDBPyConnection, s: GateSettings) -> None:
    frame, _ = bases.bases(con, s)
    expected = _by_respondent(con, s)
    assert list(frame.columns) == list(expected.columns)
    assert list(frame.dtypes) == list(expected.dtypes)
    pd.testing.assert_frame_equal(_sorted(frame), _sorted(expected))


def test_profile_counts_equal_respondent_counts(warehouse, settings, monkeypatch) -> None:
    paths = []
    query = bases._bases_sql
    monkeypatch.setattr(
        bases,
        "_bases_sql",
        lambda s, kinds, by_profile: paths.append(by_profile) or query(s, kinds, by_profile),
    )
    _same_frames(warehouse, settings)
    assert run_gate(BASES, warehouse, settings).success
    assert paths == [True, False, True]  # gate, by respondent, gate
    warehouse.execute(NO_RESPONDENT)
    run_gate(BASES, warehouse, settings)
    assert paths[-1] is False


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_tampered_answers_fail_the_gate_as_counted_by_respondent(
    warehouse, settings, case: str
) -> None:
    warehouse.execute(TAMPER[case])
    _same_frames(warehouse, settings)
    assert not run_gate(BASES, warehouse, settings).success


def test_the_gate_leaves_no_tables_and_no_setting_behind(warehouse, settings) -> None:
    def state() -> list:
        return warehouse.execute(
            "select (select value from duckdb_settings() where name = 'perfect_ht_threshold'),"
            " (select count(*) from duckdb_tables() where temporary)"
        ).fetchall()

    warehouse.execute("set perfect_ht_threshold = 1")  # so that the gate raises it
    before = state()
    assert run_gate(BASES, warehouse, settings).success
    assert state() == before
    warehouse.execute("alter table intermediate.int_responses drop column status")
    with pytest.raises(duckdb.Error):  # a failing count still cleans up
        bases.bases(warehouse, settings)
    assert state() == before


def test_an_answer_of_no_respondent_is_left_out_as_by_respondent(warehouse, settings) -> None:
    warehouse.execute(NO_RESPONDENT)
    _same_frames(warehouse, settings)
    assert run_gate(BASES, warehouse, settings).success
