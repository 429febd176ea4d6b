"""The Dagster instance's event log (dagster.yaml): Dagster's SQLite storage, with one engine and
its connection pool kept per database file.

Dagster's `SqliteEventLogStorage` builds a new SQLAlchemy engine, opens a new SQLite connection
and compiles the insert again for every event it stores; an asset or check event is written
twice (the run's file and the index). A run of the sample stores about 650 events (each dbt test
is an asset check: planned, output, evaluation), at about 8 ms each on the 2-core machine; kept
engines make it about 2.5 ms (docs/scaling.md, round six). The files, tables and rows are
Dagster's own, so `dagster dev` and the UI read them as before; each write still commits (SQLite's
default synchronous setting).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine

# Dagster's own default place for the event log under DAGSTER_HOME.
DEFAULT_DIR = ("history", "runs")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that keeps each shard's engine (and its pooled connections)."""

    def __init__(self, base_dir: str, inst_data=None) -> None:
        self._engines: dict = {}
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        """`base_dir` when configured, else Dagster's default place under DAGSTER_HOME (set, as
        `DagsterInstance.get()` needs it, to the folder of the dagster.yaml loaded)."""
        base_dir = (config_value or {}).get("base_dir")
        if not base_dir:
            home = os.environ.get("DAGSTER_HOME")
            if not home:
                raise RuntimeError(
                    "DAGSTER_HOME is not set: the event log (orchestration/event_log.py) is kept "
                    "under it, in history/runs"
                )
            base_dir = os.path.join(home, *DEFAULT_DIR)
        return cls(base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        with self._db_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                self._engines[shard] = engine
            with engine.connect() as conn, conn.begin():
                yield conn

    def _dispose_engines(self) -> None:
        with self._db_lock:
            engines, self._engines = self._engines, {}
        for engine in engines.values():
            engine.dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the files are deleted: no connection may stay open on them
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
