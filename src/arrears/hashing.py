"""A stable 64-bit hash of strings, vectorized.

Polars' own `hash` may change between releases; an account's experiment arm must not. FNV-1a
over the UTF-8 bytes is fixed forever and is computed here one byte position at a time over the
whole column (NumPy), never row by row.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


def fnv1a64(values: pl.Series) -> pl.Series:
    """FNV-1a 64 of each string; nulls hash as the empty string."""
    arr = values.cast(pl.String).fill_null("").to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    n = len(arr)
    if n == 0:
        return pl.Series(values.name, [], dtype=pl.UInt64)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    h = np.full(n, FNV_OFFSET, dtype=np.uint64)
    max_len = int(lengths.max()) if n else 0
    min_len = int(lengths.min()) if n else 0
    with np.errstate(over="ignore"):
        for k in range(max_len):
            if k < min_len:  # every string has a byte here: no need to find which
                h ^= data[starts + k].astype(np.uint64)
                h *= FNV_PRIME
                continue
            live = np.flatnonzero(lengths > k)
            hv = h[live] ^ data[starts[live] + k].astype(np.uint64)
            h[live] = hv * FNV_PRIME
    return pl.Series(values.name, h, dtype=pl.UInt64)


def fnv1a64_one(value: str) -> int:
    """The same hash for one string (used by tests and by real-time callers)."""
    h = int(FNV_OFFSET)
    for b in value.encode("utf-8"):
        h ^= b
        h = (h * int(FNV_PRIME)) & 0xFFFFFFFFFFFFFFFF
    return h
