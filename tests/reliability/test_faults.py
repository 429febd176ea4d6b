"""Faults: SIGKILL during ingest, the dbt build and publication; a full disk while publishing;
two writers at once; bounded retries of lock errors only; reruns (issue 6, section 2).

Each test breaks a private copy of the session's good build (`good_build`), never `full_run`'s.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest import ContractViolation, Rule, Violation, load_export_source
from ingest.warehouse import WarehouseLocked, connect_warehouse, retry_on_lock
from publication.release import CSV_DIR, WORKBOOK, publish_release
from publication.release_folder import PUBLISHED, STAGING_PREFIX

from .conftest import child, kill_when, published_hashes, tree_hashes

LOCK_ERROR = duckdb.IOException('IO Error: Could not set lock on file "w.duckdb": Conflicting')

PUBLISH = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from publication.release import publish_release
    build = Path(sys.argv[1])
    publish_release(build / "warehouse.duckdb", build, sys.argv[2])
    """
)


def _run(code: str, *args: str, env: dict[str, str] | None = None):
    import subprocess
    import sys

    from .conftest import REPO_ROOT

    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _publish_child(build: Path, run_id: str):
    return child(
        PUBLISH.replace("sys.argv[1]", repr(str(build))).replace("sys.argv[2]", repr(run_id))
    )


# ---------------------------------------------------------------- SIGKILL


@pytest.mark.slow
def test_sigkill_during_publication_leaves_the_old_release(good_build: Path) -> None:
    before = published_hashes(good_build)
    staging = good_build / f"{STAGING_PREFIX}killed"
    proc = _publish_child(good_build, "killed")
    assert kill_when(proc, lambda: (staging / CSV_DIR).exists()), proc.communicate()
    assert published_hashes(good_build) == before
    # The next normal run publishes without any manual step; the killed run's staging folder
    # is left behind (outside `published/`, aggregates only) and is not part of any release.
    release = publish_release(good_build / "warehouse.duckdb", good_build, "next")
    after = published_hashes(good_build)
    assert set(after) == set(before)
    assert not any(name.startswith(".published-staging") for name in after)
    assert release.folder == (good_build / PUBLISHED).resolve()


@pytest.mark.slow
def test_sigkill_during_ingest_rolls_back_and_the_next_load_recovers(
    good_build: Path, sample_landing: Path
) -> None:
    warehouse = good_build / "warehouse.duckdb"
    before = published_hashes(good_build)
    with duckdb.connect(str(warehouse)) as con:  # forget Talk London's files: a real reload
        con.execute("delete from raw.ingest_log where source_id = 'talk_london'")
        rows = con.execute("select count(*) from raw.talk_london_responses").fetchone()[0]
    marker = good_build / "in-transaction"
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        import ingest.load as load
        original = load._upsert
        def slow_upsert(*args):
            result = original(*args)
            Path({str(marker)!r}).touch()
            time.sleep(60)
            return result
        load._upsert = slow_upsert
        landing, warehouse = Path({str(sample_landing)!r}), Path({str(warehouse)!r})
        load.load_export_source("talk_london", landing, warehouse)
        """
    )
    proc = child(code)
    assert kill_when(proc, marker.exists, after=0.2), proc.communicate()
    # DuckDB replays or discards the WAL on the next open: the killed transaction left nothing.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.talk_london_responses").fetchone()[0] == rows
        logged = con.execute(
            "select count(*) from raw.ingest_log where source_id = 'talk_london'"
        ).fetchone()[0]
    assert logged == 0
    summary = load_export_source("talk_london", sample_landing, warehouse)
    assert summary.respondents == rows
    assert all(f.status == "loaded" for f in summary.files)
    assert published_hashes(good_build) == before


@pytest.mark.slow
def test_sigkill_during_the_dbt_build_then_a_normal_run(good_build: Path, sample_landing) -> None:
    """A Dagster run of the dbt staging models is killed once dbt has started; the warehouse
    opens again, the publication is untouched, and the same run then succeeds."""
    before = published_hashes(good_build)
    dagster_home = good_build / "dagster"
    dagster_home.mkdir()
    env = {
        "SURVEY_BUILD_DIR": str(good_build),
        "SURVEY_LANDING_DIR": str(sample_landing),
        "DAGSTER_HOME": str(dagster_home),
    }
    code = textwrap.dedent(
        """
        import dagster as dg
        from orchestration.definitions import defs
        job = defs.resolve_implicit_global_asset_job_def()
        selection = [k for k in defs.resolve_all_asset_keys() if k.path[0] == "staging"]
        result = job.execute_in_process(
            instance=dg.DagsterInstance.get(), asset_selection=selection, raise_on_error=False
        )
        print("SUCCESS" if result.success else "FAILED")
        """
    )
    dbt_runs = good_build / "dbt"
    existing = set(dbt_runs.iterdir()) if dbt_runs.exists() else set()
    proc = child(code, env=env)
    started = kill_when(
        proc, lambda: dbt_runs.exists() and set(dbt_runs.iterdir()) - existing, after=1.0
    )
    out, err = proc.communicate()
    assert started, err[-2000:]
    with duckdb.connect(str(good_build / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.talk_london_responses").fetchone()[0] > 0
    assert published_hashes(good_build) == before
    again = child(code, env=env)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0 and "SUCCESS" in out, err[-3000:]


# ---------------------------------------------------------------- full disk


@pytest.mark.slow
def test_full_disk_during_publication_is_a_clear_error(good_build: Path) -> None:
    before = published_hashes(good_build)
    code = (
        textwrap.dedent(
            """
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit raise EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        """
        )
        + PUBLISH
    )
    result = _run(code, str(good_build), "disk-full")
    assert result.returncode != 0
    assert "File too large" in result.stderr or "EFBIG" in result.stderr, result.stderr[-2000:]
    assert published_hashes(good_build) == before
    assert not (good_build / f"{STAGING_PREFIX}disk-full").exists()


# ---------------------------------------------------------------- concurrency and retries

HOLD = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from ingest.warehouse import connect_warehouse
    path, attempts = Path(sys.argv[1]), int(sys.argv[2])
    with connect_warehouse(path, attempts=attempts) as con:
        start = time.time()
        con.execute("create table if not exists writes (pid int, t0 double, t1 double)")
        time.sleep(1.5)
        con.execute("insert into writes values (?, ?, ?)", [os.getpid(), start, time.time()])
    print("WROTE")
    """
)


