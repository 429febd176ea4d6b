"""The comment tables of the warehouse (schema `comments`), built from `intermediate.int_responses`.

Respondent-level tables (`coded_comments`) stay in the warehouse; the aggregates and the
redacted quotes are what publication reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import polars as pl

from survey.questionnaire import Questionnaire, load_questionnaire

from .codeframe import Codeframe, load_codeframe
from .coder import code_comments
from .counts import stance_counts, theme_counts
from .exclusion import exclusion_counts, has_suggestion_flags
from .overrides import apply_manual_codes
from .quotes import select_quotes

SCHEMA = "comments"
CODED_COLUMNS = ["respondent_id", "route", "poll", "theme_id", "source", "evidence", "stance"]


def read_comments(
    con: duckdb.DuckDBPyConnection, codeframe: Codeframe | None = None
) -> pl.DataFrame:
    """One row per respondent: route, poll, the text of the codeframe's question, the
    warehouse's `in_base` for it and the answer code to the quote permission question (null
    when the codeframe names none)."""
    codeframe = codeframe or load_codeframe()
    permission = codeframe.quote_permission[0] if codeframe.quote_permission else None
    return con.sql(
        """
        select c.respondent_id, r.route, r.poll, c.text, c.in_base,
            p.code as quote_permission
        from intermediate.int_responses as c
        inner join intermediate.int_respondents as r using (respondent_id)
        left join intermediate.int_responses as p
            on p.respondent_id = c.respondent_id and p.variable_id = ?
        where c.variable_id = ?
        order by c.respondent_id
        """,
        params=[permission, codeframe.question],
    ).pl()


@dataclass(frozen=True)
class CommentTables:
    exclusion_counts: pl.DataFrame
    coded_comments: pl.DataFrame
    theme_counts: pl.DataFrame
    stance_counts: pl.DataFrame
    published_quotes: pl.DataFrame

    def as_dict(self) -> dict[str, pl.DataFrame]:
        return dict(vars(self))


def analysed(comments: pl.DataFrame, q: Questionnaire | None = None) -> pl.DataFrame:
    """The comments with a suggestion (comments.exclusion)."""
    return comments.filter(has_suggestion_flags(comments["text"], q))


def build_tables(
    comments: pl.DataFrame,
    manual: pl.DataFrame,
    codeframe: Codeframe | None = None,
    q: Questionnaire | None = None,
) -> CommentTables:
    """Exclusion, coding (manual codes override), counts and quotes from `read_comments`."""
    codeframe = codeframe or load_codeframe()
    q = q or load_questionnaire()
    kept = analysed(comments, q)
    # the texts of respondents coded by hand (their stance comes from the text)
    texts = dict(
        kept.filter(pl.col("respondent_id").is_in(manual["respondent_id"].implode()))
        .select("respondent_id", "text")
        .iter_rows()
    )
    coded = (
        apply_manual_codes(code_comments(kept, codeframe), manual, texts, codeframe)
        .join(kept.select("respondent_id", "route", "poll"), on="respondent_id")
        .select(CODED_COLUMNS)
        .sort("respondent_id", pl.col("theme_id").replace_strict(_order(codeframe)))
    )
    return CommentTables(
        exclusion_counts=exclusion_counts(comments, q),
        coded_comments=coded,
        theme_counts=theme_counts(coded, codeframe, q),
        stance_counts=stance_counts(coded, codeframe, q),
        published_quotes=select_quotes(coded, kept, codeframe, q),
    )


def write_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pl.DataFrame]) -> None:
    """Replace `comments.<name>` by each frame, in one transaction."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.begin()
    try:
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"create or replace table {SCHEMA}.{name} as select * from frame")
            con.unregister("frame")
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _order(codeframe: Codeframe) -> dict[str, int]:
    return {t: i for i, t in enumerate(codeframe.theme_ids)}
