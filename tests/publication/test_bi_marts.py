"""consultation_marts.duckdb: aggregates only, described, read-only, published atomically."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from publication.bi_marts import RESPONDENT_LEVEL, PublicationError, write_marts_file
from publication.model_docs import dbt_docs

from .conftest import tiny_warehouse

READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    count = "select count(*) from marts.fct_estimates"
    print(con.execute(count).fetchone()[0], flush=True)
    sys.stdin.readline()
    print(con.execute(count).fetchone()[0], flush=True)
    """
)


def _publish(warehouse: Path, path: Path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return write_marts_file(con, path, dbt_docs())


def test_only_aggregates_are_published(release) -> None:
    marts = release.marts
    assert marts.excluded == {
        "marts.dim_respondents": "respondent-level columns: respondent_id",
        "marts.prep_estimates": "preparation table",
    }
    assert {"marts.fct_estimates", "marts.mart_weighting", "marts.dim_questions"} <= set(
        marts.tables
    )
    with duckdb.connect(str(marts.path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
        ).fetchall()
        tables = {f"{s}.{t}" for s, t, _ in columns}
        assert tables == set(marts.tables)
        assert not [c for *_, c in columns if RESPONDENT_LEVEL.search(c)]
        assert {s for s, _, _ in columns} == {"marts"}
        for name, rows in marts.tables.items():
            assert con.execute(f"select count(*) from {name}").fetchone()[0] == rows


def test_tables_and_columns_are_described(release) -> None:
    with duckdb.connect(str(release.marts.path), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_tables() where comment is null and not internal"
        ).fetchone() == (0,)
        assert con.execute(
            "select count(*) from duckdb_columns() where comment is null and not internal"
        ).fetchone() == (0,)
        (comment,) = con.execute(
            "select comment from duckdb_columns() where table_name = 'fct_estimates' "
            "and column_name = 'effective_base'"
        ).fetchone()
        assert "Kish" in comment


def test_file_is_read_only_without_wal(release) -> None:
    path = release.marts.path
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert not path.with_name(path.name + ".wal").exists()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_sqlalchemy_read_only_query(release) -> None:
    """As Superset connects: duckdb-engine, read-only."""
    url = f"duckdb:///{release.marts.path}"
    for engine in (
        sa.create_engine(url, connect_args={"read_only": True}),
        sa.create_engine(f"{url}?access_mode=read_only"),
    ):
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "select route, count(*) from marts.fct_estimates "
                    "where breakdown = 'total' group by route order by route"
                )
            ).fetchall()
            assert [r[0] for r in rows] == ["polls", "talk_london"]
            assert "fct_estimates" in sa.inspect(conn).get_table_names(schema="marts")
        engine.dispose()


def test_replace_while_a_reader_holds_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "published" / "consultation_marts.duckdb"
    path.parent.mkdir()
    _publish(tiny_warehouse(tmp_path / "old.duckdb", 3), path)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "3"
        published = _publish(tiny_warehouse(tmp_path / "new.duckdb", 5), path)
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"  # the old file, whole, to the end
    finally:
        reader.communicate(timeout=30)
    assert published.tables["marts.fct_estimates"] == 5
    fresh = subprocess.run(
        [sys.executable, "-c", READER, str(path)], input="\n", capture_output=True, text=True
    )
    assert fresh.stdout.split() == ["5", "5"]
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_failed_validation_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "consultation_marts.duckdb"
    _publish(tiny_warehouse(tmp_path / "old.duckdb", 3), path)
    monkeypatch.setattr(
        "publication.bi_marts.describe", lambda *a: (_ for _ in ()).throw(PublicationError("boom"))
    )
    with pytest.raises(PublicationError):
        _publish(tiny_warehouse(tmp_path / "new.duckdb", 5), path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_estimates").fetchone() == (3,)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "consultation_marts.duckdb",
        "new.duckdb",
        "old.duckdb",
    ]
