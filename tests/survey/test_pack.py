"""Choosing a consultation pack (`SURVEY_CONSULTATION`) and the build folder that belongs to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestration.resources import BuildFolderMismatch, SurveyPaths, claim_build_folder
from survey.pack import DEFAULT_CONSULTATION, PACKS_DIR, PackError, current, pack_folder
from survey.questionnaire import load_questionnaire


def test_the_reference_pack_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SURVEY_CONSULTATION", raising=False)
    assert pack_folder() == PACKS_DIR / DEFAULT_CONSULTATION
    assert current().id == DEFAULT_CONSULTATION


def test_a_pack_is_chosen_by_id_or_by_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copy = tmp_path / "my_pack"
    shutil.copytree(PACKS_DIR / DEFAULT_CONSULTATION, copy)
    monkeypatch.setenv("SURVEY_CONSULTATION", str(copy))
    assert pack_folder() == copy.resolve()
    assert current().id == "my_pack"
    # The loaders follow the setting: the copy's questionnaire, not the reference's.
    assert load_questionnaire() is load_questionnaire(copy / "questionnaire.yaml")
    monkeypatch.setenv("SURVEY_CONSULTATION", DEFAULT_CONSULTATION)
    assert load_questionnaire() is not load_questionnaire(copy / "questionnaire.yaml")


def test_an_unknown_pack_is_refused_with_the_packs_there(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SURVEY_CONSULTATION", "no_such_consultation")
    with pytest.raises(PackError) as refused:
        pack_folder()
    message = str(refused.value)
    assert "SURVEY_CONSULTATION=no_such_consultation" in message
    assert DEFAULT_CONSULTATION in message  # the packs that do exist are listed


def test_the_build_folder_defaults_to_one_per_pack(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SURVEY_BUILD_DIR", raising=False)
    monkeypatch.delenv("SURVEY_LANDING_DIR", raising=False)
    monkeypatch.delenv("SURVEY_CONSULTATION", raising=False)
    paths = SurveyPaths()
    assert paths.build_path.parts[-2:] == ("build", DEFAULT_CONSULTATION)
    assert paths.landing_path.parts[-3:] == ("data", "sample_landing", DEFAULT_CONSULTATION)


def test_a_build_folder_refuses_another_pack(tmp_path: Path):
    reference = current(DEFAULT_CONSULTATION)
    other_folder = tmp_path / "other_consultation"
    shutil.copytree(reference.folder, other_folder)
    other = current(str(other_folder))
    build = tmp_path / "build"

    claim_build_folder(build, reference)
    stamp = json.loads((build / "consultation.json").read_text(encoding="utf-8"))
    assert stamp["id"] == DEFAULT_CONSULTATION
    claim_build_folder(build, reference)  # the same pack again: accepted

    with pytest.raises(BuildFolderMismatch) as refused:
        claim_build_folder(build, other)
    message = str(refused.value)
    assert f"built from the consultation pack '{DEFAULT_CONSULTATION}'" in message
    assert "not 'other_consultation'" in message
    assert "SURVEY_BUILD_DIR" in message


def test_the_fingerprint_changes_with_any_pack_file(tmp_path: Path):
    copy = tmp_path / "pack"
    shutil.copytree(PACKS_DIR / DEFAULT_CONSULTATION, copy)
    before = current(str(copy)).fingerprint
    (copy / "reference" / "london-population.md").write_text("changed\n", encoding="utf-8")
    # A new Consultation object (the cached one keeps the fingerprint it was built with).
    from survey.pack import Consultation

    assert Consultation(copy.resolve()).fingerprint != before


@pytest.mark.slow  # a fresh interpreter imports Dagster and the definitions
def test_no_module_loads_a_pack_at_import() -> None:
    """Every package imports with no valid pack chosen; the pack is read when it is used."""
    import os
    import subprocess
    import sys

    code = (
        "import orchestration.definitions, orchestration.run, expectations.catalog, ingest,"
        " comments, publication.release, survey.fidelity\n"
        "from orchestration.definitions import build_definitions\n"
        "from survey.pack import PackError\n"
        "try:\n    build_definitions()\nexcept PackError as e:\n    print('refused:', e)\n"
    )
    env = {**os.environ, "SURVEY_CONSULTATION": "no_such_pack"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("refused: SURVEY_CONSULTATION=no_such_pack: no consultation pack")
