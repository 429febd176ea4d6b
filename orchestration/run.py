"""`make run`: the `full_pipeline` job in this process, told as a person can follow it.

The console gets one line per step (what it made, its key counts, its time) and a closing
summary: the release published (number, status, where), or why nothing new was published (a
held release, a refused delivery, a failed gate with what it expected and found) and which
release stays. The full Dagster and dbt log goes to `$SURVEY_BUILD_DIR/logs/run-<time>.log`;
`VERBOSE=1` shows it on the console instead.

Exit status: 0 when the run succeeded (published, held or unchanged), 1 when it failed.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOG_DIR = "logs"
POLL_S = 0.5
# Metadata keys worth a place on a step's console line, in this order.
SHOWN = ("respondents", "dagster/row_count", "files_loaded", "quarantined_rows", "release")


@contextmanager
def _output_to(log: Path) -> Iterator[int]:
    """Send this process's stdout and stderr (dbt's subprocess output included) to `log`;
    yields a file descriptor of the console."""
    sys.stdout.flush()
    sys.stderr.flush()
    console = os.dup(1)
    saved_err = os.dup(2)
    with open(log, "ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(console, 1)
            os.dup2(saved_err, 2)
            os.close(saved_err)


class _Console:
    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def print(self, text: str = "") -> None:
        data = (text + "\n").encode("utf-8", "replace")
        if self.fd is None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            os.write(self.fd, data)


def _value(entry) -> object:
    return getattr(entry, "value", entry)


class _Watcher(threading.Thread):
    """Follows the run's events in the instance and prints a line per finished step."""

    def __init__(self, instance, run_id: str, console: _Console) -> None:
        super().__init__(daemon=True)
        self.instance, self.run_id, self.console = instance, run_id, console
        self.stop = threading.Event()
        self.cursor: str | None = None
        self.facts: dict[str, list[str]] = {}
        self.materialized: dict[str, int] = {}
        self.checks = {"passed": 0, "failed": 0}

    def run(self) -> None:
        while not self.stop.is_set():
            self.poll()
            self.stop.wait(POLL_S)
        self.poll()

    def poll(self) -> None:
        try:
            conn = self.instance.get_records_for_run(self.run_id, cursor=self.cursor)
        except Exception:  # the run is not stored yet
            return
        self.cursor = conn.cursor
        for record in conn.records:
            self.handle(record.event_log_entry)

    def handle(self, entry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        kind = event.event_type_value
        step = event.step_key or ""
        if kind == "ASSET_MATERIALIZATION":
            materialization = event.step_materialization_data.materialization
            self.materialized[step] = self.materialized.get(step, 0) + 1
            meta = {k: _value(v) for k, v in materialization.metadata.items()}
            shown = [f"{k.split('/')[-1]} {meta[k]}" for k in SHOWN if k in meta]
            if "summary" in meta and "outcome" in meta:  # the publish step's three assets
                self.facts[step] = [str(meta["summary"])]
                return
            if shown:
                self.facts.setdefault(step, []).append(
                    f"{materialization.asset_key.to_user_string()}: {', '.join(shown)}"
                )
        elif kind == "ASSET_CHECK_EVALUATION":
            passed = event.event_specific_data.passed
            self.checks["passed" if passed else "failed"] += 1
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = getattr(event.event_specific_data, "duration_ms", None)
            took = f" ({seconds / 1000:.1f} s)" if seconds else ""
            facts = self.facts.pop(step, [])
            made = self.materialized.pop(step, 0)
            mark = "ok " if kind == "STEP_SUCCESS" else "FAILED"
            if kind == "STEP_SUCCESS" and not facts and "__" in step:
                return  # a passed check's step: counted, not listed
            if made > 3:  # the dbt step: every model of the project, the weighting among them
                facts.insert(0, f"{made} assets")
            self.console.print(
                f"  {mark} {step}{took}" + (f": {'; '.join(facts[:3])}" if facts else "")
            )


def _summary(result, instance, run_id: str, build: Path) -> tuple[list[str], bool]:
    """The closing lines, and whether the run succeeded."""
    from orchestration.defs.publish import SUPPLEMENTARY_TABLES
    from publication.release_folder import current_release

    lines: list[str] = []
    failures, warnings = [], []
    for event in result.all_events:
        kind = event.event_type_value
        if kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                meta = {k: _value(v) for k, v in data.metadata.items()}
                text = str(meta.get("summary") or f"check {data.check_name} failed")
                (failures if data.blocking else warnings).append(text)
        elif kind == "STEP_FAILURE":
            error = event.event_specific_data.error
            user = event.event_specific_data.user_failure_data
            while error is not None and error.cause is not None:  # the step's own error
                error = error.cause
            text = (user.description if user and user.description else None) or (
                f"{error.cls_name}: {error.message.strip()}" if error else "failed"
            )
            failures.append(f"step {event.step_key}: {text}")
    published = [
        e
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
        and e.step_materialization_data.materialization.asset_key == SUPPLEMENTARY_TABLES
    ]
    current = current_release(build)
    if published:
        meta = {
            k: _value(v)
            for k, v in published[0].step_materialization_data.materialization.metadata.items()
        }
        lines.append(str(meta.get("summary")))
        if meta.get("outcome") == "published":
            lines += [
                f"Release:         {build / 'published'} -> {current}",
                "  release.json, changes.csv, supplementary_tables.xlsx, csv/, figures/,"
                " consultation_marts.duckdb, fidelity.csv, validation/",
            ]
        if meta.get("why_provisional") and meta.get("why_provisional") != "final":
            lines.append(f"Provisional:     {meta['why_provisional']}")

    def indented(text: str) -> str:
        return "  " + text.strip().replace("\n", "\n    ")

    if warnings:
        lines.append("Checks that do not hold publication back:")
        lines += [indented(text) for text in warnings]
    if failures:
        lines.append("Nothing new was published:")
        lines += [indented(text) for text in failures]
        lines.append(
            f"Release {current.name} stays published ({current})."
            if current
            else "No release has been published yet."
        )
    lines.append(f"Warehouse:       {build / 'warehouse.duckdb'}")
    return lines, result.success and not failures


def main() -> int:
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.resources import BuildFolderMismatch, SurveyPaths, claim_build_folder
    from survey.pack import PackError, current

    try:
        consultation = current()
        build = SurveyPaths().build_path
        claim_build_folder(build, consultation)
    except (PackError, BuildFolderMismatch) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 2
    verbose = os.environ.get("VERBOSE", "") not in ("", "0")
    (build / LOG_DIR).mkdir(parents=True, exist_ok=True)
    log = build / LOG_DIR / f"run-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.log"
    instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    job = build_definitions().resolve_job_def("full_pipeline")
    started = time.monotonic()
    if verbose:
        console = _Console(None)
        console.print(f"full_pipeline run {run_id}")
        result = job.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False)
    else:
        with _output_to(log) as fd:
            console = _Console(fd)
            console.print(f"full_pipeline run {run_id} (full log: {log})")
            watcher = _Watcher(instance, run_id, console)
            watcher.start()
            try:
                result = job.execute_in_process(
                    instance=instance, run_id=run_id, raise_on_error=False
                )
            finally:
                watcher.stop.set()
                watcher.join(timeout=10)
            console.print(
                f"  checks: {watcher.checks['passed']} passed, {watcher.checks['failed']} failed"
            )
    lines, ok = _summary(result, instance, run_id, build)
    console.print(f"Run {'succeeded' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s.")
    for line in lines:
        console.print(line)
    if not verbose:
        console.print(f"Full log:        {log} (make run VERBOSE=1 shows it here)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