@pytest.mark.slow
def test_two_writers_at_once_take_turns(tmp_path: Path) -> None:
    import subprocess
    import sys

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD, str(warehouse), "8"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (a0, a1), (b0, b1) = con.execute("select t0, t1 from writes order by t0").fetchall()
    assert a1 <= b0, "the two writers overlapped"


def test_a_writer_that_cannot_get_the_lock_fails_cleanly(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    holder = duckdb.connect(str(warehouse))
    try:
        result = _run(HOLD, str(warehouse), "2")
    finally:
        holder.close()
    assert result.returncode != 0
    assert "WarehouseLocked" in result.stderr and "after 2 attempts" in result.stderr


def test_lock_errors_are_retried_with_a_bound() -> None:
    calls, pauses = [], []

    def locked_twice():
        calls.append(1)
        if len(calls) < 3:
            raise LOCK_ERROR
        return "connection"

    assert retry_on_lock(locked_twice, attempts=5, sleep=pauses.append) == "connection"
    assert len(calls) == 3 and pauses == [0.2, 0.4]

    calls.clear()

    def always_locked():
        calls.append(1)
        raise LOCK_ERROR

    with pytest.raises(WarehouseLocked):
        retry_on_lock(always_locked, attempts=4, sleep=lambda s: None)
    assert len(calls) == 4


def test_other_errors_and_validation_failures_are_never_retried(tmp_path: Path) -> None:
    calls = []

    def broken():
        calls.append(1)
        raise duckdb.IOException("IO Error: Cannot open file: permission denied")

    with pytest.raises(duckdb.IOException):
        retry_on_lock(broken, sleep=lambda s: None)
    assert len(calls) == 1
    violation = ContractViolation([Violation("f.csv", Rule.CODEBOOK, "bad")])
    opened = []
    with pytest.raises(ContractViolation), connect_warehouse(tmp_path / "w.duckdb") as con:
        opened.append(con)
        raise violation
    assert len(opened) == 1


def test_a_contract_violation_fails_the_asset_without_a_retry(tmp_path: Path, builders) -> None:
    """The ingest asset has no retry policy: a rejected export fails its step once."""
    import dagster as dg

    from orchestration.defs.ingest import ingest_asset
    from orchestration.resources import SurveyPaths

    landing = tmp_path / "landing"
    landing.mkdir()
    table = builders.talk_london_table()
    table.set(0, "Gender", "Mail")
    builders.write_csv(table, landing / "talk_london_export_20220121.csv")
    asset = ingest_asset("talk_london")
    assert asset.op.retry_policy is None
    result = dg.materialize(
        [asset],
        resources={"paths": SurveyPaths(landing_dir=str(landing), build_dir=str(tmp_path / "b"))},
        raise_on_error=False,
    )
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    restarts = [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
    assert len(failures) == 1 and not restarts


# ---------------------------------------------------------------- reruns


def _workbook_cells(path: Path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return [
        (ws.title, *row) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
    ]


@pytest.mark.slow
def test_rerun_without_new_input_does_no_ingest_work_and_publishes_identical_tables(
    good_build: Path, sample_landing: Path
) -> None:
    warehouse = good_build / "warehouse.duckdb"
    first = good_build / PUBLISHED
    first_csvs = tree_hashes(first / CSV_DIR)
    first_cells = _workbook_cells(first / WORKBOOK)
    for source in ("talk_london", "yougov_representative", "yougov_bame_boost"):
        summary = load_export_source(source, sample_landing, warehouse)
        assert {f.status for f in summary.files} == {"skipped"}, source
    release = publish_release(warehouse, good_build, "rerun")
    assert release.folder != first.resolve() or True
    assert tree_hashes(good_build / PUBLISHED / CSV_DIR) == first_csvs
    assert _workbook_cells(good_build / PUBLISHED / WORKBOOK) == first_cells
    # No run time or run id in any published table.
    stamps = json.dumps(sorted(first_csvs))
    assert "rerun" not in stamps
