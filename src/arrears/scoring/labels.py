"""Labels for the models: what happened after each snapshot (docs/contract.md, "History layout").

A snapshot row is an account as it stood at 00:00 UTC of its `as_of` date. Its label window is
`[as_of 00:00 UTC, as_of + N days 00:00 UTC)`: a payment, an attempt or a later snapshot counts
only inside it, never at or before the snapshot instant. A row is labelled only when its whole
window lies before the data's end (by default the last snapshot date, the date the tables are
as of); the others are dropped and counted in `Labels.dropped`, with the reason.

- `pay_label`: paid at least `share` of the overdue amount (as of the snapshot) within N days.
- `roll_label`: N days later the account's DPD is past the upper end of its bucket.
- `self_cure_label`: paid as above with no contact attempt in the window.
- `contactability_label`: per call, right-party contact or not (`contactability`), at the
  local hour and weekday of the contact point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from arrears.compliance.windows import local_clock
from arrears.contract.tables import NOT_COLLECTED, VOICE_CHANNELS
from arrears.planning.features import dpd_expr
from arrears.strategy.model import DEFAULT_BUCKETS, Bucket, Strategy
from arrears.strategy.plan_exprs import bucket_expr

UTC_TS = pl.Datetime("us", "UTC")
CENT = 0.005  # amounts are in cents: a payment "reaches" an amount within half a cent


SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "as_of",
    "account_id",
    "customer_id",
    "overdue_amount",
    "due_date",
    "status",
)


@dataclass(frozen=True)
class Labels:
    """Labelled rows, the name of the label column, and the rows left unlabelled by reason."""

    frame: pl.DataFrame
    label: str
    data_end: date | None
    """The end of the observed data the windows were checked against (None: not needed)."""
    dropped: Mapping[str, int] = field(default_factory=dict)


def _check(snapshots: pl.DataFrame, within_days: int) -> None:
    missing = [c for c in SNAPSHOT_COLUMNS if c not in snapshots.columns]
    if missing:
        raise ValueError(f"snapshots lack the column '{missing[0]}'")
    if within_days < 1:
        raise ValueError("within_days must be at least 1")
    if snapshots.select(pl.struct("account_id", "as_of").is_duplicated().any()).item():
        raise ValueError("snapshots hold an (account_id, as_of) pair twice")


def data_end_of(snapshots: pl.DataFrame, data_end: date | None = None) -> date:
    """The end of the observed data: `data_end`, else the last snapshot date."""
    if data_end is not None:
        return data_end
    last = snapshots.get_column("as_of").max()
    if not isinstance(last, date):
        raise ValueError("snapshots are empty: give data_end")
    return last


def instant(day: pl.Expr) -> pl.Expr:
    """00:00 UTC of a date: the moment a snapshot of that date was taken."""
    return day.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _window_end(within_days: int) -> pl.Expr:
    return instant(pl.col("as_of") + pl.duration(days=within_days))


def _split_by_end(rows: pl.DataFrame, within_days: int, end: date) -> tuple[pl.DataFrame, int]:
    """The rows whose window `[as_of, as_of + N)` ends by `end`, and how many do not."""
    inside = pl.col("as_of") + pl.duration(days=within_days) <= pl.lit(end)
    kept = rows.filter(inside)
    return kept, rows.height - kept.height


def _paid_in_window(
    rows: pl.DataFrame, payments: pl.DataFrame | None, within_days: int
) -> pl.DataFrame:
    """`rows` (account_id, as_of, …) with `paid_amount`: payments inside each window."""
    if payments is None or payments.height == 0:
        return rows.with_columns(pl.lit(0.0).alias("paid_amount"))
    paid = (
        rows.lazy()
        .select("account_id", "as_of")
        .join(payments.lazy().select("account_id", "paid_at", "amount"), on="account_id")
        .filter(
            (pl.col("paid_at") >= instant(pl.col("as_of")))
            & (pl.col("paid_at") < _window_end(within_days))
        )
        .group_by("account_id", "as_of")
        .agg(pl.col("amount").sum().alias("paid_amount"))
    )
    return (
        rows.lazy()
        .join(paid, on=["account_id", "as_of"], how="left", maintain_order="left")
        .with_columns(pl.col("paid_amount").fill_null(0.0))
        .collect()
    )


def _overdue_rows(
    snapshots: pl.DataFrame, within_days: int, share: float, data_end: date | None
) -> tuple[pl.DataFrame, date, dict[str, int]]:
    _check(snapshots, within_days)
    if not 0.0 < share <= 1.0:
        raise ValueError("share must be in (0, 1]")
    end = data_end_of(snapshots, data_end)
    owing = snapshots.filter(pl.col("overdue_amount") > 0)
    kept, late = _split_by_end(owing, within_days, end)
    dropped = {"not_overdue": snapshots.height - owing.height, "window_past_end": late}
    return kept.select("account_id", "as_of", "overdue_amount"), end, dropped


def _reached(share: float) -> pl.Expr:
    return pl.col("paid_amount") >= share * pl.col("overdue_amount") - CENT


def pay_label(
    snapshots: pl.DataFrame,
    payments: pl.DataFrame | None,
    *,
    within_days: int = 30,
    share: float = 1.0,
    data_end: date | None = None,
) -> Labels:
    """`pay`: the account paid at least `share` of its overdue amount (as of the snapshot)
    within `within_days` days after it. Only overdue rows (overdue_amount > 0) are labelled."""
    rows, end, dropped = _overdue_rows(snapshots, within_days, share, data_end)
    frame = _paid_in_window(rows, payments, within_days).with_columns(_reached(share).alias("pay"))
    return Labels(frame, "pay", end, dropped)


def _contacted_in_window(
    rows: pl.DataFrame,
    attempts: pl.DataFrame | None,
    within_days: int,
    outcomes: Sequence[str] | None,
) -> pl.DataFrame:
    if attempts is None or attempts.height == 0:
        return rows.with_columns(pl.lit(False).alias("contacted"))
    att = attempts.lazy().select("account_id", "at", "outcome")
    if outcomes is not None:
        att = att.filter(pl.col("outcome").is_in(list(outcomes)))
    hit = (
        rows.lazy()
        .select("account_id", "as_of")
        .join(att, on="account_id")
        .filter(
            (pl.col("at") >= instant(pl.col("as_of"))) & (pl.col("at") < _window_end(within_days))
        )
        .select("account_id", "as_of", pl.lit(True).alias("contacted"))
        .unique()
    )
    return (
        rows.lazy()
        .join(hit, on=["account_id", "as_of"], how="left", maintain_order="left")
        .with_columns(pl.col("contacted").fill_null(False))
        .collect()
    )


def self_cure_label(
    snapshots: pl.DataFrame,
    payments: pl.DataFrame | None,
    attempts: pl.DataFrame | None,
    *,
    within_days: int = 14,
    share: float = 1.0,
    data_end: date | None = None,
    outcomes: Sequence[str] | None = None,
) -> Labels:
    """`self_cure`: paid as in `pay_label` with no contact attempt in the same window.

    `outcomes` limits which attempts count as contact (e.g. `("rpc",)`); every attempt counts
    by default. The frame keeps `paid` and `contacted`, so a model may also be trained on the
    uncontacted rows only, with `paid` as its target.
    """
    rows, end, dropped = _overdue_rows(snapshots, within_days, share, data_end)
    frame = _paid_in_window(rows, payments, within_days)
    frame = _contacted_in_window(frame, attempts, within_days, outcomes).with_columns(
        _reached(share).alias("paid")
    )
    frame = frame.with_columns((pl.col("paid") & ~pl.col("contacted")).alias("self_cure"))
    return Labels(frame, "self_cure", end, dropped)


def _bucket_bounds(buckets: Sequence[Bucket]) -> pl.DataFrame:
    return pl.DataFrame(
        {"bucket": [b.name for b in buckets], "_hi": [b.hi for b in buckets]},
        schema={"bucket": pl.String, "_hi": pl.Int32},
    ).unique("bucket", keep="first", maintain_order=True)


def roll_label(
    snapshots: pl.DataFrame,
    *,
    within_days: int = 30,
    buckets: Sequence[Bucket] | None = None,
    data_end: date | None = None,
) -> Labels:
    """`roll`: the account's DPD `within_days` days later (its snapshot of that date) is past
    the upper end of its bucket at the snapshot, i.e. it crossed into a later bucket.

    Buckets are the strategy's (first listed wins, as for the planner) or `DEFAULT_BUCKETS`.
    Not labelled: accounts out of collection (settled), in no bucket or in an open-ended last
    bucket (nothing to roll into), and rows without a snapshot `within_days` days later.
    """
    _check(snapshots, within_days)
    end = data_end_of(snapshots, data_end)
    chosen = tuple(buckets) if buckets is not None else DEFAULT_BUCKETS
    holder = Strategy(name="labels", version=0, jurisdiction=(), buckets=chosen, segments=())
    rows = snapshots.select(
        "account_id", "as_of", "status", dpd_expr(pl.col("as_of"))
    ).with_columns(bucket_expr(holder))
    collected = rows.filter(~pl.col("status").fill_null("active").is_in(NOT_COLLECTED))
    kept, late = _split_by_end(collected, within_days, end)
    bounded = kept.join(_bucket_bounds(chosen), on="bucket", how="left", maintain_order="left")
    can_roll = bounded.filter(pl.col("_hi").is_not_null())
    later = snapshots.select(
        "account_id",
        (pl.col("as_of") - pl.duration(days=within_days)).alias("as_of"),
        dpd_expr(pl.col("as_of")).alias("dpd_later"),
    )
    joined = can_roll.join(later, on=["account_id", "as_of"], how="inner", maintain_order="left")
    frame = joined.select(
        "account_id",
        "as_of",
        "dpd",
        "bucket",
        "dpd_later",
        (pl.col("dpd_later") > pl.col("_hi")).alias("roll"),
    )
    dropped = {
        "not_collected": rows.height - collected.height,
        "window_past_end": late,
        "cannot_roll": kept.height - can_roll.height,
        "no_later_snapshot": can_roll.height - joined.height,
    }
    if can_roll.height and not joined.height:
        raise ValueError(
            f"no snapshot lies {within_days} days after another: choose within_days as a "
            "multiple of the snapshot spacing"
        )
    return Labels(frame, "roll", end, dropped)


def contactability_label(
    attempts: pl.DataFrame,
    contacts: pl.DataFrame,
    customers: pl.DataFrame,
    *,
    channels: Sequence[str] = VOICE_CHANNELS,
    data_end: date | None = None,
) -> Labels:
    """`contactability`: per call on `channels`, whether it reached the debtor (outcome `rpc`),
    with the local hour (0-23) and weekday (1 = Monday) of the contact point: its own time
    zone when known, else its customer's. Calls whose point has no zone, or at or after
    `data_end`, are dropped."""
    calls = attempts.filter(pl.col("channel").is_in(list(channels)))
    if data_end is not None:
        before = calls.filter(pl.col("at") < instant(pl.lit(data_end)))
        after, calls = calls.height - before.height, before
    else:
        after = 0
    points = contacts.select(
        "contact_id", "customer_id", "role", pl.col("timezone").alias("_point_zone")
    ).join(
        customers.select("customer_id", pl.col("timezone").alias("_customer_zone")),
        on="customer_id",
        how="left",
    )
    framed = calls.select("attempt_id", "account_id", "contact_id", "channel", "at", "outcome")
    framed = framed.join(points, on="contact_id", how="left", maintain_order="left")
    zone = framed.select(pl.coalesce("_point_zone", "_customer_zone")).to_series()
    clock = local_clock(zone, framed.get_column("at"))
    frame = pl.concat([framed, clock], how="horizontal").select(
        "attempt_id",
        "account_id",
        "contact_id",
        "customer_id",
        "role",
        "channel",
        "at",
        "local_date",
        "hour",
        "weekday",
        (pl.col("outcome") == "rpc").alias("contactability"),
    )
    zoned = frame.filter(pl.col("hour").is_not_null())
    dropped = {"after_end": after, "no_zone": frame.height - zoned.height}
    return Labels(zoned, "contactability", data_end, dropped)
