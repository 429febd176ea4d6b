"""`published/` is always a complete release: swapped in one step, old files still readable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from infra.warehouse import FolderBusy
from publication.bi_marts import FILE_NAME, write_marts_file
from publication.model_docs import dbt_docs
from publication.release_folder import (
    KEEP_RELEASES_ENV,
    LINK_PREFIX,
    PUBLISHED,
    RELEASES,
    STAGING_PREFIX,
    ReleaseSettingError,
    publish_lock,
    release_numbers,
    staged_release,
)

from .conftest import tiny_warehouse
from .test_bi_marts import READER


def _release(build: Path, run_id: str, rows: int, tmp_path: Path) -> None:
    warehouse = tiny_warehouse(tmp_path / f"warehouse-{run_id}.duckdb", rows)
    with (
        duckdb.connect(str(warehouse), read_only=True) as con,
        staged_release(build, run_id) as staging,
    ):
        (staging.path / "supplementary_tables.xlsx").write_text(run_id)
        write_marts_file(con, staging.path / FILE_NAME, dbt_docs())


def test_published_is_a_link_to_the_latest_numbered_release(tmp_path: Path) -> None:
    build = tmp_path / "build"
    _release(build, "one", 3, tmp_path)
    published = build / PUBLISHED
    assert published.is_symlink()
    assert os.readlink(published) == os.path.join(RELEASES, "1")
    assert (published / "supplementary_tables.xlsx").read_text() == "one"
    assert sorted(p.name for p in build.iterdir()) == [PUBLISHED, RELEASES]
    _release(build, "two", 3, tmp_path)
    assert os.readlink(published) == os.path.join(RELEASES, "2")
    assert release_numbers(build) == [1, 2]
    # an earlier release is never touched by a later one
    assert (build / RELEASES / "1" / "supplementary_tables.xlsx").read_text() == "one"


def test_reader_of_the_old_release_is_not_disturbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEEP_RELEASES_ENV, "2")
    build = tmp_path / "build"
    _release(build, "one", 3, tmp_path)
    marts = build / PUBLISHED / FILE_NAME
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(marts)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "3"
        for run, rows in (("two", 5), ("three", 7)):  # the third prunes release one
            _release(build, run, rows, tmp_path)
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"
    finally:
        reader.communicate(timeout=30)
    fresh = subprocess.run(
        [sys.executable, "-c", READER, str(marts)], input="\n", capture_output=True, text=True
    )
    assert fresh.stdout.split() == ["7", "7"]
    assert release_numbers(build) == [2, 3]


def test_every_release_is_kept_by_default_and_a_bad_setting_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = tmp_path / "build"
    for run in ("one", "two", "three"):
        _release(build, run, 3, tmp_path)
    assert release_numbers(build) == [1, 2, 3]
    monkeypatch.setenv(KEEP_RELEASES_ENV, "none")
    with pytest.raises(ReleaseSettingError, match=KEEP_RELEASES_ENV):
        _release(build, "four", 3, tmp_path)
    assert release_numbers(build) == [1, 2, 3]


def test_failed_or_cancelled_release_leaves_the_published_one(tmp_path: Path) -> None:
    build = tmp_path / "build"
    _release(build, "one", 3, tmp_path)
    before = os.readlink(build / PUBLISHED)
    with pytest.raises(RuntimeError), staged_release(build, "two") as staging:
        (staging.path / "supplementary_tables.xlsx").write_text("half")
        raise RuntimeError("chart failed")
    with staged_release(build, "three") as staging:
        (staging.path / "supplementary_tables.xlsx").write_text("held")
        staging.cancel()
    assert os.readlink(build / PUBLISHED) == before
    assert (build / PUBLISHED / "supplementary_tables.xlsx").read_text() == "one"
    assert sorted(p.name for p in build.iterdir()) == [PUBLISHED, RELEASES]
    assert release_numbers(build) == [1]


def test_a_first_release_that_fails_leaves_no_published(tmp_path: Path) -> None:
    build = tmp_path / "build"
    with pytest.raises(RuntimeError), staged_release(build, "one") as staging:
        (staging.path / "fidelity.csv").write_text("figure\n")
        raise RuntimeError("gate failed")
    assert not (build / PUBLISHED).exists() and not (build / PUBLISHED).is_symlink()
    assert release_numbers(build) == []


def test_extra_writers_publish_with_the_release(release) -> None:
    (extra,) = release.extras
    assert extra == release.workbook.parent / "extra.csv"
    assert extra.read_text().startswith("tables\n")


def test_leftovers_of_interrupted_publications_are_removed_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Under the publish lock, a release removes other runs' staging folders and link files;
    nothing else is touched and no link is followed."""
    build = tmp_path / "build"
    _release(build, "one", 3, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not ours")
    (build / f"{STAGING_PREFIX}killed").mkdir()  # a publication killed while writing
    (build / f"{STAGING_PREFIX}killed" / "supplementary_tables.xlsx").write_text("half")
    (build / f"{LINK_PREFIX}killed").symlink_to(outside)  # killed between link and swap
    (build / f"{STAGING_PREFIX}linked").symlink_to(outside)  # not a folder of ours: left
    (build / "notes").mkdir()  # not matching the pattern: left
    removed: list[str] = []
    with (
        caplog.at_level("WARNING", logger="publication.release_folder"),
        staged_release(build, "two", removed=removed) as staging,
    ):
        (staging.path / "supplementary_tables.xlsx").write_text("two")
    assert removed == [f"{LINK_PREFIX}killed", f"{STAGING_PREFIX}killed"]
    assert all(name in caplog.text for name in removed)
    assert sorted(p.name for p in build.iterdir()) == sorted(
        [RELEASES, PUBLISHED, f"{STAGING_PREFIX}linked", "notes"]
    )
    assert (outside / "keep.txt").read_text() == "not ours"
    assert release_numbers(build) == [1, 2]
    assert (build / PUBLISHED / "supplementary_tables.xlsx").read_text() == "two"


def test_one_publication_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second publication waits for the publish lock (bounded), then fails naming the holder."""
    import publication.release_folder

    monkeypatch.setattr(publication.release_folder, "PUBLISH_LOCK_WAIT_S", 0.3)
    build = tmp_path / "build"
    with publish_lock(build, "first"):
        with pytest.raises(FolderBusy, match="publication first"), staged_release(build, "second"):
            pass
        assert not (build / f"{STAGING_PREFIX}second").exists()
    with publish_lock(build, "second", wait_s=0):  # free again once the first has ended
        pass
