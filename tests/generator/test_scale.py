"""The scale generator: the sample's layouts at another size, linear and streamable."""

import csv

import numpy as np
import pyreadstat
import pytest

from ingest import load_export_source
from sample_generator.scale import question_blocks, split, write_scaled
from survey.questionnaire import load_questionnaire

N = 5000


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    landing = tmp_path_factory.mktemp("scaled")
    return landing, write_scaled(landing, N)


def _csv_rows(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_sizes_split_as_the_sample():
    assert split(2726) == {"talk_london": 1033, "representative": 1161, "boost": 532}
    sizes = split(1_000_000)
    assert sum(sizes.values()) == 1_000_000
    assert all(abs(sizes[p] - 1_000_000 * n / 2726) < 1 for p, n in split(2726).items())


def test_files_columns_and_unique_ids(scaled, sample_landing):
    landing, written = scaled
    assert sorted(p.name for p in written) == [
        "talk_london_export_20220121.csv",
        "yougov_bame_boost_20211216.sav",
        "yougov_representative_20211208.sav",
    ]
    rows = _csv_rows(landing / "talk_london_export_20220121.csv")
    assert rows[0] == _csv_rows(sample_landing / "talk_london_export_20220121.csv")[0]
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == split(N)["talk_london"] == len(set(ids))
    for name in ("yougov_representative_20211208.sav", "yougov_bame_boost_20211216.sav"):
        frame, _ = pyreadstat.read_sav(landing / name, metadataonly=True)
        sample, _ = pyreadstat.read_sav(sample_landing / name, metadataonly=True)
        assert list(frame.columns) == list(sample.columns)


def test_delivery_passes_the_export_contracts(scaled, tmp_path):
    landing, _ = scaled
    warehouse = tmp_path / "warehouse.duckdb"
    loaded = {
        s: load_export_source(s, landing, warehouse).respondents
        for s in ("talk_london", "yougov_representative", "yougov_bame_boost")
    }
    assert loaded == dict(zip(loaded, split(N).values(), strict=True))


def test_blocks_keep_routed_questions_with_their_condition():
    q = load_questionnaire()
    block_of = {v.question_id: i for i, b in enumerate(question_blocks(q)) for v in b}
    for var in q.exported_variables():
        if var.asked_if:
            assert block_of[var.question_id] == block_of[var.asked_if["question"]]
    assert not any(v.kind == "demographic" for b in question_blocks(q) for v in b)


def test_same_seed_same_delivery(tmp_path):
    a, b = write_scaled(tmp_path / "a", 300), write_scaled(tmp_path / "b", 300)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(
            np.frombuffer(x.read_bytes(), np.uint8), np.frombuffer(y.read_bytes(), np.uint8)
        )
