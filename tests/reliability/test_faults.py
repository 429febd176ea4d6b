"""Faults: SIGKILL during ingest, the dbt build and publication; a full disk while publishing;
two writers at once; bounded retries of lock errors only; reruns (issue 6, section 2).

Each test breaks a private copy of the session's good build (`good_build`), never `full_run`'s.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from infra.warehouse import WarehouseLocked, connect_warehouse, retry_on_lock
from ingest import ContractViolation, Rule, Violation, load_export_source
from publication.bi_marts import FILE_NAME as MARTS_FILE
from publication.release import CSV_DIR, WORKBOOK, publish_release
from publication.release_folder import PUBLISHED, RELEASES, STAGING_PREFIX

from .conftest import child, kill_when, published_hashes, revise_a_figure, tree_hashes

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

    from .conftest import REPO_ROOT

    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _child_with_args(code: str, args: list[str], env: dict[str, str], log: Path):
    """A Python child running `code` with `args`; its output goes to `log`.out and `log`.err,
    so no pipe fills up while it runs."""

    from .conftest import REPO_ROOT

    with open(f"{log}.out", "w") as out, open(f"{log}.err", "w") as err:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=err,
        )


def _publish_child(build: Path, run_id: str):
    return child(
        PUBLISH.replace("sys.argv[1]", repr(str(build))).replace("sys.argv[2]", repr(run_id))
    )


# ---------------------------------------------------------------- SIGKILL


@pytest.mark.slow
def test_sigkill_during_publication_leaves_the_old_release(good_build: Path) -> None:
    before = published_hashes(good_build)
    previous = (good_build / PUBLISHED).resolve()
    staging = good_build / f"{STAGING_PREFIX}killed"
    proc = _publish_child(good_build, "killed")
    assert kill_when(proc, lambda: (staging / CSV_DIR).exists()), proc.communicate()
    assert published_hashes(good_build) == before
    assert staging.is_dir()  # what the kill left: a half-written staging folder
    # A kill between the rename into the releases folder and the link swap leaves a release
    # folder no link points to (made by hand here: that window is too short to hit).
    orphan = good_build / RELEASES / str(int(previous.name) + 1)
    orphan.mkdir()
    # The next normal run publishes without any manual step and, under the publish lock,
    # removes both (logged, and named in the release); the earlier release stays as it was.
    revise_a_figure(good_build)
    release = publish_release(good_build / "warehouse.duckdb", good_build, "next").release
    after = published_hashes(good_build)
    tables = {p for p in before if p.startswith("csv/")}
    assert tables and {p for p in after if p.startswith("csv/")} == tables
    assert release.folder == (good_build / PUBLISHED).resolve() == orphan
    assert release.stale_removed == (f"{RELEASES}/{orphan.name}", staging.name)
    assert not [p.name for p in good_build.iterdir() if p.name.startswith(STAGING_PREFIX)]
    kept = {p for p in (good_build / RELEASES).iterdir() if p.is_dir()}
    assert kept == {release.folder, previous}
    assert tree_hashes(previous) == before


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
        from orchestration.definitions import build_definitions
        defs = build_definitions()
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
    from infra.warehouse import connect_warehouse
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


# ---------------------------------------------------------------- every writer waits for the lock

HOLDER = textwrap.dedent(
    """
    import sys
    import duckdb
    con = duckdb.connect(sys.argv[1])  # holds DuckDB's write lock until told to stop
    print("held", flush=True)
    sys.stdin.readline()
    """
)


class Holder:
    """Another process holding the warehouse's DuckDB lock until `release()`."""

    def __init__(self, warehouse: Path) -> None:

        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(warehouse)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.communicate("\n", timeout=30)


def _failure(result) -> str:
    """The step or run failure of a Dagster result, with its causes."""
    texts = []
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            texts.append(error.message)
            error = error.cause
    return "\n".join(texts)


def _events(result, kind: str) -> list:
    return [e for e in result.all_events if e.event_type_value == kind]


