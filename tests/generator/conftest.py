"""Packs for the generic generator's tests: the tiny test pack and the bundled second pack, each
generated once per session into a temporary landing folder and loaded by ingest into a
temporary warehouse (with `SURVEY_CONSULTATION` set to the pack while it is used)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_PACK = REPO_ROOT / "tests" / "packs" / "tiny"
SECOND_PACK = "eastmere_ltp_2025"
SEED = 20220121


@dataclass
class Generated:
    landing: Path
    files: list[Path]
    raw: dict[str, pl.DataFrame]  # source id -> its raw table
    summaries: dict


def _generate(setting: str, tmp: Path) -> Generated:
    from ingest import load_export_source
    from sample_generator import write_sample
    from survey.pack import current

    landing, warehouse = tmp / "landing", tmp / "warehouse.duckdb"
    files = write_sample(landing, seed=SEED)
    sources = list(current().questionnaire.exports)
    summaries = {s: load_export_source(s, landing, warehouse) for s in sources}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = {s: con.sql(f"select * from raw.{s}_responses").pl() for s in sources}
    return Generated(landing, files, raw, summaries)


@pytest.fixture(scope="session")
def use_pack() -> Iterator:
    """Set `SURVEY_CONSULTATION` for the duration of a `with use_pack(setting):` block."""
    from contextlib import contextmanager

    @contextmanager
    def chosen(setting: str):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SURVEY_CONSULTATION", str(setting))
            yield

    return chosen


@pytest.fixture
def tiny_pack(use_pack) -> Iterator[Path]:
    with use_pack(TINY_PACK):
        yield TINY_PACK


@pytest.fixture
def second_pack(use_pack) -> Iterator[str]:
    with use_pack(SECOND_PACK):
        yield SECOND_PACK


@pytest.fixture(scope="session")
def tiny_generated(use_pack, tmp_path_factory) -> Generated:
    with use_pack(TINY_PACK):
        return _generate(str(TINY_PACK), tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def second_generated(use_pack, tmp_path_factory) -> Generated:
    with use_pack(SECOND_PACK):
        return _generate(SECOND_PACK, tmp_path_factory.mktemp("second"))
