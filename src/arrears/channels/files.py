"""Writing the lender's tables in a data folder: under one lock, never half-written.

`arrears send` appends to `attempts`, an inbound reply rewrites `contacts`: both while
`arrears plan` or another `send` may read the folder. A rewrite goes to a temporary file that
replaces the table in one rename; an append is one `write` of whole lines. CSV tables are read
as text and written back as text, so a column the lender wrote (`+8613800138000`, `007`) comes
back byte for byte.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from arrears.contract.load import find_table

LOCK_NAME = ".arrears-channels.lock"


@contextmanager
def data_lock(data: Path) -> Iterator[None]:
    """Exclusive hold on the data folder's tables for one write (waits for the holder)."""
    with open(data / LOCK_NAME, "ab") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def table_file(data: Path, name: str) -> Path:
    """The table's file, or where a new one goes: in the format of the folder's accounts."""
    found = find_table(data, name)
    if found is not None:
        return found
    accounts = find_table(data, "accounts")
    suffix = accounts.suffix if accounts is not None else ".csv"
    return data / f"{name}{suffix}"


def read_table(path: Path) -> pl.DataFrame:
    """A table as stored: Parquet with its types, CSV as text."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema=False)


def write_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Replace `path` with `frame` in one rename, the data on disk first."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if path.suffix == ".parquet":
        frame.write_parquet(tmp)
    else:
        frame.write_csv(tmp)
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
