"""Atomic release of the published folder.

`$SURVEY_BUILD_DIR/published` is a symbolic link to a complete release folder under
`.published-releases/`. A release is written into `.published-staging-<run>/`; once complete it
is renamed into `.published-releases/<timestamp>-<run>/` and the link is swapped to it with one
`os.replace` (an atomic rename), so `published/` is always the old complete set or the new one.

Files other writers put in `published/` (fidelity.csv, validation/) are carried into the new
release as hard links unless the release has its own copy; writers that replace their file
atomically inside `published/` (write to a temporary name, then `os.replace`) keep working, since
they write through the link into the current release. Readers holding a file of an older release
open keep reading it; the two newest releases are kept, older ones removed.

A `published` folder left by an earlier layout (a plain directory) is carried over and moved
aside once; only that first swap is not atomic.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

PUBLISHED = "published"
RELEASES = ".published-releases"
STAGING_PREFIX = ".published-staging-"
KEEP_RELEASES = 2


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
    """Make the complete `staging` folder the published release; returns the release folder."""
    published = build_dir / PUBLISHED
    releases = build_dir / RELEASES
    releases.mkdir(exist_ok=True)
    if published.exists():
        _carry_over(published.resolve(), staging)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    release = releases / f"{stamp}-{run_id}"
    os.rename(staging, release)
    link = build_dir / f".published-link-{run_id}"
    link.unlink(missing_ok=True)
    os.symlink(Path(RELEASES) / release.name, link)
    if published.is_dir() and not published.is_symlink():
        os.rename(published, releases / f"{stamp}-earlier-layout")
    os.replace(link, published)
    _fsync_dir(build_dir)
    _prune(releases, keep=release)
    return release


def _prune(releases: Path, keep: Path) -> None:
    """Remove all but the newest `KEEP_RELEASES` releases (never the current one)."""
    names = sorted(p.name for p in releases.iterdir() if p.is_dir())
    for name in names[:-KEEP_RELEASES]:
        if name != keep.name:
            shutil.rmtree(releases / name)


@contextmanager
def staged_release(build_dir: Path, run_id: str) -> Iterator[Path]:
    """A staging folder to write a release into; swapped in on success, removed on failure."""
    staging = build_dir / f"{STAGING_PREFIX}{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, build_dir, run_id)
