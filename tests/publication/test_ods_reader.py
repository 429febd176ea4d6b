"""The tests' lean ODS reader (tests/publication/ods_reader.py) reads a whole release as pandas'
OpenDocument reader does: the same sheets, rows and values."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # pandas' reader takes about 10 s on the shared release


def test_the_lean_reader_agrees_with_pandas(ods, release) -> None:
    import pandas as pd

    frames = pd.read_excel(release.ods, sheet_name=None, header=None, engine="odf")
    assert list(frames) == list(ods)
    for name, frame in frames.items():
        theirs = [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]
        assert theirs == ods[name], name