def test_every_python_writer_opens_the_warehouse_with_the_bounded_retry() -> None:
    """No Dagster asset or check opens the warehouse with a bare `duckdb.connect`: they go
    through `connect_warehouse` / `retry_on_lock` (ingest/load.py and publication too)."""
    from .conftest import REPO_ROOT

    sources = [*sorted((REPO_ROOT / "orchestration").rglob("*.py"))]
    sources += [REPO_ROOT / "ingest" / "load.py", REPO_ROOT / "publication" / "release.py"]
    bare = [
        str(p)
        for p in sources
        if p.read_text().count("duckdb.connect(") > p.read_text().count("lambda: duckdb.connect(")
    ]
    assert bare == []
    assert "retry_on_lock(" in (REPO_ROOT / "publication" / "release.py").read_text()
    assert "connect_warehouse(" in (REPO_ROOT / "ingest" / "load.py").read_text()


@pytest.mark.parametrize("which", ["questionnaire", "coder_agreement"])
def test_a_python_writer_waits_for_a_lock_held_for_a_moment(
    which: str, tmp_path: Path, monkeypatch
) -> None:

    from orchestration.defs.comments import coder_agreement_table
    from orchestration.defs.questionnaire import questionnaire
    from orchestration.resources import SurveyPaths

    asset = {"questionnaire": questionnaire, "coder_agreement": coder_agreement_table}[which]
    warehouse = tmp_path / "build" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    duckdb.connect(str(warehouse)).close()
    holder = Holder(warehouse)
    threading.Timer(1.0, holder.release).start()
    start = time.monotonic()
    result = dg.materialize(
        [asset], resources={"paths": SurveyPaths(build_dir=str(warehouse.parent))}
    )
    assert result.success and time.monotonic() - start >= 1.0
    assert holder.proc.returncode == 0  # it held the lock until released
    schema = "ref" if which == "questionnaire" else "comments"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (tables,) = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ?", [schema]
        ).fetchone()
    assert tables >= 1


def test_a_python_writer_facing_a_lock_held_forever_fails_cleanly(
    tmp_path: Path, monkeypatch
) -> None:

    import infra.warehouse
    from orchestration.defs.questionnaire import questionnaire
    from orchestration.resources import SurveyPaths

    monkeypatch.setattr(infra.warehouse, "LOCK_ATTEMPTS", 3)
    warehouse = tmp_path / "build" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    duckdb.connect(str(warehouse)).close()
    holder = Holder(warehouse)
    try:
        result = dg.materialize(
            [questionnaire],
            resources={"paths": SurveyPaths(build_dir=str(warehouse.parent))},
            raise_on_error=False,
        )
    finally:
        holder.release()
    assert not result.success
    failure = _failure(result)
    assert "WarehouseLocked" in failure and "after 3 attempts" in failure
    assert "Could not set lock on file" in failure and str(warehouse) in failure
    assert len(_events(result, "STEP_FAILURE")) == 1 and not _events(result, "STEP_RESTARTED")


def test_a_second_run_on_a_busy_build_folder_is_refused_before_any_step(tmp_path: Path) -> None:
    """A run holds the build folder's lock from start to end; another run on the same folder
    stops before its first step, naming the run that holds it."""

    from infra.warehouse import exclusive_lock
    from orchestration.defs.automation import landing_folder_sensor
    from orchestration.defs.questionnaire import questionnaire
    from orchestration.resources import RUN_LOCK, SurveyPaths

    build = tmp_path / "build"
    paths = SurveyPaths(build_dir=str(build))
    with exclusive_lock(build / RUN_LOCK, "run first-run of full_pipeline"):
        refused = dg.materialize([questionnaire], resources={"paths": paths}, raise_on_error=False)
        # A sensor (no run) still evaluates: only runs take the lock.
        landing = tmp_path / "landing"
        landing.mkdir()
        (landing / "talk_london_export_20220121.csv").write_text("new")
        sensor_paths = SurveyPaths(landing_dir=str(landing), build_dir=str(build))
        with dg.build_sensor_context(resources={"paths": sensor_paths}) as context:
            assert isinstance(landing_folder_sensor(context), dg.RunRequest)
    assert not refused.success
    assert not _events(refused, "STEP_START")
    failure = _failure(refused)
    assert "FolderBusy" in failure and "run first-run of full_pipeline" in failure
    assert "stopped before its first step" in failure
    assert not (build / "warehouse.duckdb").exists()
    # Once that run has ended, the folder is free again (the lock dies with its holder too).
    assert dg.materialize([questionnaire], resources={"paths": paths}).success


