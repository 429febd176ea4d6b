"""Open comments: coded, counted and quoted into the `comments` schema.

Logic lives in the `comments` package; these assets read `intermediate.int_responses`, the
analysts' coded-comments files of the landing folder and the pack's double-coded comments, and
write the warehouse tables. The checks are listed in the gates' catalogue
(expectations/catalog.py).
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from comments.agreement import AGREEMENT_SCHEMA
from comments.codeframe import load_codeframe
from comments.evaluation import AUTOMATIC, double_coded_path, measure_agreement
from comments.warehouse import SCHEMA, analysed, build_tables, read_comments, write_tables
from expectations.catalog import COMMENT_GATES, KAPPA_FLOOR
from infra.warehouse import connect_warehouse
from ingest.coded_comments import DOUBLE_CODED_FILE, FILE_PATTERN, load_coded_comments
from orchestration.resources import SurveyPaths
from survey.questionnaire import load_questionnaire

INT_RESPONSES = dg.AssetKey(["intermediate", "int_responses"])
EXCLUSION_COUNTS = dg.AssetKey([SCHEMA, "exclusion_counts"])
CODED_COMMENTS = dg.AssetKey([SCHEMA, "coded_comments"])
THEME_COUNTS = dg.AssetKey([SCHEMA, "theme_counts"])
STANCE_COUNTS = dg.AssetKey([SCHEMA, "stance_counts"])
PUBLISHED_QUOTES = dg.AssetKey([SCHEMA, "published_quotes"])
CODER_AGREEMENT = dg.AssetKey([SCHEMA, "coder_agreement"])

DESCRIPTIONS = {
    EXCLUSION_COUNTS: "Comments per route and poll: blank, without a suggestion (fn 23), analysed.",
    CODED_COMMENTS: "Respondent x theme codes with source (auto | manual) and evidence.",
    THEME_COUNTS: "Table I1: comments per theme by route and poll, ranked.",
    STANCE_COUNTS: "Comments on the codeframe's stance theme by stance and route.",
    PUBLISHED_QUOTES: "Redacted illustrative quotes per theme and route (permission = Yes).",
}


CODED_FROM = (THEME_COUNTS, STANCE_COUNTS, PUBLISHED_QUOTES)


def _markdown(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.to_pandas().to_markdown(index=False))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            # the counts and quotes are made from the coded comments
            deps=[INT_RESPONSES] + ([CODED_COMMENTS] if key in CODED_FROM else []),
            group_name="comments",
            kinds={"python", "duckdb"},
            description=description,
        )
        for key, description in DESCRIPTIONS.items()
    ]
)
def comment_tables(paths: SurveyPaths):
    """Exclude, code (manual codes from coded_comments_*.csv override), count and quote."""
    codeframe = load_codeframe()
    with connect_warehouse(paths.warehouse_path) as con:  # owner-only; lock errors retried
        comments = read_comments(con, codeframe)
        manual = load_coded_comments(
            paths.landing_path, codeframe.theme_ids, set(analysed(comments)["respondent_id"])
        )
        tables = build_tables(comments, manual, codeframe)
        write_tables(con, tables.as_dict())
    overall = tables.theme_counts.filter(pl.col("route") == "all")
    yield dg.MaterializeResult(
        asset_key=EXCLUSION_COUNTS,
        metadata={
            "dagster/row_count": tables.exclusion_counts.height,
            "counts": _markdown(tables.exclusion_counts),
        },
    )
    yield dg.MaterializeResult(
        asset_key=CODED_COMMENTS,
        metadata={
            "dagster/row_count": tables.coded_comments.height,
            "codeframe_version": codeframe.version,
            "comments": tables.coded_comments["respondent_id"].n_unique(),
            "manual_respondents": manual.height,
            "manual_files": ", ".join(manual["source_file"].unique().sort()) or "none",
            "file_pattern": FILE_PATTERN.pattern,
        },
    )
    yield dg.MaterializeResult(
        asset_key=THEME_COUNTS,
        metadata={
            "dagster/row_count": tables.theme_counts.height,
            "all_comments": _markdown(overall.select("theme_id", "comments", "rank")),
        },
    )
    yield dg.MaterializeResult(
        asset_key=STANCE_COUNTS,
        metadata={"split": _markdown(tables.stance_counts)},
    )
    yield dg.MaterializeResult(
        asset_key=PUBLISHED_QUOTES,
        metadata={
            "dagster/row_count": tables.published_quotes.height,
            "themes_quoted": tables.published_quotes["theme_id"].n_unique(),
        },
    )


@dg.asset(
    key=CODER_AGREEMENT,
    group_name="comments",
    kinds={"python", "duckdb"},
    description="Coder agreement on the pack's double-coded comments: precision, recall, F1,"
    " kappa per theme, automatic coder vs agreed codes and coder B vs coder A.",
)
def coder_agreement_table(paths: SurveyPaths) -> dg.MaterializeResult:
    """Measured on the analysts' double-coded comments of the pack (comments.evaluation): a
    property of the codeframe version, not of the landed data. No rows when the pack has no
    double-coded comments (agreement not measured)."""
    version = load_codeframe().version
    measured = measure_agreement()
    table = (
        measured if measured is not None else pl.DataFrame(schema=AGREEMENT_SCHEMA)
    ).with_columns(codeframe_version=pl.lit(version))
    with connect_warehouse(paths.warehouse_path) as con:  # owner-only; lock errors retried
        write_tables(con, {"coder_agreement": table})
    if measured is None:
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": 0,
                "codeframe_version": version,
                "measured": False,
                "summary": f"not measured: the pack has no {DOUBLE_CODED_FILE}",
            }
        )
    automatic = table.filter(pl.col("dataset") == AUTOMATIC)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": table.height,
            "codeframe_version": version,
            "measured": True,
            "double_coded_comments": int(automatic["comments"][0]),
            "min_kappa_automatic": float(automatic["kappa"].min()),
            "automatic": _markdown(
                automatic.select(
                    "theme_id", "support", "precision", "recall", "kappa"
                ).with_columns(pl.col(pl.Float64).round(3))
            ),
        }
    )


@dg.asset_check(
    asset=PUBLISHED_QUOTES,
    blocking=True,
    description=COMMENT_GATES["quotes_hold_no_personal_data"].description,
)
def quotes_hold_no_personal_data(paths: SurveyPaths) -> dg.AssetCheckResult:
    with connect_warehouse(paths.warehouse_path, read_only=True) as con:
        quotes = con.execute(
            f"select theme_id, quote_number, quote from {SCHEMA}.published_quotes"
        ).fetchall()
    from comments.personal_data import scan_texts

    findings = scan_texts({f"{theme} quote {n}": quote for theme, n, quote in quotes})
    return dg.AssetCheckResult(
        passed=findings.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "quotes": len(quotes),
            **{f"found_{kind}": n for kind, n in findings.counts.items()},
            "summary": findings.summary(),
        },
    )


@dg.asset_check(
    asset=CODER_AGREEMENT,
    blocking=True,
    description=COMMENT_GATES["coder_agrees_with_analysts"].description,
)
def coder_agrees_with_analysts(paths: SurveyPaths) -> dg.AssetCheckResult:
    """Fails (blocking) when a kappa of the automatic coder is below the floor; when the pack has
    no double-coded comments, fails as a warning that does not block."""
    with connect_warehouse(paths.warehouse_path, read_only=True) as con:
        kappas = dict(
            con.execute(
                f"select theme_id, kappa from {SCHEMA}.coder_agreement where dataset = ?",
                [AUTOMATIC],
            ).fetchall()
        )
    if not kappas:
        where = double_coded_path()
        reason = (
            f"the pack has no {DOUBLE_CODED_FILE}"
            if where is None
            else f"{DOUBLE_CODED_FILE} was added after the agreement was measured: rematerialise"
        )
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "measured": False,
                "summary": f"coder agreement not measured ({reason}); published with the"
                " agreement file saying so, not blocked",
            },
        )
    below = {t: None if k is None else round(k, 3) for t, k in kappas.items()}
    below = {t: k for t, k in below.items() if k is None or k < KAPPA_FLOOR}
    return dg.AssetCheckResult(
        passed=not below,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "measured": True,
            "floor": KAPPA_FLOOR,
            "below_floor": str(below or "none"),
            "summary": f"coder agreement: kappa below {KAPPA_FLOOR} for {sorted(below)}"
            if below
            else f"coder agreement: every kappa at or above {KAPPA_FLOOR}",
        },
    )


@dg.asset_check(
    asset=EXCLUSION_COUNTS,
    blocking=True,
    description=COMMENT_GATES["exclusion_agrees_with_warehouse"].description,
)
def exclusion_agrees_with_warehouse(paths: SurveyPaths) -> dg.AssetCheckResult:
    with connect_warehouse(paths.warehouse_path, read_only=True) as con:
        comments = read_comments(con)
    kept = set(analysed(comments, load_questionnaire())["respondent_id"])
    in_base = set(comments.filter(pl.col("in_base"))["respondent_id"])
    return dg.AssetCheckResult(
        passed=kept == in_base,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "analysed": len(kept),
            "in_base": len(in_base),
            "only_analysed": len(kept - in_base),
            "only_in_base": len(in_base - kept),
        },
    )


assets = [comment_tables, coder_agreement_table]
asset_checks = [
    quotes_hold_no_personal_data,
    coder_agrees_with_analysts,
    exclusion_agrees_with_warehouse,
]
