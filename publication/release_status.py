"""What a release is made of and whether it is final: the data as of this run, per source.

A source's latest export (latest export date, then latest load) supersedes its earlier ones.
A release is **final** when every source of the questionnaire has been delivered and its latest
export is dated on or after the last day of the source's fieldwork; otherwise it is
**provisional**. A source not delivered yet is listed as such: its route is published from the
sources that have been delivered, and a route with no source delivered is not in the release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from survey.questionnaire import Questionnaire

PROVISIONAL = "provisional"
FINAL = "final"
INGEST_LOG = "raw.ingest_log"
QUARANTINE = "raw.quarantine"
RESPONDENTS = "intermediate.int_respondents"


@dataclass(frozen=True)
class SourceState:
    """One export source as this release sees it."""

    source_id: str
    label: str
    route: str
    poll: str
    fieldwork_start: date
    fieldwork_end: date
    file_name: str | None = None  # its latest export; None when nothing has been delivered
    sha256: str | None = None
    export_date: date | None = None
    rows: int = 0  # rows delivered in the latest export
    quarantined: tuple[tuple[str, int], ...] = ()  # (reason, rows) of the latest export
    analysed: int = 0  # respondents analysed: rows less rows quarantined

    @property
    def delivered(self) -> bool:
        return self.file_name is not None

    @property
    def closed(self) -> bool:
        """Its latest export is dated on or after the last day of its fieldwork."""
        return self.export_date is not None and self.export_date >= self.fieldwork_end

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "route": self.route,
            "delivered": self.delivered,
            "export_file": self.file_name,
            "export_date": self.export_date and self.export_date.isoformat(),
            "sha256": self.sha256,
            "rows": self.rows,
            "rows_quarantined": sum(n for _, n in self.quarantined),
            "quarantined_by_reason": dict(self.quarantined),
            "respondents_analysed": self.analysed,
            "fieldwork": {
                "start": self.fieldwork_start.isoformat(),
                "end": self.fieldwork_end.isoformat(),
            },
            "fieldwork_closed": self.closed,
        }


@dataclass(frozen=True)
class DataAsOf:
    sources: tuple[SourceState, ...]

    @property
    def status(self) -> str:
        return FINAL if all(s.closed for s in self.sources) else PROVISIONAL

    @property
    def routes(self) -> dict[str, int]:
        """Respondents analysed per route that has any source delivered."""
        out: dict[str, int] = {}
        for s in self.sources:
            if s.delivered:
                out[s.route] = out.get(s.route, 0) + s.analysed
        return out

    def why_provisional(self) -> list[str]:
        """One sentence per source that keeps the release provisional (empty when final)."""
        reasons = []
        for s in self.sources:
            if not s.delivered:
                reasons.append(f"{s.label}: not delivered yet (fieldwork ends {s.fieldwork_end})")
            elif not s.closed:
                reasons.append(
                    f"{s.label}: latest export dated {s.export_date}, before its fieldwork "
                    f"closes on {s.fieldwork_end}"
                )
        return reasons

    def as_json(self) -> dict:
        return {s.source_id: s.as_json() for s in self.sources}


def data_as_of(con: duckdb.DuckDBPyConnection, q: Questionnaire) -> DataAsOf:
    """Each source's latest export, its quarantined rows and its analysed respondents."""
    latest = {
        row[0]: row[1:]
        for row in con.execute(
            f"""
            select source_id, file_name, sha256, export_date, rows
            from {INGEST_LOG}
            qualify row_number() over (
                partition by source_id order by export_date desc, loaded_at desc, file_name desc
            ) = 1
            """
        ).fetchall()
    }
    quarantined: dict[str, list[tuple[str, int]]] = {}
    for sha, reason, n in con.execute(
        f"select file_sha256, reason, count(*) from {QUARANTINE} group by all order by all"
    ).fetchall():
        quarantined.setdefault(sha, []).append((reason, int(n)))
    analysed = dict(
        con.execute(f"select poll, count(*) from {RESPONDENTS} group by poll").fetchall()
    )
    sources = []
    for source_id, export in q.exports.items():
        start, end = q.fieldwork(source_id)
        state = SourceState(
            source_id=source_id,
            label=export["label"],
            route=export["route"],
            poll=export["poll"],
            fieldwork_start=start,
            fieldwork_end=end,
        )
        if source_id in latest:
            file_name, sha, export_date, rows = latest[source_id]
            state = SourceState(
                **{
                    **state.__dict__,
                    "file_name": file_name,
                    "sha256": sha,
                    "export_date": export_date,
                    "rows": int(rows),
                    "quarantined": tuple(quarantined.get(sha, ())),
                    "analysed": int(analysed.get(export["poll"], 0)),
                }
            )
        sources.append(state)
    return DataAsOf(tuple(sources))
