"""Small Polars expression helpers shared by the planner, the guard and the validator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl


def first_of(
    branches: Sequence[tuple[pl.Expr, pl.Expr | Any]], otherwise: pl.Expr | Any = None
) -> pl.Expr:
    """`when(c1).then(v1).when(c2).then(v2)…otherwise(default)`: the first condition that holds
    gives the value. With no branches, the default alone."""
    if not branches:
        return otherwise if isinstance(otherwise, pl.Expr) else pl.lit(otherwise)
    chain: Any = pl
    for condition, value in branches:
        chain = chain.when(condition).then(value)
    result: pl.Expr = chain.otherwise(otherwise)
    return result


def counts_by(frame: pl.DataFrame, column: str) -> dict[str, int]:
    """Rows per value of `column`, in value order (for manifests and summaries)."""
    counted = frame.group_by(column).len().sort(column)
    return {str(k): int(v) for k, v in counted.iter_rows()}
