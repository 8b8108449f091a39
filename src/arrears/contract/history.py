"""The history layout beside the contract: `account_snapshots`, the accounts table over time.

One row per account and `as_of` date, with the accounts table's columns (docs/contract.md,
"History layout"). Training (`arrears train`) needs it; the report reads it when present.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from arrears.contract.load import ContractError, find_table

SNAPSHOTS = "account_snapshots"


def as_date(column: str) -> pl.Expr:
    """A date column from a date, a timestamp or ISO text (CSV)."""
    return pl.col(column).cast(pl.String).str.slice(0, 10).str.to_date().alias(column)


def read_snapshots(data: Path, required: Sequence[str] = ("as_of",)) -> pl.DataFrame | None:
    """The folder's `account_snapshots` (Parquet or CSV) with `as_of` as a date, or None when
    there is none. A missing `required` column stops with the file and the column."""
    path = find_table(data, SNAPSHOTS)
    if path is None:
        return None
    frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    for name in required:
        if name not in frame.columns:
            raise ContractError(path, name, f"required column '{name}' is missing from {SNAPSHOTS}")
    if "as_of" in frame.columns and frame.schema["as_of"] != pl.Date:
        frame = frame.with_columns(as_date("as_of"))
    return frame
