"""One publication run: decide whether this delivery makes a new release, build every output
from the warehouse into a staging folder, scan it for personal data, then swap it in as the next
numbered release (see `release_folder`).

The run ends in one of three ways (`Outcome.state`):
- `published`: release n, `provisional` or `final` (`release_status`), with `release.json`,
  `changes.csv` and every output of the release;
- `held`: a provisional release would differ from the previous one by fewer respondents than the
  small-base threshold on some route (`disclosure.hold_reason`): nothing new is published;
- `unchanged`: no figure, source file or status differs from the release already published.

The scan (`publication.personal_data_gate`) reads every text of every staged file (the XLSX's
from the sheets it was written from: the same texts); on a match `publish_release` raises
`PublicationError` with where and what kind of data was found (never the text itself): the
staging folder is removed and the previous publication stays as it was.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import duckdb
import polars as pl

from infra.warehouse import retry_on_lock
from ingest.platform_statistics import loaded_platform_statistics
from publication import chart_render, disclosure
from publication.bi_marts import FILE_NAME as MARTS_FILE
from publication.bi_marts import MartsFile, PublicationError, bi_settings, write_marts_file
from publication.changes import write_changes
from publication.chart_specs import CHARTS_FILE, load_chart_set
from publication.charts import alt_text_csv, chart_drawings, figure_texts
from publication.cover import Counts, cover_sections, title, weighting_targets
from publication.estimates import KEY, Estimates, load_intervals
from publication.metadata import PUBLICATION_FILE, load_publication_info, template_values
from publication.model_docs import dbt_docs
from publication.notes import build_notes
from publication.ods_edition import write_ods
from publication.personal_data_gate import scan_published
from publication.release_folder import PUBLISHED, staged_release
from publication.release_marks import ReleaseInfo, mark_sheets, with_release_note
from publication.release_marks import cover_sections as release_cover
from publication.release_status import DataAsOf, data_as_of
from publication.tables import THEMES, build_tables, item_of
from publication.themes import CommentFigures
from publication.tidy_csv import write_csvs
from publication.warehouse_questionnaire import questionnaire_from_warehouse
from publication.workbook import build_sheets, workbook_properties, workbook_texts
from publication.xlsx_edition import write_xlsx
from survey.pack import Consultation
from survey.pack import current as current_pack
from survey.questionnaire import Questionnaire

WEIGHTING_TARGETS = "weighting_targets.yaml"

WORKBOOK = "supplementary_tables.xlsx"
ODS_WORKBOOK = "supplementary_tables.ods"
CSV_DIR = "csv"
FIGURES_DIR = "figures"
RELEASE_JSON = "release.json"
PUBLISHED_STATE = "published"
HELD = "held"
UNCHANGED = "unchanged"
# Another module's file for the release: called with the warehouse connection and the staging
# folder, returns the path it wrote (e.g. comments.publish.write_agreement_csv).
ExtraWriter = Callable[[duckdb.DuckDBPyConnection, Path], Path]


@dataclass(frozen=True)
class Release:
    """What one run published; paths are under `published/`."""

    folder: Path
    number: int
    status: str
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
    changed_figures: int = 0
    suppressed_cells: int = 0
    # what interrupted publications had left in the build folder, removed before this one
    stale_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How the publication step ended: `state` published, held or unchanged."""

    state: str
    data: DataAsOf
    release: Release | None = None  # when published
    reason: str = ""  # when held or unchanged
    current: int | None = None  # the release `published` points at afterwards
    stale_removed: tuple[str, ...] = field(default=())

    @property
    def status(self) -> str:
        return self.data.status

    def summary(self) -> str:
        """One line for the console and the run's metadata."""
        if self.state == PUBLISHED_STATE:
            r = self.release
            return f"published: release {r.number} ({r.status}), {r.folder}"
        stays = f"release {self.current} stays published" if self.current else "nothing published"
        return f"{self.state}: {self.reason}; {stays}"


def read_release_json(folder: Path | None) -> dict | None:
    """The `release.json` of a release folder (None when there is no such release)."""
    if folder is None or not (folder / RELEASE_JSON).is_file():
        return None
    return json.loads((folder / RELEASE_JSON).read_text(encoding="utf-8"))


def _gates_passed(results: Sequence[dict], run_id: str) -> list[str]:
    return sorted(
        r["suite_name"]
        for r in results
        if r.get("success") and r.get("meta", {}).get("run_id", {}).get("run_name") == run_id
    )


