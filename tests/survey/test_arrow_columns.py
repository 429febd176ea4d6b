"""numpy <-> Arrow for the dbt Python models, built from buffers (no pandas import)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa

from survey.arrow_columns import booleans, floats, numbers


def test_floats_null_where_not_finite():
    arr = floats(np.array([1.5, np.nan, -2.0, np.inf]))
    assert arr.type == pa.float64() and arr.to_pylist() == [1.5, None, -2.0, None]


def test_booleans():
    assert booleans(np.array([True, False, True] * 3)).to_pylist() == [True, False, True] * 3


def test_numbers_from_ints_bools_nulls_and_slices():
    ints = pa.chunked_array([pa.array([1, None, 3]), pa.array([4])])
    assert np.array_equal(numbers(ints), [1.0, np.nan, 3.0, 4.0], equal_nan=True)
    sliced = pa.array([None, 2.5, None, 7.0, 8.0, None, 1.0, 2.0, 3.0, None]).slice(3, 7)
    assert np.array_equal(
        numbers(sliced), [7.0, 8.0, np.nan, 1.0, 2.0, 3.0, np.nan], equal_nan=True
    )
    assert np.array_equal(numbers(pa.array([True, False])), [1.0, 0.0])


def test_no_pandas_import():
    code = (
        "import sys, numpy as np, pyarrow as pa\n"
        "from survey.arrow_columns import floats, numbers, booleans\n"
        "t = pa.table({'x': floats(np.array([1.0, np.nan])), 'b': booleans(np.ones(2, bool))})\n"
        "numbers(t['x']); numbers(t['b'])\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
