"""A gate: one expectation suite on one frame prepared from the warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from expectations.settings import GateSettings

if TYPE_CHECKING:  # pandas is imported by the gate runner, not at start-up
    import pandas as pd


@dataclass(frozen=True)
class Expect:
    """One expectation, by its Great Expectations type name (`expect_...`) and arguments."""

    type: str
    kwargs: dict

    @property
    def columns(self) -> str:
        keys = ("column", "column_A", "column_B", "column_list")
        return ", ".join(str(self.kwargs[k]) for k in keys if k in self.kwargs)


def expect(type_: str, **kwargs) -> Expect:
    return Expect(type_, kwargs)


Prepare = Callable[[duckdb.DuckDBPyConnection, GateSettings], "tuple[pd.DataFrame, list[Expect]]"]


@dataclass(frozen=True)
class Gate:
    """`prepare` reads the warehouse and returns the frame and the expectations it must meet.

    `table` is the checked table (`schema.name`, the Dagster asset key); `reads` lists the other
    tables `prepare` reads.
    """

    name: str
    table: str
    description: str
    prepare: Prepare
    reads: tuple[str, ...] = ()

    @property
    def suite(self) -> str:
        return f"{self.table}.{self.name}"


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """The frame as a view `name` of the connection while the block runs."""
    con.register(name, frame)
    try:
        yield
    finally:
        con.unregister(name)
