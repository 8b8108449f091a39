"""The migration matrix (迁徙率矩阵): how accounts move between buckets from one month to the
next, and the roll and flow rates read from it.

Month-end states come from `account_snapshots` (each account's last snapshot in the month).
Without snapshots only today's accounts exist, and one transition is reconstructed: an
account overdue today with its due date before the same day last month was then at dpd
(that day − due date), as the due date is the oldest unpaid one; every other account is
taken as current then. Accounts that were overdue a month ago and have cured since are
invisible in that reconstruction, so its cure rates read 0 and its roll rates too high: the
result is marked `complete = False` and the report says so.

States: a bucket of the strategy (or the default M0..M7+), `settled` (status settled) or,
as a destination, `exited` (no row the next month).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from arrears.analytics.inputs import bucket_of
from arrears.contract.tables import NOT_COLLECTED
from arrears.strategy.model import Bucket

SETTLED = "settled"
EXITED = "exited"


@dataclass
class Migration:
    matrix: pl.DataFrame
    rates: pl.DataFrame
    complete: bool  # False: reconstructed from today's accounts (module doc)


def states_order(buckets: Sequence[Bucket]) -> list[str]:
    return [*(b.name for b in buckets), SETTLED, EXITED]


def _state(buckets: Sequence[Bucket], day: pl.Expr) -> pl.Expr:
    dpd = (
        pl.when(pl.col("due_date").is_null())
        .then(0)
        .otherwise((day - pl.col("due_date")).dt.total_days().clip(lower_bound=0))
        .cast(pl.Int32)
    )
    settled = pl.col("status").fill_null("active").is_in(NOT_COLLECTED)
    return pl.when(settled).then(pl.lit(SETTLED)).otherwise(bucket_of(dpd, buckets))


def snapshot_states(snapshots: pl.DataFrame, buckets: Sequence[Bucket]) -> pl.DataFrame:
    """`month, account_id, state, amount`: each account's last snapshot of each month."""
    last = (
        snapshots.with_columns(pl.col("as_of").dt.strftime("%Y-%m").alias("month"))
        .sort("as_of")
        .group_by("month", "account_id")
        .last()
    )
    return last.select(
        "month",
        "account_id",
        _state(buckets, pl.col("as_of")).alias("state"),
        pl.col("overdue_amount").fill_null(0.0).alias("amount"),
    )


def ledger_states(accounts: pl.DataFrame, as_of: date, buckets: Sequence[Bucket]) -> pl.DataFrame:
    """Today's states and those reconstructed for the same day last month (module doc)."""
    before = pl.lit(as_of).dt.offset_by("-1mo")
    acc = accounts.with_columns(pl.col("status").fill_null("active"))
    now = acc.select(
        pl.lit(as_of.strftime("%Y-%m")).alias("month"),
        "account_id",
        _state(buckets, pl.lit(as_of)).alias("state"),
        pl.col("overdue_amount").alias("amount"),
    )
    overdue_then = pl.col("due_date").is_not_null() & (pl.col("due_date") < before)
    then = acc.with_columns(
        pl.when(overdue_then).then(pl.col("due_date")).otherwise(None).alias("due_date"),
        pl.lit("active").alias("status"),
    ).select(
        before.dt.strftime("%Y-%m").alias("month"),
        "account_id",
        _state(buckets, before).alias("state"),
        pl.when(overdue_then).then(pl.col("overdue_amount")).otherwise(0.0).alias("amount"),
    )
    return pl.concat([then, now])


def migration_matrix(states: pl.DataFrame, order: Sequence[str]) -> pl.DataFrame:
    """`month, next_month, from_state, to_state, accounts, amount, share, amount_share`:
    accounts in `from_state` at the end of `month` and where they were at the end of the
    next month with data; shares are of the from-state's accounts (amount: its overdue
    amount at `month`)."""
    months = sorted(states.get_column("month").unique().to_list())
    pairs = pl.DataFrame(
        {"month": months[:-1], "next_month": months[1:]},
        schema={"month": pl.String, "next_month": pl.String},
    )
    src = states.join(pairs, on="month", how="inner")
    dst = states.select(
        pl.col("month").alias("next_month"), "account_id", pl.col("state").alias("to_state")
    )
    moved = src.join(dst, on=["next_month", "account_id"], how="left").with_columns(
        pl.col("to_state").fill_null(EXITED)
    )
    rank = {name: i for i, name in enumerate(order)}
    counts = (
        moved.group_by("month", "next_month", pl.col("state").alias("from_state"), "to_state")
        .agg(pl.len().cast(pl.Int64).alias("accounts"), pl.col("amount").sum())
        .with_columns(
            (pl.col("accounts") / pl.col("accounts").sum().over("month", "from_state")).alias(
                "share"
            ),
            (pl.col("amount") / pl.col("amount").sum().over("month", "from_state"))
            .fill_nan(None)
            .alias("amount_share"),
        )
    )
    return counts.sort(
        "month",
        pl.col("from_state").replace_strict(rank, default=len(rank)),
        pl.col("to_state").replace_strict(rank, default=len(rank)),
    )


def roll_rates(matrix: pl.DataFrame, buckets: Sequence[Bucket]) -> pl.DataFrame:
    """Per month and overdue bucket: `accounts, cure_rate` (to the first bucket or settled),
    `stay_rate`, `roll_rate` (to any later bucket), `flow_rate` (to the next bucket: the
    classic flow rate, by accounts) and `flow_rate_amount` (by overdue amount)."""
    names = [b.name for b in buckets]
    rank = {name: i for i, name in enumerate(names)}
    nxt = {name: names[i + 1] for i, name in enumerate(names[:-1])}
    m = matrix.filter(pl.col("from_state").is_in(names[1:])).with_columns(
        pl.col("from_state").replace_strict(rank).alias("_from"),
        pl.col("to_state").replace_strict(rank, default=None).alias("_to"),
        pl.col("from_state").replace_strict(nxt, default=None).alias("_next"),
    )
    share, amount = pl.col("share"), pl.col("amount_share").fill_null(0.0)
    to_next = pl.col("to_state") == pl.col("_next")
    return (
        m.group_by("month", "from_state", "_from")
        .agg(
            pl.col("accounts").sum(),
            share.filter((pl.col("_to") == 0) | (pl.col("to_state") == SETTLED))
            .sum()
            .alias("cure_rate"),
            share.filter(pl.col("_to") == pl.col("_from")).sum().alias("stay_rate"),
            share.filter(pl.col("_to") > pl.col("_from")).sum().alias("roll_rate"),
            share.filter(to_next).sum().alias("flow_rate"),
            amount.filter(to_next).sum().alias("flow_rate_amount"),
        )
        .sort("month", "_from")
        .drop("_from")
    )


def migration(
    accounts: pl.DataFrame,
    as_of: date,
    buckets: Sequence[Bucket],
    snapshots: pl.DataFrame | None = None,
) -> Migration:
    """The matrix and rates from the snapshots when they span two months, else reconstructed
    from today's accounts (`complete = False`)."""
    complete = snapshots is not None and (
        snapshots.get_column("as_of").dt.strftime("%Y-%m").n_unique() > 1
    )
    if complete:
        assert snapshots is not None
        states = snapshot_states(snapshots, buckets)
    else:
        states = ledger_states(accounts, as_of, buckets)
    matrix = migration_matrix(states, states_order(buckets))
    return Migration(matrix, roll_rates(matrix, buckets), complete)
