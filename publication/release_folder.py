"""Atomic release of the published folder.

`$SURVEY_BUILD_DIR/published` is a symbolic link to a complete release folder under
`.published-releases/`. A release is written into `.published-staging-<run>/`; once complete it
is renamed into `.published-releases/<timestamp>-<run>/` and the link is swapped to it with one
`os.replace` (an atomic rename), so `published/` is always the old complete set or the new one.

Files other writers put in `published/` (fidelity.csv, validation/) are carried into the new
release as hard links unless the release has its own copy; writers that replace their file
atomically inside `published/` (write to a temporary name, then `os.replace`) keep working, since
they write through the link into the current release. Readers holding a file of an older release
open keep reading it.

One publication at a time: `staged_release` holds the publish lock
(`.published-releases/.lock`, see `ingest.warehouse.exclusive_lock`) from before the staging
folder is made until the link is swapped. Under it, anything an interrupted publication left
(SIGKILL, power loss) is removed and logged: every other `.published-staging-*` folder and
`.published-link-*` link in the build folder (no other publication can be writing them), and
every release but two.

Retention: the current release and the one it replaced (the previous link target) are kept;
every other folder in `.published-releases/` is removed: older releases, and a release folder an
interrupted swap renamed but never linked.

A `published` folder left by an earlier layout (a plain directory) is carried over and moved
aside once; only that first swap is not atomic.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ingest.warehouse import exclusive_lock

PUBLISHED = "published"
RELEASES = ".published-releases"
STAGING_PREFIX = ".published-staging-"
LINK_PREFIX = ".published-link-"
PUBLISH_LOCK = ".lock"  # inside RELEASES
PUBLISH_LOCK_WAIT_S = 600.0
KEEP_RELEASES = 2  # the current release and the previous one
RELEASE_NAME = re.compile(r"^\d{8}T\d{12}Z-.+$")

log = logging.getLogger(__name__)


def _carry_over(current: Path, staging: Path) -> list[str]:
    """Hard-link entries of the current release that the new one lacks; returns their names."""
    carried = []
    for entry in sorted(current.iterdir()):
        target = staging / entry.name
        if target.exists() or entry.name.startswith("."):
            continue
        if entry.is_dir():
            shutil.copytree(entry, target, copy_function=os.link)
        else:
            os.link(entry, target)
        carried.append(entry.name)
    return carried


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(staging: Path, build_dir: Path, run_id: str) -> Path:
    """Make the complete `staging` folder the published release; returns the release folder.

    Call with the publish lock held (`staged_release` does)."""
    published = build_dir / PUBLISHED
    releases = build_dir / RELEASES
    releases.mkdir(exist_ok=True)
    previous = published.resolve() if published.is_symlink() else None
    if published.exists():
        _carry_over(published.resolve(), staging)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    release = releases / f"{stamp}-{run_id}"
    os.rename(staging, release)
    link = build_dir / f"{LINK_PREFIX}{run_id}"
    link.unlink(missing_ok=True)
    os.symlink(Path(RELEASES) / release.name, link)
    if published.is_dir() and not published.is_symlink():
        previous = releases / f"{stamp}-earlier-layout"
        os.rename(published, previous)
    os.replace(link, published)
    _fsync_dir(build_dir)
    _prune(releases, keep={release.name, previous.name if previous else release.name})
    return release


def _prune(releases: Path, keep: set[str]) -> list[str]:
    """Remove every release folder but those named in `keep` (the current and previous)."""
    removed = []
    for entry in sorted(releases.iterdir()):
        if entry.name in keep or entry.is_symlink() or not entry.is_dir():
            continue
        if RELEASE_NAME.match(entry.name):
            shutil.rmtree(entry)
            removed.append(entry.name)
    return removed


def remove_stale(build_dir: Path, run_id: str) -> list[str]:
    """Remove what interrupted publications left in `build_dir`; returns the names removed.

    Only folders named `.published-staging-*` and links named `.published-link-*` are touched
    (never followed), and never this run's own. Call with the publish lock held: then no other
    publication can be writing them.
    """
    removed = []
    own = {f"{STAGING_PREFIX}{run_id}", f"{LINK_PREFIX}{run_id}"}
    for entry in sorted(build_dir.iterdir()) if build_dir.is_dir() else ():
        if entry.name in own:
            continue
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif entry.name.startswith(LINK_PREFIX) and entry.is_symlink():
            entry.unlink()
        else:
            continue
        log.warning("removed %s, left in %s by an interrupted publication", entry.name, build_dir)
        removed.append(entry.name)
    return removed


@contextmanager
def publish_lock(build_dir: Path, run_id: str, wait_s: float | None = None) -> Iterator[None]:
    """Hold the build folder's publish lock (one publication at a time)."""
    wait_s = PUBLISH_LOCK_WAIT_S if wait_s is None else wait_s
    with exclusive_lock(build_dir / RELEASES / PUBLISH_LOCK, f"publication {run_id}", wait_s):
        yield


@contextmanager
def staged_release(
    build_dir: Path, run_id: str, removed: list[str] | None = None
) -> Iterator[Path]:
    """A staging folder to write a release into; swapped in on success, removed on failure.

    Holds the publish lock throughout; first removes what interrupted publications left (the
    names are appended to `removed`, when given)."""
    with publish_lock(build_dir, run_id):
        stale = remove_stale(build_dir, run_id)
        if removed is not None:
            removed.extend(stale)
        staging = build_dir / f"{STAGING_PREFIX}{run_id}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        swap_in(staging, build_dir, run_id)
