"""The sample's platform statistics end to end: loaded, reproduced by the fidelity check, on the
cover (one shared full run)."""

from __future__ import annotations

import openpyxl
import polars as pl

from infra.warehouse import connect_warehouse


def test_platform_statistics_reach_fidelity_and_cover(full_run) -> None:
    result, build = full_run
    assert result.success
    with connect_warehouse(build / "warehouse.duckdb", read_only=True) as con:
        loaded = dict(con.sql("select metric, value from raw.platform_statistics").fetchall())
        dates = con.sql("select distinct export_date from raw.platform_statistics").fetchall()
    assert loaded == {"unique_page_views": 41657, "comments": 32, "interactions": 55}
    assert [str(d[0]) for d in dates] == ["2022-01-21"]

    fidelity = pl.read_csv(build / "published" / "fidelity.csv", infer_schema_length=None)
    fn2 = fidelity.filter(pl.col("figure").str.starts_with("fn2_"))
    assert sorted(fn2["figure"]) == ["fn2_comments", "fn2_interactions", "fn2_page_views"]
    assert fn2["passed"].to_list() == [True, True, True]

    sheet = openpyxl.load_workbook(build / "published" / "supplementary_tables.xlsx")["Cover"]
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert (
        "Talk London campaign: 41,657 unique page views, 32 comments on the proposals and 55"
        " additional interactions (likes/hearts)" in text
    )
    assert "platform statistics exported on 2022-01-21" in text
