"""The first rule that refuses each check row, with its detail and next allowed time.

The rules (`rules.py`) say when they refuse; this applies a list of them to a frame of check
rows, in order, the first refusal winning.
"""

from __future__ import annotations

import functools

import polars as pl

from arrears.compliance.rules import Rule
from arrears.exprs import first_of

REFUSAL_FIELDS: dict[str, tuple[str, pl.DataType]] = {
    "rule": ("rule", pl.String()),
    "detail": ("detail", pl.String()),
    "next_allowed_at": ("next_allowed_at", pl.Datetime("us", "UTC")),
    "next_allowed_day": ("next_allowed_day", pl.Date()),
    "_open_after": ("open_after", pl.Datetime("us", "UTC")),
}
"""Output column -> (Verdict field, type)."""


@functools.lru_cache(maxsize=64)
def _compiled(rules: tuple[Rule, ...]) -> tuple[pl.Expr, tuple[pl.Expr, ...]]:
    """The expressions of a rule list, built once: which rule refuses (`_refused_by`), and
    the refusal's fields given it. A pre-dial check asks many times with the same rules."""
    verdicts = [r.verdict() for r in rules]
    which = first_of([(v.blocked, pl.lit(i, dtype=pl.Int32)) for i, v in enumerate(verdicts)])
    by = pl.col("_refused_by")
    fields = tuple(
        first_of([(by == i, getattr(v, field)) for i, v in enumerate(verdicts)])
        .cast(dtype)
        .alias(name)
        for name, (field, dtype) in REFUSAL_FIELDS.items()
    )
    return which.cast(pl.Int32).alias("_refused_by"), fields


def with_refusals(checks: pl.DataFrame, rules: tuple[Rule, ...]) -> pl.DataFrame:
    """Add rule, detail, next_allowed_at, next_allowed_day and `_open_after` of the first
    rule that refuses each row (nulls for an allowed row). Rows need a `_r` row number.

    Which rule refuses is found over every row; the readable detail and the next times are
    built only for the refused rows, which are few.
    """
    which, fields = _compiled(rules)
    marked = checks.with_columns(which)
    refused = marked.filter(pl.col("_refused_by").is_not_null()).select("_r", *fields)
    # Put the fields beside every row in one go: a narrow join, then a horizontal stack.
    beside = (
        marked.select("_r").join(refused, on="_r", how="left", maintain_order="left").drop("_r")
    )
    return marked.drop("_refused_by").hstack(beside.get_columns())
