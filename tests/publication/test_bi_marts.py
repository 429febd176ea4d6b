"""consultation_marts.duckdb: aggregates only, described, read-only, published atomically."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from publication.bi_marts import (
    RESPONDENT_LEVEL,
    PublicationError,
    published_comment,
    write_marts_file,
)
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
    assert {
        "marts.fct_estimates",
        "marts.mart_weighting",
        "marts.dim_variables",
        "marts.analysis_settings",
    } <= set(marts.tables)
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


README = Path(__file__).resolve().parents[2] / "README.md"
# Run after a README connection block: the marts read, a file outside them refused, no COPY out.
PROBE = textwrap.dedent(
    """
    import sys
    outside, target = sys.argv[1], sys.argv[2]
    def query(sql):
        if "engine" in globals():
            with engine.connect() as conn:
                return conn.execute(sa.text(sql)).fetchall()
        return con.execute(sql).fetchall()
    print(query("select count(*) from marts.fct_estimates where route = 'talk_london'")[0][0])
    for sql in (f"select * from read_csv('{outside}')", f"copy (select 42) to '{target}'"):
        try:
            query(sql)
            print("allowed")
        except Exception as error:
            print("refused" if "disabled by configuration" in str(error) else repr(error))
    """
)


def documented_connections() -> dict[str, str]:
    """The README's connection blocks (`<!-- bi-connection: NAME -->` then a python fence)."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- bi-connection: (\w+) -->\n```python\n(.*?)```", text, re.S)
    return dict(blocks)


@pytest.mark.parametrize("form", ["sqlalchemy", "duckdb"])
def test_documented_connection_reads_the_marts_and_nothing_else(
    release, tmp_path: Path, form: str
) -> None:
    code = documented_connections()[form]
    assert "enable_external_access" in code and "read_only" in code
    code = code.replace(
        "/abs/path/to/build/mopac_pcp_2021/published/consultation_marts.duckdb",
        str(release.marts.path),
    )
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n1\n")
    target = tmp_path / "copied.csv"
    run = subprocess.run(
        [sys.executable, "-c", code + PROBE, str(outside), str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows, read, copy = run.stdout.split()
    with duckdb.connect(str(release.marts.path), read_only=True) as con:
        expected = con.execute(
            "select count(*) from marts.fct_estimates where route = 'talk_london'"
        ).fetchone()[0]
    assert int(rows) == expected > 0
    assert (read, copy) == ("refused", "refused")
    assert not target.exists()


def test_without_the_setting_a_read_only_connection_reads_any_file(release, tmp_path) -> None:
    """Why the README insists: read-only alone does not confine a connection."""
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n1\n")
    with duckdb.connect(str(release.marts.path), read_only=True) as con:
        assert con.execute(f"select * from read_csv('{outside}')").fetchall() == [(1,)]


def test_unweighted_route_has_null_weighted_columns_and_one_percentage_unit(release) -> None:
    with duckdb.connect(str(release.marts.path), read_only=True) as con:
        tl = con.execute(
            "select count(*), count(weighted_base), count(weighted_count), count(effective_base), "
            "count(unweighted_base), max(pct) from marts.fct_estimates where route = 'talk_london'"
        ).fetchone()
        polls = con.execute(
            "select count(weighted_base), count(effective_base), max(pct) "
            "from marts.fct_estimates where route = 'polls' and category_kind <> 'status'"
        ).fetchone()
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns() "
                "where table_name = 'fct_estimates'"
            ).fetchall()
        )
    assert tl[0] > 0 and tl[1:4] == (0, 0, 0) and tl[4] == tl[0]
    assert 1 < tl[5] <= 100 and 1 < polls[2] <= 100  # 0-100, not 0-1
    assert polls[0] > 0 and polls[1] > 0
    assert "0 to 100" in comments["pct"]
    assert "Null for unweighted routes (talk_london)" in comments["weighted_base"]


def test_analysis_settings_table_and_comments_cite_only_the_file(release, questionnaire) -> None:
    with duckdb.connect(str(release.marts.path), read_only=True) as con:
        settings = dict(
            con.execute("select setting, value from marts.analysis_settings").fetchall()
        )
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
        comments = [
            c
            for (c,) in con.execute(
                "select comment from duckdb_tables() where not internal union all "
                "select comment from duckdb_columns() where not internal"
            ).fetchall()
        ]
    assert settings["small_base_threshold"] == str(questionnaire.analysis["small_base_threshold"])
    assert settings["percentage_unit"] == "0-100"
    assert "gender: female vs male" in settings["comparisons"]
    assert "marts.analysis_settings" in tables
    cited = {
        m
        for c in comments
        for m in re.findall(r"\b(?:marts|ref|raw|staging|intermediate|weights|comments)\.\w+", c)
    }
    assert cited <= tables, cited - tables


def test_published_comment_rewrites_what_the_file_does_not_hold() -> None:
    text = published_comment(
        "fct_estimates",
        "small_base",
        "unweighted_base < ref.analysis.small_base_threshold; groups per ref.breakdowns.routes; "
        "weights from weights.poll_weights via int_respondents.",
    )
    assert text == (
        "unweighted_base < marts.analysis_settings (setting small_base_threshold); groups per "
        "the questionnaire's breakdowns; weights from the poll weights (respondent-level, not "
        "published) via a warehouse model (not published)."
    )
    assert published_comment("fct_significance", "p1", "Share (proportion 0-1).").startswith(
        "Percentage of the group, weighted for weighted routes. Unit: per cent, 0 to 100"
    )


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
