"""The tiny test pack: it loads, and the generic generator (the pack has no `sample/`) writes
exports in both vendor layouts that ingest accepts, inside the fieldwork windows."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import polars as pl
import pytest

from sample_generator import has_calibration, write_sample
from sample_generator.__main__ import main
from sample_generator.generic_answers import OTHER_COMMENTS
from survey.pack import current

from .conftest import SEED, TINY_PACK


def test_tiny_pack_loads(tiny_pack):
    consultation = current()
    assert consultation.folder == TINY_PACK.resolve()
    assert consultation.id == "tiny"
    q = consultation.questionnaire
    assert list(q.tables) == ["A1", "B1", "B2"]
    assert {r: spec["weighted"] for r, spec in q.routes.items()} == {"open": False, "panel": True}
    assert list(consultation.weighting_scheme.margins) == ["sex"]
    assert [v.id for v in q.exported_variables()] == [
        "SEX",
        "B_SUPPORT",
        "B_USE_1",
        "B_USE_2",
        "B_USE_3",
        "B_USE_98",
        "B_COMMENT",
    ]
    assert not has_calibration()


def test_files_in_both_layouts(tiny_generated):
    assert sorted(p.name for p in tiny_generated.files) == [
        "tiny_open_20240318.xlsx",  # 14 days into fieldwork (delivery_every_days)
        "tiny_open_20240331.csv",  # the final export, on the last day, in both formats
        "tiny_open_20240331.xlsx",
        "yougov_tiny_panel_20240317.sav",  # two days after the poll's fieldwork closed
    ]


def test_ingest_accepts_every_row(tiny_generated):
    assert {s: summary.respondents for s, summary in tiny_generated.summaries.items()} == {
        "open": 120,
        "yougov_tiny_panel": 90,
    }
    for summary in tiny_generated.summaries.values():
        assert sum(summary.quarantined.values()) == 0
    assert tiny_generated.raw["open"]["response_id"].sort().to_list() == list(range(1, 121))


def test_completions_inside_fieldwork(tiny_generated):
    open_rows = tiny_generated.raw["open"]
    assert open_rows["date_submitted"].min().date() >= date(2024, 3, 4)
    assert open_rows["date_submitted"].max().date() <= date(2024, 3, 30)  # before the export
    assert (open_rows["date_submitted"] > open_rows["time_started"]).all()
    panel = tiny_generated.raw["yougov_tiny_panel"]
    assert panel["start_time"].min().date() >= date(2024, 3, 4)
    assert panel["end_time"].max().date() <= date(2024, 3, 15)


def test_same_seed_same_bytes(tiny_pack, tiny_generated, tmp_path):
    again = write_sample(tmp_path, seed=SEED)
    digest = {p.name: hashlib.sha256(p.read_bytes()).digest() for p in again}
    assert digest == {p.name: hashlib.sha256(p.read_bytes()).digest() for p in tiny_generated.files}
    other = write_sample(tmp_path / "other", seed=SEED + 7)
    assert {p.name for p in other} == set(digest)
    assert any(hashlib.sha256(p.read_bytes()).digest() != digest[p.name] for p in other)


def test_multi_select_rules(tiny_generated):
    panel = tiny_generated.raw["yougov_tiny_panel"]
    chosen = panel.select("b_use_1", "b_use_2", "b_use_3").sum_horizontal()
    dont_know = panel["b_use_98"]
    assert chosen.max() <= 2  # max_selected
    assert ((dont_know == 1) == (chosen == 0)).all()  # the exclusive option alone, else a choice
    assert set(dont_know.unique()) <= {0, 1}


def test_profile_fits_the_weighting(tiny_generated):
    panel = tiny_generated.raw["yougov_tiny_panel"]
    sex = panel["sex"].to_numpy()
    assert set(np.unique(sex)) <= {1, 2, 99}  # the margin keeps Prefer not to say's share
    w = panel["supplier_weight"].to_numpy()
    assert abs(w.mean() - 1) < 1e-5
    matched = np.isin(sex, [1, 2])
    female = w[sex == 1].sum() / w[matched].sum()
    assert abs(female - 0.52) < 0.02  # raked to the target, then the supplier's small noise


def test_comments_without_codeframe(tiny_generated):
    texts = pl.concat([t["b_comment"] for t in tiny_generated.raw.values()]).drop_nulls()
    texts = texts.filter(texts.str.strip_chars() != "")
    assert texts.len() > 30
    assert set(texts.to_list()) <= set(OTHER_COMMENTS) | {"No", "Nothing"}


def test_cli_writes_the_generic_sample_and_refuses_resampling(tiny_pack, tmp_path, capsys):

    assert main(["--out", str(tmp_path / "cli")]) == 0
    assert (
        sorted(p.name for p in (tmp_path / "cli").iterdir())[-1] == "yougov_tiny_panel_20240317.sav"
    )
    with pytest.raises(SystemExit) as refused:
        main(["--out", str(tmp_path / "big"), "--respondents", "1000"])
    assert refused.value.code == 2
    assert "no sample/" in capsys.readouterr().err
