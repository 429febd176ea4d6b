"""Opening the warehouse for writing: owner-only files, and a bounded retry on DuckDB's lock.

The warehouse holds respondent-level data, so its file (and DuckDB's `.wal` beside it, which
exists while a writer has uncommitted or uncheckpointed changes) is readable by its owner only
(0600). `connect_warehouse` creates the files under umask 077 and tightens an existing file's
mode; `make_private` does the same for a file another process (dbt) wrote.

DuckDB allows one writer per file. A second process opening the file while another holds it
gets an `IOException` "Could not set lock on file": that error, and only that one, is retried
`LOCK_ATTEMPTS` times with a growing pause, then raised as `WarehouseLocked`. Anything raised
inside the caller's work (a `ContractViolation`, a failed check) is never retried. The limits
are read when a connection is opened, so a caller (or a test) can lower them.

`exclusive_lock` is the single-writer lock of a folder (an advisory `flock` on a lock file): the
Dagster resource holds it on the build folder for a whole run, the publication on the releases
folder while it writes. The kernel releases it when its holder dies, so a killed run never leaves
a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

PRIVATE_MODE = 0o600
LOCK_ATTEMPTS = 8  # about 25 s of waiting in all with the pauses below
LOCK_FIRST_PAUSE_S = 0.2
LOCK_PAUSE_FACTOR = 2.0
LOCK_MAX_PAUSE_S = 5.0
LOCK_MESSAGE = "Could not set lock on file"

T = TypeVar("T")


class WarehouseLocked(RuntimeError):
    """The warehouse stayed locked by another process after every bounded retry."""


class FolderBusy(RuntimeError):
    """Another process holds a folder's single-writer lock (see `exclusive_lock`)."""


def is_lock_error(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and LOCK_MESSAGE in str(error)


def make_private(warehouse: Path) -> None:
    """Owner-only mode (0600) for the warehouse file and its WAL, where they exist."""
    for path in (Path(warehouse), Path(f"{warehouse}.wal")):
        try:
            if stat.S_IMODE(path.stat().st_mode) != PRIVATE_MODE:
                path.chmod(PRIVATE_MODE)
        except FileNotFoundError:
            continue


@contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders created meanwhile (by this process or a child it starts) are owner-only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def retry_on_lock(
    open_: Callable[[], T],
    attempts: int | None = None,
    first_pause: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `open_` until it does not fail with a DuckDB lock error, at most `attempts` times
    (default `LOCK_ATTEMPTS`), pausing `first_pause` (default `LOCK_FIRST_PAUSE_S`), then longer."""
    attempts = attempts or LOCK_ATTEMPTS
    pause = LOCK_FIRST_PAUSE_S if first_pause is None else first_pause
    for attempt in range(1, attempts + 1):
        try:
            return open_()
        except duckdb.IOException as e:
            if not is_lock_error(e):
                raise
            if attempt == attempts:
                raise WarehouseLocked(
                    f"the warehouse is locked by another process after {attempts} attempts"
                    f" ({str(e).splitlines()[0]})"
                ) from e
            sleep(pause)
            pause = min(pause * LOCK_PAUSE_FACTOR, LOCK_MAX_PAUSE_S)
    raise AssertionError("unreachable")


@contextmanager
def connect_warehouse(
    warehouse: Path, read_only: bool = False, attempts: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse: lock errors retried with a bound, files owner-only.

    Only the opening is retried; errors raised while the connection is in use propagate.
    """
    warehouse = Path(warehouse)
    if not read_only:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
    with private_umask():
        con = retry_on_lock(lambda: duckdb.connect(str(warehouse), read_only=read_only), attempts)
    make_private(warehouse)
    try:
        with private_umask():
            yield con
    finally:
        con.close()
        make_private(warehouse)


@contextmanager
def exclusive_lock(lock_file: Path, holder: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the single-writer lock `lock_file` (created owner-only) while the block runs.

    Waits up to `wait_s` seconds for another holder to finish, then raises `FolderBusy` naming
    the lock file and its holder (what the holder wrote into it: `holder`, a run id and a pid).
    """
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    held_by = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "unknown"
                    raise FolderBusy(
                        f"{lock_file} is held by another writer ({held_by})"
                        + (f" after waiting {wait_s:g} s" if wait_s else "")
                    ) from None
                time.sleep(min(0.2, max(wait_s, 0.01)))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder}, pid {os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
