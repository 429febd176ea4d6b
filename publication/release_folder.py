"""Numbered, atomic releases of the published folder.

`$SURVEY_BUILD_DIR/published` is a symbolic link to the latest complete release,
`releases/<n>/` (n = 1, 2, ...: one more than the highest release folder). A release is written
into `.published-staging-<run>/`; once complete it is renamed to `releases/<n>/` and the link is
swapped to it with one `os.replace` (an atomic rename), so `published/` is always the old
complete set or the new one, and a reader holding a file of an older release keeps reading it.

Everything a release holds is written into its staging folder: nothing is carried over from, or
written into, an earlier release, so a published release never changes afterwards. A staging
folder that is cancelled (a release held back, or nothing new to publish) or whose writer fails
is removed, and the previous release stays; a first run that fails leaves no `published` at all.

One publication at a time: `staged_release` holds the publish lock (`releases/.lock`, see
`infra.warehouse.exclusive_lock`) from before the release number is chosen until the link is
swapped. Under it, anything an interrupted publication left (SIGKILL, power loss) is removed and
logged: every other `.published-staging-*` folder and `.published-link-*` link in the build
folder (no other publication can be writing them).

Retention: every release is kept unless `SURVEY_KEEP_RELEASES` (a whole number, at least 1)
says how many of the latest to keep; the one `published` points at is always kept.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from infra.warehouse import exclusive_lock

PUBLISHED = "published"
RELEASES = "releases"
STAGING_PREFIX = ".published-staging-"
LINK_PREFIX = ".published-link-"
PUBLISH_LOCK = ".lock"  # inside RELEASES
PUBLISH_LOCK_WAIT_S = 600.0
KEEP_RELEASES_ENV = "SURVEY_KEEP_RELEASES"
LEGACY_RELEASES = ".published-releases"  # the layout before numbered releases

log = logging.getLogger(__name__)


class ReleaseSettingError(ValueError):
    """A release setting (environment variable) is not usable."""


def keep_releases() -> int | None:
    """How many of the latest releases to keep (None: all), from `SURVEY_KEEP_RELEASES`."""
    raw = os.environ.get(KEEP_RELEASES_ENV, "").strip().lower()
    if raw in ("", "all"):
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ReleaseSettingError(
            f"{KEEP_RELEASES_ENV} must be a whole number of releases to keep (1 or more) or 'all'"
        )
    return int(raw)


def release_numbers(build_dir: Path) -> list[int]:
    """The numbers of the release folders in `build_dir/releases`, ascending."""
    folder = build_dir / RELEASES
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in folder.iterdir()
        if p.name.isdigit() and p.is_dir() and not p.is_symlink()
    )


def current_release(build_dir: Path) -> Path | None:
    """The release folder `published` points at, if any."""
    published = build_dir / PUBLISHED
    if not published.is_symlink():
        return None
    target = published.resolve()
    return target if target.is_dir() else None


@dataclass
class Staging:
    """A release being written: `path` to write into, the `number` it will be published as, and
    the release it will replace (`previous`, None for the first)."""

    path: Path
    number: int
    previous: Path | None
    cancelled: bool = False

    def cancel(self) -> None:
        """Do not publish: the staging folder is removed on exit and `published` stays."""
        self.cancelled = True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(staging: Path, build_dir: Path, run_id: str, number: int) -> Path:
    """Make the complete `staging` folder release `number` and point `published` at it.

    Call with the publish lock held (`staged_release` does)."""
    published = build_dir / PUBLISHED
    release = build_dir / RELEASES / str(number)
    os.rename(staging, release)
    link = build_dir / f"{LINK_PREFIX}{run_id}"
    link.unlink(missing_ok=True)
    os.symlink(Path(RELEASES) / release.name, link)
    if published.is_dir() and not published.is_symlink():  # a plain folder of an old layout
        os.rename(published, build_dir / f"{STAGING_PREFIX}earlier-layout")
    os.replace(link, published)
    _fsync_dir(build_dir)
    shutil.rmtree(build_dir / LEGACY_RELEASES, ignore_errors=True)
    _prune(build_dir, keep_releases())
    return release


def _prune(build_dir: Path, keep: int | None) -> list[int]:
    """Remove all but the `keep` latest release folders (never the published one)."""
    if keep is None:
        return []
    current = current_release(build_dir)
    numbers = release_numbers(build_dir)
    removed = []
    for n in numbers[: max(len(numbers) - keep, 0)]:
        folder = build_dir / RELEASES / str(n)
        if current is not None and folder.resolve() == current:
            continue
        shutil.rmtree(folder)
        removed.append(n)
    return removed


def remove_stale(build_dir: Path, run_id: str) -> list[str]:
    """Remove what interrupted publications left in `build_dir`; returns the names removed.

    Only folders named `.published-staging-*` and links named `.published-link-*` are touched
    (never followed), and never this run's own, and release folders numbered above the one
    `published` links to (renamed by a publication killed before its link swap: never
    published). Call with the publish lock held: then no other publication can be writing them.
    """
    removed = []
    current = current_release(build_dir)
    linked = int(current.name) if current is not None and current.name.isdigit() else 0
    for n in release_numbers(build_dir):
        if n > linked:
            shutil.rmtree(build_dir / RELEASES / str(n))
            log.warning("removed release folder %s, renamed but never published", n)
            removed.append(f"{RELEASES}/{n}")
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
    (build_dir / RELEASES).mkdir(parents=True, exist_ok=True)
    with exclusive_lock(build_dir / RELEASES / PUBLISH_LOCK, f"publication {run_id}", wait_s):
        yield


@contextmanager
def staged_release(
    build_dir: Path, run_id: str, removed: list[str] | None = None
) -> Iterator[Staging]:
    """A staging folder to write the next release into; swapped in on success, removed on
    failure or when cancelled.

    Holds the publish lock throughout; first removes what interrupted publications left (the
    names are appended to `removed`, when given)."""
    keep_releases()  # a bad setting is refused before anything is written
    with publish_lock(build_dir, run_id):
        stale = remove_stale(build_dir, run_id)
        if removed is not None:
            removed.extend(stale)
        path = build_dir / f"{STAGING_PREFIX}{run_id}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        numbers = release_numbers(build_dir)
        staging = Staging(path, (numbers[-1] if numbers else 0) + 1, current_release(build_dir))
        try:
            yield staging
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        if staging.cancelled:
            shutil.rmtree(path, ignore_errors=True)
            return
        swap_in(path, build_dir, run_id, staging.number)