def _record(
    number: int,
    data: DataAsOf,
    previous: dict | None,
    gates: list[str],
    changed: int,
    suppressed: int,
    consultation: dict,
    survey: dict,
) -> dict:
    return {
        "release": number,
        "status": data.status,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "consultation": {**consultation, "title": survey.get("title")},
        "questionnaire_version": consultation["version"],
        "previous_release": previous and previous.get("release"),
        "why_provisional": data.why_provisional(),
        "routes": data.routes,
        "data_as_of": data.as_json(),
        "gates_passed": gates,
        "changed_figures": changed,
        "suppressed_cells": suppressed,
    }


def _same_data(data: DataAsOf, previous: dict) -> bool:
    before = previous.get("data_as_of", {})
    return previous.get("status") == data.status and all(
        before.get(s.source_id, {}).get("sha256") == s.sha256 for s in data.sources
    )


def consultation_record(consultation: Consultation, q: Questionnaire) -> dict[str, str]:
    """Which pack and version a release is built from: the pack's id and fingerprint, and the
    questionnaire version the warehouse's figures were computed with."""
    return {"id": consultation.id, "version": q.version, "fingerprint": consultation.fingerprint}


def _built_from(record: dict[str, str]) -> str:
    return (
        f"Built from consultation pack {record['id']}, questionnaire version "
        f"{record['version']} (pack fingerprint sha256 {record['fingerprint']})."
    )


def _charts_note(consultation: Consultation) -> str:
    if not consultation.has(CHARTS_FILE):
        return (
            f"This release has no charts: the consultation pack has no {CHARTS_FILE}, so no "
            "figures are drawn and the workbook has no Figures sheet."
        )
    return f"This release has no charts: the consultation pack's {CHARTS_FILE} lists none."


def _published_estimates(release: Path) -> pl.DataFrame:
    """The percentages a release published (its BI file), by KEY."""
    with retry_on_lock(lambda: duckdb.connect(str(release / MARTS_FILE), read_only=True)) as con:
        return con.sql(f"select {', '.join(KEY)}, pct from marts.fct_estimates").pl()


