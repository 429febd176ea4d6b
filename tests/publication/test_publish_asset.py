"""The Dagster assets: three published keys from one step, with paths, counts and sizes, held
back by the blocking personal-data check on the quotes they publish."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs import comments, publish
from orchestration.resources import ConsultationResource, SurveyPaths

KEYS = {publish.SUPPLEMENTARY_TABLES, publish.FIGURES, publish.CONSULTATION_MARTS}


def test_asset_specs() -> None:
    (asset,) = publish.assets
    assert set(asset.keys) == KEYS
    assert {asset.group_names_by_key[k] for k in KEYS} == {"published"}
    assert not asset.can_subset
    for key in KEYS:
        deps = asset.asset_deps[key]
        assert dg.AssetKey(["marts", "fct_estimates"]) in deps
        assert dg.AssetKey(["weights", "weighting_summary"]) in deps
        assert set(publish.COMMENT_KEYS) <= deps
        assert comments.PUBLISHED_QUOTES in deps


def test_the_quotes_check_is_blocking_and_guards_publication(defs: dg.Definitions) -> None:
    """A blocking check holds back only the checked asset's direct dependents."""
    graph = defs.resolve_asset_graph()
    for key in KEYS:
        assert comments.PUBLISHED_QUOTES in graph.get(key).parent_keys
    (check,) = [
        c
        for c in graph.asset_check_keys
        if c.asset_key == comments.PUBLISHED_QUOTES and c.name == "quotes_hold_no_personal_data"
    ]
    assert graph.get(check).blocking


@pytest.mark.slow  # a whole publication besides the session's shared release
def test_materialise_on_the_synthetic_warehouse(
    tmp_path: Path, synthetic_warehouse: Path, one_chart_pack
) -> None:
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(synthetic_warehouse, build / "warehouse.duckdb")
    result = dg.materialize(
        publish.assets,
        resources={
            "paths": SurveyPaths(build_dir=str(build)),
            "consultation": ConsultationResource(pack=str(one_chart_pack.folder)),
        },
    )
    assert result.success
    meta = {
        e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    assert set(meta) == KEYS
    tables = meta[publish.SUPPLEMENTARY_TABLES]
    # and a sheet of confidence intervals after every table but I1 and B8 (most common ranks)
    assert tables["sheets"].value == 122 + 114 and tables["tables"].value == 116
    assert tables["csv_files"].value == 118  # and I1's split by stance and quotes
    assert tables["extra_files"].value == "comment_coding_agreement.csv, validation/index.html"
    assert (build / "published" / "comment_coding_agreement.csv").is_file()
    assert tables["personal_data_gate"].value.startswith("no personal data in ")
    assert tables["workbook"].value == str(build / "published" / "supplementary_tables.xlsx")
    assert tables["outcome"].value == "published" and tables["release"].value == 1
    assert tables["workbook_bytes"].value > 0
    assert meta[publish.FIGURES]["files"].value == 3  # PNG, SVG and alt_text.csv
    marts = meta[publish.CONSULTATION_MARTS]
    assert marts["marts_file"].value == str(build / "published" / "consultation_marts.duckdb")
    assert "marts.fct_estimates" in marts["tables"].value
    assert "marts.dim_respondents" in marts["excluded"].value
