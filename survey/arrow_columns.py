"""numpy arrays to Arrow columns for the dbt Python models, without `pyarrow.array`.

`pyarrow.array` and `pyarrow.scalar` import pandas on first use (about a second), which the marts
step otherwise never imports; Arrow buffers built from the numpy memory do not.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def _bits(values: np.ndarray) -> pa.Buffer:
    return pa.py_buffer(np.packbits(np.asarray(values, dtype=bool), bitorder="little"))


def floats(values: np.ndarray) -> pa.Array:
    """float64, null where the value is not finite."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    valid = np.isfinite(x)
    return pa.Array.from_buffers(
        pa.float64(), len(x), [_bits(valid), pa.py_buffer(x)], null_count=int((~valid).sum())
    )


def booleans(values: np.ndarray) -> pa.Array:
    """bool, no nulls."""
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, _bits(values)], null_count=0)


def numbers(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric or boolean Arrow column as float64 numpy, NaN for null."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    arr = arr.cast(pa.float64())
    validity, data = arr.buffers()
    end = arr.offset + len(arr)
    x = np.frombuffer(data, dtype=np.float64, count=end)[arr.offset :].copy()
    if arr.null_count:
        bits = np.frombuffer(validity, dtype=np.uint8)
        valid = np.unpackbits(bits, count=end, bitorder="little")[arr.offset :].astype(bool)
        x[~valid] = np.nan
    return x