# ---------------------------------------------------------------- dbt and the lock


def _dbt_materialize(build: Path, monkeypatch, selection: list[str], **patch):
    """`dbt build` of one intermediate model (and its tests) through the Dagster asset."""

    from orchestration.defs import dbt as dbt_defs
    from orchestration.resources import SurveyPaths
    from survey.pack import current

    monkeypatch.setenv("SURVEY_BUILD_DIR", str(build))  # the asset sets it for dbt
    for name, value in patch.items():
        monkeypatch.setattr(dbt_defs, name, value)
    return dg.materialize(
        [dbt_defs.build_assets(current())[0]],
        selection=[dg.AssetKey(key.split(".")) for key in selection],
        resources={"paths": SurveyPaths(build_dir=str(build)), "dbt": dbt_defs.dbt_resource},
        raise_on_error=False,
    )


@pytest.mark.slow
def test_dbt_waits_for_a_held_warehouse_lock_and_writes_owner_only(
    defs, good_build: Path, monkeypatch
) -> None:
    """dbt's first invocation finds the warehouse locked by another process, so it is started
    again once the holder has gone, and succeeds. Meanwhile the warehouse's `.wal`, which dbt
    creates as it writes, is sampled: it exists and is owner-only (dbt runs under umask 077)."""

    warehouse = good_build / "warehouse.duckdb"
    wal = Path(f"{warehouse}.wal")
    holder = Holder(warehouse)
    pauses, modes, stop = [], [], threading.Event()

    def release_then_wait(seconds: float) -> None:  # the pause between two dbt attempts
        pauses.append(seconds)
        holder.release()

    def sample() -> None:
        while not stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                modes.append(stat.S_IMODE(wal.stat().st_mode))
            stop.wait(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = _dbt_materialize(
            good_build, monkeypatch, ["intermediate.int_respondents"], _sleep=release_then_wait
        )
    finally:
        stop.set()
        sampler.join()
        holder.release()
    assert result.success, _failure(result)[-3000:]
    assert pauses == [1.0]  # one failed attempt on the lock, then one that ran
    assert modes and set(modes) == {0o600}, sorted(set(modes))
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600
    assert not wal.exists()


@pytest.mark.slow
def test_dbt_facing_a_lock_held_forever_fails_cleanly_naming_it(
    defs, good_build: Path, monkeypatch
) -> None:
    warehouse = good_build / "warehouse.duckdb"
    holder = Holder(warehouse)
    pauses = []
    try:
        result = _dbt_materialize(
            good_build,
            monkeypatch,
            ["intermediate.int_respondents"],
            _sleep=pauses.append,
            DBT_LOCK_ATTEMPTS=2,
        )
    finally:
        holder.release()
    assert not result.success
    failure = _failure(result)
    assert "WarehouseLocked" in failure and "after 2 attempts" in failure
    assert "Could not set lock on file" in failure and str(warehouse) in failure
    assert pauses == [1.0]
    assert len(_events(result, "STEP_FAILURE")) == 1


@pytest.mark.slow
def test_a_failed_dbt_test_is_never_retried(defs, good_build: Path, monkeypatch) -> None:
    with duckdb.connect(str(good_build / "warehouse.duckdb")) as con:  # a weight goes missing
        con.execute(
            "update raw.yougov_representative_responses set supplier_weight = null "
            "where record = (select min(record) from raw.yougov_representative_responses)"
        )
    pauses = []
    result = _dbt_materialize(
        good_build, monkeypatch, ["staging.stg_yougov__respondents"], _sleep=pauses.append
    )
    assert not result.success
    failure = _failure(result)
    assert "DagsterDbtCliRuntimeError" in failure and "WarehouseLocked" not in failure
    assert "not_null_stg_yougov__respondents_supplier_weight" in failure
    assert pauses == []
    assert len(_events(result, "STEP_FAILURE")) == 1


# ---------------------------------------------------------------- the whole job again

RUN_JOB = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import dagster as dg
    from orchestration.definitions import build_definitions
    defs = build_definitions()
    ready, go, started_by = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    ready.touch()
    while not go.exists():  # both runs start together, like a schedule and a sensor
        time.sleep(0.005)
    result = defs.resolve_job_def("full_pipeline").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
        tags={"started_by": started_by},
    )
    ingest = {
        e.asset_key.path[-1]: {
            k: e.step_materialization_data.materialization.metadata[k].value
            for k in ("files_loaded", "files_skipped")
        }
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key.path[0] == "raw"
        and "files_loaded" in e.step_materialization_data.materialization.metadata
    }
    errors = []
    for e in result.all_events:
        error = getattr(e.event_specific_data, "error", None)
        while error is not None:
            errors.append(error.message)
            error = error.cause
    steps = sum(e.event_type_value == "STEP_START" for e in result.all_events)
    print(json.dumps({"success": result.success, "steps": steps, "ingest": ingest,
                      "errors": errors}))
    """
)


def _workbook_cells(path: Path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return [
        (ws.title, *row) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
    ]


def _marts_tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        return {n: sorted(con.execute(f"select * from {n}").fetchall(), key=repr) for (n,) in names}


def _published_tables(build: Path) -> dict[str, object]:
    published = build / PUBLISHED
    return {
        "csv": tree_hashes(published / CSV_DIR),
        "workbook": _workbook_cells(published / WORKBOOK),
        "marts": _marts_tables(published / MARTS_FILE),
    }


@pytest.mark.slow
def test_two_runs_at_once_one_writes_and_the_rerun_is_identical(
    good_build: Path, sample_landing: Path, tmp_path: Path
) -> None:
    """The whole job twice at once on the first complete run's build folder and inputs: one run
    holds the build folder and runs every step (ingesting nothing new); the other is refused
    before its first step. No DuckDB lock error reaches either. The published tables (CSV
    bytes, workbook cell values, every table of the BI marts file) equal the first run's."""

    first = _published_tables(good_build)
    from ingest.exports import export_spec

    files = {
        source: sum(
            bool(export_spec(source).file_pattern.match(p.name)) for p in sample_landing.iterdir()
        )
        for source in ("talk_london", "yougov_representative", "yougov_bame_boost")
    }
    env = {"SURVEY_BUILD_DIR": str(good_build), "SURVEY_LANDING_DIR": str(sample_landing)}
    go = tmp_path / "go"
    runs = {
        name: _child_with_args(
            RUN_JOB, [str(tmp_path / f"ready-{name}"), str(go), name], env, tmp_path / name
        )
        for name in ("schedule", "sensor")
    }
    deadline = time.monotonic() + 300
    while not all((tmp_path / f"ready-{name}").exists() for name in runs):
        assert all(p.poll() is None for p in runs.values()), [p.wait() for p in runs.values()]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    go.touch()
    outcomes = []
    for name, proc in runs.items():
        proc.wait(timeout=900)
        out, err = (Path(f"{tmp_path / name}{suffix}").read_text() for suffix in (".out", ".err"))
        assert "Could not set lock" not in out + err  # no DuckDB lock error leaks out
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    (winner,) = [o for o in outcomes if o["success"]]
    (refused,) = [o for o in outcomes if not o["success"]]
    # Exactly one wrote: the other stopped before its first step, naming the lock.
    assert refused["steps"] == 0
    assert any("another run is writing the build folder" in e for e in refused["errors"])
    assert winner["errors"] == [] and winner["steps"] > 10
    # No new input: ingest skipped every file.
    assert winner["ingest"] == {
        f"{source}_responses": {"files_loaded": 0, "files_skipped": n}
        for source, n in files.items()
    }
    again = _published_tables(good_build)
    assert again["csv"] == first["csv"]
    assert again["workbook"] == first["workbook"]
    assert again["marts"].keys() == first["marts"].keys()
    for table, rows in first["marts"].items():
        assert again["marts"][table] == rows, table
