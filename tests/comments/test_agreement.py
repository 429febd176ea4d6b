"""Coder agreement: the arithmetic by hand, on a hand-made double-coded file, on the reference
pack's committed file, and for a pack without one."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import polars as pl
import pytest

from comments.agreement import POOLED, STANCE, binary_agreement, categorical_kappa
from comments.codeframe import load_codeframe
from comments.coder import Code
from comments.evaluation import ANALYSTS, AUTOMATIC, double_coded_path, measure_agreement
from expectations.catalog import KAPPA_FLOOR
from ingest import ContractViolation, Rule
from ingest.coded_comments import DOUBLE_CODED_FILE
from survey.pack import PACKS_DIR, SETTING

HEADER = (
    "comment_id,text,coder_a_themes,coder_a_stance,coder_b_themes,coder_b_stance,"
    "agreed_themes,agreed_stance"
)
# Coder B against coder A (the agreed codes are coder A's):
#   c1 volume_crime / volume_crime; c2 volume_crime / other; c3 other / other;
#   c4 drugs (more enforcement) / drugs (less enforcement).
HAND_MADE = [
    "c1,Burglaries on my road.,volume_crime,,volume_crime,,volume_crime,",
    "c2,Bikes stolen every week.,volume_crime,,other,,volume_crime,",
    "c3,Fix the potholes.,other,,other,,other,",
    "c4,Close the crack houses.,drugs,more_enforcement,drugs,less_enforcement,drugs,"
    "more_enforcement",
]


def write(folder: Path, rows: list[str], header: str = HEADER) -> Path:
    path = folder / DOUBLE_CODED_FILE
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_binary_agreement_by_hand() -> None:
    # tp 3, fp 1, fn 1, tn 5: po 0.8, pe (4*4 + 6*6)/100 = 0.52, kappa 0.2857
    predicted = [True] * 3 + [True] + [False] + [False] * 5
    truth = [True] * 3 + [False] + [True] + [False] * 5
    got = binary_agreement(predicted, truth)
    assert got["support"] == 4
    assert got["precision"] == pytest.approx(0.75)
    assert got["recall"] == pytest.approx(0.75)
    assert got["f1"] == pytest.approx(0.75)
    assert got["kappa"] == pytest.approx((0.8 - 0.52) / 0.48)
    assert binary_agreement([False] * 3, [False] * 3)["kappa"] is None


def test_categorical_kappa_by_hand() -> None:
    # 5 of 6 agree: po 5/6; a: x 3, y 2, z 1; b: x 3, y 3, z 0
    # pe = (3*3 + 2*3 + 1*0) / 36 = 15/36; kappa = (30/36 - 15/36) / (21/36) = 15/21
    a = ["x", "x", "x", "y", "y", "z"]
    b = ["x", "x", "x", "y", "y", "y"]
    assert categorical_kappa(a, b) == pytest.approx(15 / 21)
    assert categorical_kappa(["x", None], ["x", None]) == pytest.approx(1.0)
    assert categorical_kappa(["x"], ["x"]) is None  # chance agreement 1: undefined


def test_kappa_of_a_hand_made_double_coded_file(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_MADE)
    codeframe = load_codeframe()
    # an automatic coder that codes every comment volume_crime, with no stance
    table = measure_agreement(path, codeframe, coder=lambda text: [Code("volume_crime", "")])
    rows = {(r["dataset"], r["theme_id"]): r for r in table.iter_rows(named=True)}
    # analysts, volume_crime: tp 1 (c1), fn 1 (c2), tn 2: po 3/4, pe (1*2 + 3*2)/16 = 1/2
    assert rows[ANALYSTS, "volume_crime"]["kappa"] == pytest.approx(0.5)
    assert rows[ANALYSTS, "volume_crime"]["recall"] == pytest.approx(0.5)
    # analysts, other: tp 1 (c3), fp 1 (c2), tn 2: po 3/4, pe (2*1 + 2*3)/16 = 1/2
    assert rows[ANALYSTS, "other"]["kappa"] == pytest.approx(0.5)
    # pooled over 13 themes x 4 comments: tp 3, fp 1, fn 1, tn 47:
    # po 50/52, pe (4*4 + 48*48)/52^2 = 2320/2704, kappa (2600 - 2320)/(2704 - 2320) = 280/384
    assert rows[ANALYSTS, POOLED]["comments"] == 52
    assert rows[ANALYSTS, POOLED]["kappa"] == pytest.approx(280 / 384)
    # stance of c4 (the one comment coder A puts under drugs): B reads it the other way
    assert rows[ANALYSTS, STANCE]["comments"] == 1
    assert rows[ANALYSTS, STANCE]["kappa"] == pytest.approx(0.0)
    # automatic vs agreed, volume_crime: tp 2, fp 2: po 1/2, pe (4*2 + 0*2)/16 = 1/2
    assert rows[AUTOMATIC, "volume_crime"]["kappa"] == pytest.approx(0.0)
    assert rows[AUTOMATIC, "volume_crime"]["precision"] == pytest.approx(0.5)
    # automatic, drugs: never coded, once agreed: po 3/4, pe (0*1 + 4*3)/16 = 3/4: kappa 0
    assert rows[AUTOMATIC, "drugs"]["kappa"] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("row", "rule", "column"),
    [
        ("c9,Text.,potholes_theme,,other,,other,", Rule.CODEBOOK, "coder_a_themes"),
        (
            "c9,Text.,drugs,,drugs,more_enforcement,drugs,more_enforcement",
            Rule.REQUIRED,
            "coder_a_stance",
        ),
        ("c9,Text.,other,more_enforcement,other,,other,", Rule.NOT_ALLOWED, "coder_a_stance"),
        (
            "c9,Text.,drugs,harsher,drugs,more_enforcement,drugs,more_enforcement",
            Rule.CODEBOOK,
            "coder_a_stance",
        ),
        ("c1,Text.,other,,other,,other,", Rule.DUPLICATE_ID, "comment_id"),
        ("c9,,other,,other,,other,", Rule.REQUIRED, "text"),
    ],
)
def test_a_bad_double_coded_file_names_file_column_row_and_rule(
    tmp_path: Path, row: str, rule: Rule, column: str
) -> None:
    path = write(tmp_path, [HAND_MADE[0], row])
    with pytest.raises(ContractViolation) as raised:
        measure_agreement(path, load_codeframe())
    violation = raised.value.violations[0]
    assert (violation.file, violation.rule, violation.column, violation.row) == (
        DOUBLE_CODED_FILE,
        rule,
        column,
        3,
    )
    for value in ("potholes_theme", "harsher"):
        assert value not in str(raised.value)


def test_a_double_coded_file_without_a_column_is_refused(tmp_path: Path) -> None:
    header = HEADER.replace(",agreed_stance", "")
    path = write(tmp_path, [r.rsplit(",", 1)[0] for r in HAND_MADE], header)
    with pytest.raises(ContractViolation) as raised:
        measure_agreement(path, load_codeframe())
    assert raised.value.rule == Rule.MISSING_COLUMN


def test_the_reference_pack_ships_its_double_coded_comments() -> None:
    path = double_coded_path()
    assert path == PACKS_DIR / "mopac_pcp_2021" / DOUBLE_CODED_FILE
    table = measure_agreement()
    ids = [*load_codeframe().theme_ids, POOLED, STANCE]
    for dataset in (AUTOMATIC, ANALYSTS):
        rows = table.filter(pl.col("dataset") == dataset)
        assert rows["theme_id"].to_list() == ids
        assert rows.filter(pl.col("theme_id") == POOLED)["comments"][0] == 600 * (len(ids) - 2)
        assert rows["kappa"].null_count() == 0
    automatic = table.filter(pl.col("dataset") == AUTOMATIC)
    assert automatic["kappa"].min() >= KAPPA_FLOOR
    # the two analysts disagree on a few comments: agreement high, not perfect
    analysts = table.filter(pl.col("dataset") == ANALYSTS)
    assert 0.9 < analysts.filter(pl.col("theme_id") == POOLED)["kappa"][0] < 1


@pytest.fixture
def pack_without_double_coding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(PACKS_DIR / "mopac_pcp_2021", folder)
    (folder / DOUBLE_CODED_FILE).unlink()
    monkeypatch.setenv(SETTING, str(folder))
    return folder


def test_a_pack_without_double_coded_comments_is_not_measured(
    pack_without_double_coding: Path,
) -> None:
    assert double_coded_path() is None
    assert measure_agreement() is None


def test_no_production_module_imports_the_sample_generator() -> None:
    root = PACKS_DIR.parent
    production = [
        p
        for package in (
            "comments",
            "ingest",
            "survey",
            "orchestration",
            "publication",
            "expectations",
        )
        for p in (root / package).rglob("*.py")
    ]
    assert len(production) > 50
    importing = []
    for path in production:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] == "sample_generator" for n in names):
                importing.append(path.relative_to(root).as_posix())
    assert importing == []
