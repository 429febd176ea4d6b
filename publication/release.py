"""One publication run: every output built from the warehouse into a staging folder, scanned for
personal data, then swapped into `published/` at once (see `release_folder`).

The scan (`comments.gate.scan_published`) reads every text of every staged file; on a match
`publish_release` raises `PublicationError` with where and what kind of data was found (never the
text itself): the staging folder is removed and the previous publication stays as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from comments.gate import scan_published
from ingest.warehouse import retry_on_lock
from publication.bi_marts import FILE_NAME as MARTS_FILE
from publication.bi_marts import MartsFile, PublicationError, bi_settings, write_marts_file
from publication.charts import figure_texts, write_charts
from publication.cover import cover_sections, title
from publication.estimates import Estimates
from publication.metadata import load_publication_info
from publication.model_docs import dbt_docs
from publication.notes import build_notes
from publication.ods_edition import write_ods_in_background
from publication.release_folder import PUBLISHED, staged_release
from publication.tables import build_tables, item_of
from publication.themes import CommentFigures
from publication.tidy_csv import write_csvs
from publication.workbook import build_sheets, write_workbook
from survey.questionnaire import load_questionnaire

WORKBOOK = "supplementary_tables.xlsx"
ODS_WORKBOOK = "supplementary_tables.ods"
CSV_DIR = "csv"
FIGURES_DIR = "figures"
# Another module's file for the release: called with the warehouse connection and the staging
# folder, returns the path it wrote (e.g. comments.publish.write_agreement_csv).
ExtraWriter = Callable[[duckdb.DuckDBPyConnection, Path], Path]


@dataclass(frozen=True)
class Release:
    """What one run published; paths are under `published/`."""

    folder: Path
    workbook: Path
    ods: Path  # the same sheets as OpenDocument
    sheets: list[str]
    tables: int
    csvs: list[Path]
    figures: list[Path]
    marts: MartsFile
    extras: list[Path]
    scan: str  # the personal-data gate's summary
    # files the gate cannot read text from (images), and the ODS edition (the XLSX's texts)
    unscanned: tuple[str, ...]
    # what interrupted publications had left in the build folder, removed before this one
    stale_removed: tuple[str, ...] = ()


def publish_release(
    warehouse: Path, build_dir: Path, run_id: str, extras: Sequence[ExtraWriter] = ()
) -> Release:
    """Build workbook, CSVs, charts and BI marts file from `warehouse` (and `extras`' files);
    publish them together unless the personal-data gate finds anything in them."""
    q = load_questionnaire()
    items = {v.id: item_of(v, q) for v in q.variables.values()}
    stale: list[str] = []
    # Read-only, but a writer in another process still locks the file: bounded retry.
    with (
        retry_on_lock(lambda: duckdb.connect(str(warehouse), read_only=True)) as con,
        staged_release(build_dir, run_id, removed=stale) as staging,
    ):
        est = Estimates.load(con)
        summary = con.sql("select * from weights.weighting_summary").pl()
        tables = build_tables(q, est, CommentFigures.load(con))
        info = load_publication_info()
        texts = figure_texts(q, est)
        workbook_sheets = build_sheets(
            q,
            tables,
            build_notes(q, est),
            title(q),
            cover_sections(q, summary, len(tables), info),
            texts,
        )
        author = q.survey["owner"]
        # The ODS edition is written in another process meanwhile, outside the staging folder,
        # and moved in after the scan: the gate reads no ODS, and the ODS holds exactly the
        # XLSX's texts (the same sheets; tests/publication/test_ods.py), which it does scan.
        with tempfile.TemporaryDirectory(prefix="ods-") as ods_dir:
            executor, ods = write_ods_in_background(
                Path(ods_dir) / ODS_WORKBOOK, workbook_sheets, info, author
            )
            with executor:
                sheets = write_workbook(staging / WORKBOOK, workbook_sheets, info, author)
                csvs = write_csvs(staging / CSV_DIR, tables, items)
                figures = write_charts(staging / FIGURES_DIR, q, est, texts)
                marts = write_marts_file(con, staging / MARTS_FILE, dbt_docs(), bi_settings(q))
                extra_paths = [write(con, staging) for write in extras]
                findings = scan_published(staging)
                if not findings.passed:
                    raise PublicationError(
                        f"Publication blocked by the personal-data gate: {findings.summary()}"
                    )
                shutil.move(ods.result(), staging / ODS_WORKBOOK)
    published = build_dir / PUBLISHED

    def moved(path: Path) -> Path:
        return published / path.relative_to(staging)

    return Release(
        folder=published.resolve(),
        workbook=published / WORKBOOK,
        ods=published / ODS_WORKBOOK,
        sheets=sheets,
        tables=len(tables),
        csvs=[moved(p) for p in csvs],
        figures=[moved(p) for p in figures],
        marts=MartsFile(published / MARTS_FILE, marts.tables, marts.excluded),
        extras=[moved(p) for p in extra_paths],
        scan=findings.summary(),
        unscanned=(*findings.unscanned, ODS_WORKBOOK),
        stale_removed=tuple(stale),
    )
