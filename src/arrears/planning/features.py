"""Per-account and per-contact features for the run date, from the contact ledger.

All windows are counted back from the start of the run date (00:00 UTC): an attempt at
`at` counts in "the last N days" when run_start − N days ≤ at < run_start. Attempts at or
after run_start are not history and are ignored (a re-run the next morning sees the same day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from arrears.compliance.person import (
    CUSTOMER_COMPLIANCE,
    customer_compliance_columns,
    person_status,
)
from arrears.compliance.presets import Reachability
from arrears.compliance.reach import debtor_unreachable
from arrears.contract.tables import VOICE_CHANNELS
from arrears.planning.derived import CUSTOMER_COLUMNS


def run_start(run_date: date) -> datetime:
    return datetime(run_date.year, run_date.month, run_date.day, tzinfo=UTC)


def dpd_expr(day: pl.Expr) -> pl.Expr:
    """Days past due on `day` (a date expression): `day − due_date`, 0 when `due_date` is
    empty (not overdue), never negative. Int32, named `dpd`."""
    return (
        pl.when(pl.col("due_date").is_null())
        .then(0)
        .otherwise((day - pl.col("due_date")).dt.total_days().clip(lower_bound=0))
        .cast(pl.Int32)
        .alias("dpd")
    )


def _empty_attempts() -> pl.LazyFrame:
    return pl.LazyFrame(
        schema={
            "attempt_id": pl.String,
            "account_id": pl.String,
            "contact_id": pl.String,
            "channel": pl.String,
            "at": pl.Datetime("us", "UTC"),
            "outcome": pl.String,
        }
    )


def history(attempts: pl.DataFrame | None, run_date: date) -> pl.LazyFrame:
    """The ledger as it stood at the start of the run date."""
    att = attempts.lazy() if attempts is not None else _empty_attempts()
    return att.filter(pl.col("at") < run_start(run_date))


def contact_features(att: pl.LazyFrame, run_date: date) -> pl.LazyFrame:
    """One row per contact point that has history: counts and the last conversation."""
    start = run_start(run_date)
    return att.group_by("contact_id").agg(
        (pl.col("at") >= start - timedelta(days=1))
        .sum()
        .cast(pl.UInt32)
        .alias("point_attempts_1d"),
        (pl.col("at") >= start - timedelta(days=7))
        .sum()
        .cast(pl.UInt32)
        .alias("point_attempts_7d"),
        pl.col("at").filter(pl.col("outcome") == "rpc").max().alias("point_last_rpc_at"),
        pl.col("at").max().alias("point_last_attempt_at"),
    )


def account_features(
    accounts: pl.DataFrame,
    customers: pl.DataFrame,
    contacts: pl.DataFrame,
    attempts: pl.DataFrame | None,
    payments: pl.DataFrame | None,
    promises: pl.DataFrame | None,
    run_date: date,
    reach: Reachability,
    point_history: pl.DataFrame,
    ledger: pl.DataFrame,
) -> pl.LazyFrame:
    """The account rows with the customer's columns and every derived feature but bucket.

    `point_history` is `contact_features` of the same ledger, computed once by the caller
    (the treatment stage ranks contact points with it too); `ledger` is
    `compliance.ledger.ledger_of` the attempts, shared with the guard. The accounts keep their
    order (the run folder's file is then in `account_id` order without a sort when the input
    is).
    """
    start = run_start(run_date)
    day = pl.lit(run_date)
    acc = accounts.lazy().with_columns(
        dpd_expr(day),
        (pl.col("next_due_date") - day).dt.total_days().cast(pl.Int32).alias("days_to_due"),
    )
    own = set(accounts.columns)
    cust_cols = [c for c in CUSTOMER_COLUMNS if c in customers.columns and c not in own]
    # Compliance reads the customer's own country and zone under names an account column
    # cannot shadow (an account may carry a `country` of its own, e.g. of the product).
    acc = _with_customer(acc, customers, cust_cols)

    att = history(attempts, run_date)

    def since(days: int) -> pl.Expr:
        return pl.col("at") >= start - timedelta(days=days)

    rpc = pl.col("outcome") == "rpc"
    hist = att.group_by("account_id").agg(
        since(1).sum().cast(pl.UInt32).alias("attempts_1d"),
        since(7).sum().cast(pl.UInt32).alias("attempts_7d"),
        since(30).sum().cast(pl.UInt32).alias("attempts_30d"),
        (since(7) & pl.col("channel").is_in(VOICE_CHANNELS))
        .sum()
        .cast(pl.UInt32)
        .alias("calls_7d"),
        (since(7) & rpc).sum().cast(pl.UInt32).alias("rpc_7d"),
        (since(30) & rpc).sum().cast(pl.UInt32).alias("rpc_30d"),
        pl.col("at").filter(rpc).max().alias("last_rpc_at"),
        pl.col("at").max().alias("last_attempt_at"),
    )
    zero_u32 = pl.lit(0, dtype=pl.UInt32)
    acc = acc.join(hist, on="account_id", how="left", maintain_order="left").with_columns(
        *[
            pl.col(c).fill_null(zero_u32)
            for c in ("attempts_1d", "attempts_7d", "attempts_30d", "calls_7d", "rpc_7d", "rpc_30d")
        ],
        (day - pl.col("last_rpc_at").dt.date())
        .dt.total_days()
        .cast(pl.Int32)
        .alias("days_since_rpc"),
        (day - pl.col("last_attempt_at").dt.date())
        .dt.total_days()
        .cast(pl.Int32)
        .alias("days_since_attempt"),
    )

    # Facts about the person: whether they can be reached (compliance's definition, as of
    # the start of the run date) and a status such as deceased on any of their accounts.
    unreachable = debtor_unreachable(
        contacts.lazy(), ledger.lazy(), reach, as_of=start, until=True
    ).select(
        "customer_id",
        pl.lit(True).alias("debtor_unreachable"),
        pl.col("_until").alias("debtor_unreachable_until"),
    )
    acc = (
        acc.join(unreachable, on="customer_id", how="left", maintain_order="left")
        .join(person_status(accounts), on="customer_id", how="left", maintain_order="left")
        .with_columns(pl.col("debtor_unreachable").fill_null(False))
    )
    acc = _with_payments(acc, payments, start)
    acc = _with_promises(acc, promises, payments, run_date)
    return acc


def _with_customer(
    acc: pl.LazyFrame, customers: pl.DataFrame, cust_cols: list[str]
) -> pl.LazyFrame:
    """`acc` with the customer's `cust_cols` and compliance columns. A compliance column that is
    a copy of one of `cust_cols` is made after the join (a column is not gathered twice)."""
    compliance = customer_compliance_columns(customers.columns)
    names = [e.meta.output_name() for e in compliance]
    columns = acc.collect_schema().names()
    copies = {
        alias: source
        for source, alias in CUSTOMER_COMPLIANCE.items()
        if source in cust_cols and alias not in columns
    }
    joined = acc.join(
        customers.lazy().select(
            "customer_id",
            *cust_cols,
            *[e for e, name in zip(compliance, names, strict=True) if name not in copies],
        ),
        on="customer_id",
        how="left",
        maintain_order="left",
    )
    if not copies:
        return joined
    return joined.select(
        *columns,
        *cust_cols,
        *[pl.col(copies[n]).alias(n) if n in copies else pl.col(n) for n in names],
    )


def _with_payments(
    acc: pl.LazyFrame, payments: pl.DataFrame | None, start: datetime
) -> pl.LazyFrame:
    if payments is None:
        return acc.with_columns(pl.lit(0.0).alias("paid_since_due"), pl.lit(0.0).alias("paid_30d"))
    pay = (
        payments.lazy()
        .filter(pl.col("paid_at") < start)
        .join(acc.select("account_id", "due_date"), on="account_id", how="inner")
    )
    sums = pay.group_by("account_id").agg(
        pl.col("amount")
        .filter(
            pl.col("due_date").is_not_null() & (pl.col("paid_at").dt.date() >= pl.col("due_date"))
        )
        .sum()
        .alias("paid_since_due"),
        pl.col("amount")
        .filter(pl.col("paid_at") >= start - timedelta(days=30))
        .sum()
        .alias("paid_30d"),
    )
    return acc.join(sums, on="account_id", how="left", maintain_order="left").with_columns(
        pl.col("paid_since_due").fill_null(0.0), pl.col("paid_30d").fill_null(0.0)
    )


def promise_status(
    promises: pl.DataFrame, payments: pl.DataFrame | None, run_date: date
) -> pl.LazyFrame:
    """The promises with `status` filled where the lender left it empty.

    Kept when the account received at least the promised amount between the promise and its
    due date; otherwise open until the due date has passed, then broken.
    """
    pr = promises.lazy()
    if payments is not None:
        before_run = payments.lazy().filter(pl.col("paid_at") < run_start(run_date))
        paid = (
            pr.select("promise_id", "account_id", "made_at", "due_date")
            .join(before_run.select("account_id", "paid_at", "amount"), on="account_id")
            .filter(
                (pl.col("paid_at") >= pl.col("made_at"))
                & (pl.col("paid_at").dt.date() <= pl.col("due_date"))
            )
            .group_by("promise_id")
            .agg(pl.col("amount").sum().alias("_paid"))
        )
        pr = pr.join(paid, on="promise_id", how="left")
    else:
        pr = pr.with_columns(pl.lit(0.0).alias("_paid"))
    derived = (
        pl.when(pl.col("_paid").fill_null(0) >= pl.col("amount"))
        .then(pl.lit("kept"))
        .when(pl.col("due_date") >= pl.lit(run_date))
        .then(pl.lit("open"))
        .otherwise(pl.lit("broken"))
    )
    return pr.with_columns(pl.coalesce(pl.col("status"), derived).alias("status")).drop("_paid")


def _with_promises(
    acc: pl.LazyFrame,
    promises: pl.DataFrame | None,
    payments: pl.DataFrame | None,
    run_date: date,
) -> pl.LazyFrame:
    if promises is None:
        return acc.with_columns(
            pl.lit(False).alias("has_open_promise"),
            pl.lit(None, dtype=pl.Int32).alias("promise_due_in"),
            pl.lit(None, dtype=pl.Float64).alias("promise_amount"),
            pl.lit(0, dtype=pl.UInt32).alias("broken_promises_30d"),
        )
    day = pl.lit(run_date)
    pr = promise_status(promises, payments, run_date).filter(pl.col("made_at").dt.date() < day)
    is_open = pl.col("status") == "open"
    per_account = pr.group_by("account_id").agg(
        is_open.any().alias("has_open_promise"),
        (pl.col("due_date").filter(is_open).min() - day)
        .dt.total_days()
        .cast(pl.Int32)
        .alias("promise_due_in"),
        pl.col("amount")
        .filter(is_open)
        .sort_by(pl.col("due_date").filter(is_open))
        .first()
        .alias("promise_amount"),
        (
            (pl.col("status") == "broken")
            & (pl.col("due_date") >= pl.lit(run_date - timedelta(days=30)))
        )
        .sum()
        .cast(pl.UInt32)
        .alias("broken_promises_30d"),
    )
    return acc.join(per_account, on="account_id", how="left", maintain_order="left").with_columns(
        pl.col("has_open_promise").fill_null(False),
        pl.col("broken_promises_30d").fill_null(pl.lit(0, dtype=pl.UInt32)),
    )
