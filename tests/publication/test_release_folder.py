"""`published/` is always a complete release: swapped in one step, old files still readable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.warehouse import FolderBusy
from orchestration.defs.fidelity import write_csv_atomically
from publication.bi_marts import FILE_NAME, write_marts_file
from publication.model_docs import dbt_docs
from publication.release_folder import (
    KEEP_RELEASES,
    LINK_PREFIX,
    PUBLISHED,
    RELEASES,
    STAGING_PREFIX,
    publish_lock,
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
        (staging / "supplementary_tables.xlsx").write_text(run_id)
        write_marts_file(con, staging / FILE_NAME, dbt_docs())


def test_published_is_a_link_to_a_complete_release(tmp_path: Path) -> None:
    build = tmp_path / "build"
    _release(build, "one", 3, tmp_path)
    published = build / PUBLISHED
    assert published.is_symlink()
    assert not Path(os.readlink(published)).is_absolute()
    assert (published / "supplementary_tables.xlsx").read_text() == "one"
    assert sorted(p.name for p in build.iterdir()) == [RELEASES, PUBLISHED]


def test_reader_of_the_old_release_is_not_disturbed(tmp_path: Path) -> None:
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
    assert len([p for p in (build / RELEASES).iterdir() if p.is_dir()]) == KEEP_RELEASES


def test_failed_release_leaves_the_published_one(tmp_path: Path) -> None:
    build = tmp_path / "build"
    _release(build, "one", 3, tmp_path)
    before = os.readlink(build / PUBLISHED)
    with pytest.raises(RuntimeError), staged_release(build, "two") as staging:
        (staging / "supplementary_tables.xlsx").write_text("half")
        raise RuntimeError("chart failed")
    assert os.readlink(build / PUBLISHED) == before
    assert (build / PUBLISHED / "supplementary_tables.xlsx").read_text() == "one"
    assert sorted(p.name for p in build.iterdir()) == [RELEASES, PUBLISHED]


def test_files_of_other_writers_are_carried_over(tmp_path: Path) -> None:
    """fidelity.csv (written atomically into published/) and validation/ survive a release."""
    build = tmp_path / "build"
    # An earlier layout: published/ as a plain folder, as fidelity creates it on a fresh build.
    write_csv_atomically(pl.DataFrame({"figure": ["a"]}), build / PUBLISHED / "fidelity.csv")
    (build / PUBLISHED / "validation").mkdir()
    (build / PUBLISHED / "validation" / "index.html").write_text("docs")
    _release(build, "one", 3, tmp_path)
    assert (build / PUBLISHED).is_symlink()
    assert pl.read_csv(build / PUBLISHED / "fidelity.csv")["figure"].to_list() == ["a"]
    write_csv_atomically(pl.DataFrame({"figure": ["b"]}), build / PUBLISHED / "fidelity.csv")
    _release(build, "two", 3, tmp_path)
    assert pl.read_csv(build / PUBLISHED / "fidelity.csv")["figure"].to_list() == ["b"]
    assert (build / PUBLISHED / "validation" / "index.html").read_text() == "docs"
    assert (build / PUBLISHED / "supplementary_tables.xlsx").read_text() == "two"


def test_extra_writers_publish_with_the_release(release) -> None:
    (extra,) = release.extras
    assert extra == release.workbook.parent / "extra.csv"
    assert extra.read_text().startswith("tables\n")


def test_leftovers_of_interrupted_publications_are_removed_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Under the publish lock, a release removes other runs' staging folders and link files, and
    every release folder but the current and the previous one; nothing else is touched and no
    link is followed."""
    build = tmp_path / "build"
    _release(build, "one", 3, tmp_path)
    _release(build, "two", 3, tmp_path)
    previous = (build / PUBLISHED).resolve()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not ours")
    (build / f"{STAGING_PREFIX}killed").mkdir()  # a publication killed while writing
    (build / f"{STAGING_PREFIX}killed" / "supplementary_tables.xlsx").write_text("half")
    (build / f"{LINK_PREFIX}killed").symlink_to(outside)  # killed between link and swap
    (build / f"{STAGING_PREFIX}linked").symlink_to(outside)  # not a folder of ours: left
    (build / "notes").mkdir()  # not matching the pattern: left
    orphan = build / RELEASES / "20200101T000000000000Z-renamed-never-linked"
    orphan.mkdir()
    removed: list[str] = []
    with (
        caplog.at_level("WARNING", logger="publication.release_folder"),
        staged_release(build, "three", removed=removed) as staging,
    ):
        (staging / "supplementary_tables.xlsx").write_text("three")
    assert removed == [f"{LINK_PREFIX}killed", f"{STAGING_PREFIX}killed"]
    assert all(name in caplog.text for name in removed)
    assert sorted(p.name for p in build.iterdir()) == sorted(
        [RELEASES, PUBLISHED, f"{STAGING_PREFIX}linked", "notes"]
    )
    assert (outside / "keep.txt").read_text() == "not ours"
    releases = {p for p in (build / RELEASES).iterdir() if p.is_dir()}
    assert releases == {(build / PUBLISHED).resolve(), previous}
    assert (build / PUBLISHED / "supplementary_tables.xlsx").read_text() == "three"


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