def publish_release(
    warehouse: Path,
    build_dir: Path,
    run_id: str,
    extras: Sequence[ExtraWriter] = (),
    files: Sequence[Path] = (),
    gate_results: Sequence[dict] = (),
    consultation: Consultation | None = None,
) -> Outcome:
    """Publish the next release from `warehouse` (with `extras`' files and copies of `files`),
    unless it must be held or nothing changed; see the module docstring. `consultation` is the
    pack the warehouse was built from (default: the chosen one): its publication text, charts,
    codeframe and weighting targets; questionnaire metadata comes from the warehouse."""
    consultation = consultation or current_pack()
    stale: list[str] = []
    # Read-only, but a writer in another process still locks the file: bounded retry. The
    # charts are drawn in one process (started only when there are charts to draw) and the XLSX
    # written in another while this one writes the ODS, CSVs and BI file.
    with (
        retry_on_lock(lambda: duckdb.connect(str(warehouse), read_only=True)) as con,
        staged_release(build_dir, run_id, removed=stale) as staging,
        ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as drawer,
        ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as xlsx_writer,
    ):
        q = questionnaire_from_warehouse(con)
        threshold = int(q.analysis["small_base_threshold"])
        items = {v.id: item_of(v, q) for v in q.variables.values()}
        data = data_as_of(con, q)
        previous = read_release_json(staging.previous)
        current = previous and previous.get("release")
        held = disclosure.hold_reason(data, previous and previous.get("routes"), threshold)
        if held:
            staging.cancel()
            return Outcome(HELD, data, reason=held, current=current, stale_removed=tuple(stale))

        charts = load_chart_set(consultation.file(CHARTS_FILE), q)
        if charts.charts:  # the drawing process starts and loads matplotlib meanwhile
            drawer.submit(chart_render.warm_up)
        est = Estimates.load(con)
        state = disclosure.load_state(build_dir, current)
        bases = disclosure.cell_bases(est.frame)
        withheld = disclosure.suppressed_cells(bases, state, threshold, data.status)
        est = est.with_suppressed(withheld)
        marks = ReleaseInfo(staging.number, datetime.now(UTC).date().isoformat(), data, previous)
        if marks.revising:
            est = est.with_revisions(_published_estimates(staging.previous))
        summary = con.sql("select * from weights.weighting_summary").pl()
        themes = any(t.kind == THEMES for t in q.tables.values())
        codeframe = consultation.codeframe if themes else None
        stance = codeframe.stance_theme.label if codeframe else ""
        tables = build_tables(q, est, CommentFigures.load(con) if themes else None, stance)
        out = staging.path
        info = dataclasses.replace(
            load_publication_info(consultation.file(PUBLICATION_FILE)), published=marks.published
        )
        counts = Counts.of(data)
        values = template_values(q, counts.routes, counts.polls, len(tables))
        texts = figure_texts(charts, q, est)
        drawn = charts.charts and drawer.submit(
            chart_render.render, out / FIGURES_DIR, chart_drawings(charts, q, est, texts)
        )
        built_from = consultation_record(consultation, q)
        notes = build_notes(
            q,
            est,
            routes_text=info.routes_note.render(values) if info.routes_note else None,
            codeframe=codeframe,
            charts=None if charts.charts else _charts_note(consultation),
        )
        weighted = any(s["weighted"] for s in q.routes.values())
        cover = cover_sections(
            q,
            summary,
            len(tables),
            info,
            counts,
            [t.render(values) for t in info.method],
            targets=(weighting_targets(consultation.file(WEIGHTING_TARGETS)) if weighted else None),
            platform_statistics=loaded_platform_statistics(con),
            stance=stance,
            charts=bool(charts.charts),
        )
        workbook_sheets = mark_sheets(
            build_sheets(
                q,
                tables,
                with_release_note(notes, marks),
                title(q),
                [*release_cover(marks, _built_from(built_from)), *cover],
                texts,
            ),
            marks,
        )
        author = q.survey["owner"]
        stamp = {"release": staging.number, "status": data.status}
        intervals = load_intervals(con)
        for key in est.frame.filter(pl.col("suppressed")).select(KEY).iter_rows():
            intervals[key] = (None, None)  # a withheld figure's interval would reveal it
        release_table = pl.DataFrame(
            [
                {
                    **stamp,
                    "published_at": datetime.now(UTC),
                    **{f"consultation_{k}": v for k, v in built_from.items()},
                }
            ]
        )
        # The ODS edition is written outside the staging folder and moved in after the scan: the
        # gate reads no ODS, and the ODS holds exactly the XLSX's texts (the same sheets;
        # tests/publication/test_ods.py), which it does scan.
        with tempfile.TemporaryDirectory(prefix="ods-") as ods_dir:
            xlsx = xlsx_writer.submit(
                write_xlsx,
                out / WORKBOOK,
                workbook_sheets,
                workbook_properties(workbook_sheets, info, author),
                info.language,
            )
            ods = write_ods(Path(ods_dir) / ODS_WORKBOOK, workbook_sheets, info, author)
            csvs = write_csvs(out / CSV_DIR, tables, items, intervals, stamp)
            marts = write_marts_file(
                con,
                out / MARTS_FILE,
                dbt_docs(),
                bi_settings(q),
                release=release_table,
                withheld=withheld,
            )
            extra_paths = [write(con, out) for write in extras]
            for path in files:
                shutil.copy2(path, out / path.name)
                extra_paths.append(out / path.name)
            figures = []
            if drawn:  # before the comparison: it may cancel the release
                figures = [*drawn.result(), alt_text_csv(out / FIGURES_DIR, charts, texts)]
            _, changed = write_changes(out, staging.previous)
            if previous is not None and changed == 0 and _same_data(data, previous):
                xlsx.result()  # written into the folder about to be removed
                staging.cancel()
                return Outcome(
                    UNCHANGED,
                    data,
                    reason=f"no figure, export or status differs from release {current}",
                    current=current,
                    stale_removed=tuple(stale),
                )
            record = _record(
                staging.number,
                data,
                previous,
                _gates_passed(gate_results, run_id),
                changed,
                withheld.height,
                built_from,
                q.survey,
            )
            (out / RELEASE_JSON).write_text(json.dumps(record, indent=1, default=str) + "\n")
            sheets = xlsx.result()  # the gate lists the staged files
            findings = scan_published(
                out, {WORKBOOK: workbook_texts(workbook_sheets, info, author)}
            )
            if not findings.passed:
                raise PublicationError(
                    f"Publication blocked by the personal-data gate: {findings.summary()}"
                )
            shutil.move(ods, out / ODS_WORKBOOK)
        disclosure.write_state(
            build_dir, staging.number, disclosure.next_state(bases, state, withheld)
        )
        number, staged = staging.number, staging.path
    published = build_dir / PUBLISHED

    def moved(path: Path) -> Path:
        return published / path.relative_to(staged)

    release = Release(
        folder=published.resolve(),
        number=number,
        status=data.status,
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
        changed_figures=changed,
        suppressed_cells=withheld.height,
        stale_removed=tuple(stale),
    )
    return Outcome(
        PUBLISHED_STATE, data, release=release, current=number, stale_removed=tuple(stale)
    )
