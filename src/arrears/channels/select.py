"""Which of a run's actions may be sent at an instant: their window is open.

A window is `[window_start, window_end)` in UTC, less its pauses (`window_pauses`, each
`[start, end)`, e.g. the GB rest hours). The guard is asked again for every action selected
(`gate`): the window is the plan's answer, the guard's is the one that holds at send time.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

UTC_TS = pl.Datetime("us", "UTC")
ORDER: tuple[tuple[str, bool], ...] = (
    ("priority", True),
    ("window_end", False),
    ("action_id", False),
)
"""Send order: the highest priority first, then the window that closes first, then the id."""


def open_expr(at: datetime) -> pl.Expr:
    """True for rows whose window holds `at` (a timezone-aware instant)."""
    instant = pl.lit(at).cast(UTC_TS)
    inside = (pl.col("window_start") <= instant) & (instant < pl.col("window_end"))
    paused = (
        pl.col("window_pauses")
        .list.eval(
            (pl.element().struct.field("start") <= instant)
            & (instant < pl.element().struct.field("end"))
        )
        .list.any()
        .fill_null(False)
    )
    return inside.fill_null(False) & ~paused


def open_at(actions: pl.DataFrame, at: datetime, channels: tuple[str, ...]) -> pl.DataFrame:
    """The actions of `channels` whose window is open at `at`, in send order."""
    if at.tzinfo is None:
        raise ValueError("the send instant must be timezone-aware (UTC)")
    frame = with_pauses(actions)
    chosen = frame.filter(pl.col("channel").is_in(list(channels)) & open_expr(at))
    return chosen.sort(
        [name for name, _ in ORDER], descending=[desc for _, desc in ORDER], nulls_last=True
    )


def with_pauses(actions: pl.DataFrame) -> pl.DataFrame:
    """`actions` with an (empty) `window_pauses` column when the run has none."""
    if "window_pauses" in actions.columns:
        return actions
    pause = pl.List(pl.Struct({"start": UTC_TS, "end": UTC_TS}))
    return actions.with_columns(pl.lit([], dtype=pause).alias("window_pauses"))
