"""Delinquency episodes: one account's stay in arrears, as far as the data shows it.

An episode starts the day after an unpaid due date `entry` (dpd 1 on entry + 1 day) and ends
with a cure (back to current) or with the end of what was observed (censored). It is *at risk*
on the days `first_dpd..last_dpd`: `first_dpd` > 1 when it began before the data did (left
truncation: the days before are unseen, and a cure there would have hidden the episode), and
`last_dpd` is the cure day or the last day seen in arrears. Counting cures against the
episodes at risk each day (a life table) gives unbiased daily cure rates from a window of
history in which most episodes are cut at one end or the other.

Two sources give episodes:

- **snapshots** (`account_snapshots`): an episode is an (account, due_date) seen in one or
  more snapshots; it is cured when the account's next snapshot has no due date, on the day of
  the last payment before that snapshot (else the day before it).
- **ledger** (today's accounts and payments only): accounts overdue today are episodes at
  risk from the start of the payments ledger (or their due date) to the day before the run,
  never cured; accounts current today whose last instalment (`next_due_date` one month back,
  i.e. monthly instalments are assumed) was paid late are episodes that cured on the day of
  their last late payment. Accounts that cured from a longer stay in arrears without a
  payment pattern like that are invisible: the snapshots are what shows them.

Each episode also has the dpd of its first contact (any attempt on or after dpd 1) and whether
the attempts ledger covers it from dpd 1 (`contact_known`): only then can it be counted as
"not yet contacted". Dates are UTC calendar days (timestamps' dates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from arrears.contract.tables import NOT_COLLECTED

Source = Literal["ledger", "snapshots"]

EPISODE_SCHEMA: dict[str, pl.DataType] = {
    "episode": pl.UInt32(),
    "account_id": pl.String(),
    "entry": pl.Date(),
    "first_dpd": pl.Int32(),
    "last_dpd": pl.Int32(),
    "cured": pl.Boolean(),
    "owed": pl.Float64(),
    "first_contact_dpd": pl.Int32(),
    "contact_known": pl.Boolean(),
}
PAYMENT_SCHEMA: dict[str, pl.DataType] = {
    "episode": pl.UInt32(),
    "dpd": pl.Int32(),
    "amount": pl.Float64(),
}


@dataclass
class Episodes:
    frame: pl.DataFrame  # EPISODE_SCHEMA
    payments: pl.DataFrame  # PAYMENT_SCHEMA: payments while at risk, by the dpd of their day
    source: Source
    as_of: date
    observed_from: date  # first day the cure source (payments or snapshots) covers
    contact_from: date | None  # first day the attempts ledger covers

    @property
    def size(self) -> int:
        return self.frame.height


def _day(ts: str) -> pl.Expr:
    return pl.col(ts).dt.date()


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days().cast(pl.Int32)


def _min_day(frame: pl.DataFrame | None, ts: str) -> date | None:
    if frame is None or frame.height == 0:
        return None
    found = frame.select(_day(ts).min()).item()
    return found if isinstance(found, date) else None


def _payments(payments: pl.DataFrame | None) -> pl.DataFrame:
    if payments is None:
        return pl.DataFrame(schema={"account_id": pl.String, "day": pl.Date, "amount": pl.Float64})
    return payments.select("account_id", _day("paid_at").alias("day"), "amount")


def _with_contact(
    frame: pl.DataFrame, attempts: pl.DataFrame | None, contact_from: date | None
) -> pl.DataFrame:
    """First contact dpd (first attempt on or after dpd 1, within the ledger) and whether the
    attempts ledger covers the episode from dpd 1."""
    if attempts is None or contact_from is None:
        return frame.with_columns(
            pl.lit(None, dtype=pl.Int32).alias("first_contact_dpd"),
            pl.lit(False).alias("contact_known"),
        )
    att = attempts.select("account_id", _day("at").alias("_at"))
    first = (
        frame.select("episode", "account_id", "entry")
        .join(att, on="account_id", how="inner")
        .filter(pl.col("_at") > pl.col("entry"))
        .group_by("episode")
        .agg(_days(pl.col("_at"), pl.col("entry")).min().alias("first_contact_dpd"))
    )
    return frame.join(first, on="episode", how="left").with_columns(
        (pl.col("entry") + pl.duration(days=1) >= pl.lit(contact_from)).alias("contact_known")
    )


def _finish(
    frame: pl.DataFrame,
    pay: pl.DataFrame,
    attempts: pl.DataFrame | None,
    contact_from: date | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Number the episodes, attach their payments while at risk and their first contact."""
    frame = (
        frame.filter(pl.col("last_dpd") >= pl.col("first_dpd"))
        .sort("account_id", "entry")
        .with_row_index("episode")
    )
    at_risk = (
        frame.select("episode", "account_id", "entry", "first_dpd", "last_dpd")
        .join(pay, on="account_id", how="inner")
        .with_columns(_days(pl.col("day"), pl.col("entry")).alias("dpd"))
        .filter(pl.col("dpd").is_between(pl.col("first_dpd"), pl.col("last_dpd")))
        .group_by("episode", "dpd")
        .agg(pl.col("amount").sum())
        .sort("episode", "dpd")
    )
    frame = _with_contact(frame, attempts, contact_from)
    return (
        frame.select(pl.col(c).cast(t) for c, t in EPISODE_SCHEMA.items()),
        at_risk.select(pl.col(c).cast(t) for c, t in PAYMENT_SCHEMA.items()),
    )


def ledger_episodes(
    accounts: pl.DataFrame,
    payments: pl.DataFrame | None,
    attempts: pl.DataFrame | None,
    as_of: date,
) -> Episodes:
    """Episodes from today's accounts and the payments / attempts ledgers (module doc)."""
    pay = _payments(payments)
    contact_from = _min_day(attempts, "at")
    observed_from = _min_day(payments, "paid_at") or contact_from or as_of - timedelta(days=30)
    last_day = pl.lit(as_of - timedelta(days=1))
    acc = accounts.filter(~pl.col("status").fill_null("active").is_in(NOT_COLLECTED))

    # Overdue today: at risk from max(entry + 1, observed_from) to the day before the run.
    overdue = acc.filter(pl.col("due_date").is_not_null()).select(
        "account_id",
        pl.col("due_date").alias("entry"),
        pl.max_horizontal(pl.lit(1), _days(pl.lit(observed_from), pl.col("due_date"))).alias(
            "first_dpd"
        ),
        _days(last_day, pl.col("due_date")).alias("last_dpd"),
        pl.lit(False).alias("cured"),
        pl.col("overdue_amount").alias("_now"),
    )
    paid_since = (
        overdue.join(pay, on="account_id", how="inner")
        .filter(pl.col("day") >= pl.col("entry") + pl.duration(days=pl.col("first_dpd")))
        .group_by("account_id")
        .agg(pl.col("amount").sum().alias("_paid"))
    )
    overdue = overdue.join(paid_since, on="account_id", how="left").select(
        "account_id",
        "entry",
        "first_dpd",
        "last_dpd",
        "cured",
        (pl.col("_now") + pl.col("_paid").fill_null(0.0)).alias("owed"),
    )

    # Current today, last instalment paid late: cured on the day of the last late payment.
    prior = acc.filter(pl.col("due_date").is_null() & pl.col("next_due_date").is_not_null()).select(
        "account_id", pl.col("next_due_date").dt.offset_by("-1mo").alias("entry")
    )
    prior = prior.filter(
        (pl.col("entry") + pl.duration(days=1) >= pl.lit(observed_from))
        & (pl.col("entry") < last_day)
    )
    late = (
        prior.join(pay, on="account_id", how="inner")
        .filter((pl.col("day") > pl.col("entry")) & (pl.col("day") <= last_day))
        .group_by("account_id", "entry")
        .agg(pl.col("day").max().alias("_cure"), pl.col("amount").sum().alias("owed"))
        .select(
            "account_id",
            "entry",
            pl.lit(1, dtype=pl.Int32).alias("first_dpd"),
            _days(pl.col("_cure"), pl.col("entry")).alias("last_dpd"),
            pl.lit(True).alias("cured"),
            "owed",
        )
    )
    frame, at_risk = _finish(
        pl.concat([overdue, late], how="vertical_relaxed"), pay, attempts, contact_from
    )
    return Episodes(frame, at_risk, "ledger", as_of, observed_from, contact_from)


def snapshot_episodes(
    snapshots: pl.DataFrame,
    payments: pl.DataFrame | None,
    attempts: pl.DataFrame | None,
    as_of: date,
) -> Episodes:
    """Episodes from a history of the accounts table (module doc). A snapshot dated `s` is
    the state at the start of day `s`, like a run date."""
    pay = _payments(payments)
    contact_from = _min_day(attempts, "at")
    snaps = snapshots.select("as_of", "account_id", "due_date", "overdue_amount", "status").sort(
        "account_id", "as_of"
    )
    observed_from = snaps.get_column("as_of").min()
    assert isinstance(observed_from, date)
    snaps = snaps.with_columns(
        pl.col("as_of").min().over("account_id").alias("_seen_from"),
        pl.col("as_of").shift(-1).over("account_id").alias("_next_as_of"),
        pl.col("due_date").shift(-1).over("account_id").alias("_next_due"),
    )
    overdue = snaps.filter(
        pl.col("due_date").is_not_null()
        & ~pl.col("status").fill_null("active").is_in(NOT_COLLECTED)
    )
    per = overdue.group_by("account_id", pl.col("due_date").alias("entry")).agg(
        pl.col("_seen_from").first(),
        pl.col("overdue_amount").sort_by("as_of").first().alias("owed"),
        pl.col("as_of").max().alias("_last_seen"),
        pl.col("_next_as_of").sort_by("as_of").last(),
        pl.col("_next_due").sort_by("as_of").last(),
    )
    cured = pl.col("_next_as_of").is_not_null() & pl.col("_next_due").is_null()
    cure_pay = (
        per.filter(cured)
        .select("account_id", "entry", "_last_seen", "_next_as_of")
        .join(pay, on="account_id", how="inner")
        .filter((pl.col("day") >= pl.col("_last_seen")) & (pl.col("day") < pl.col("_next_as_of")))
        .group_by("account_id", "entry")
        .agg(pl.col("day").max().alias("_cure_day"))
    )
    per = per.join(cure_pay, on=["account_id", "entry"], how="left")
    cure_day = pl.coalesce(pl.col("_cure_day"), pl.col("_next_as_of") - pl.duration(days=1))
    frame = per.select(
        "account_id",
        "entry",
        pl.max_horizontal(pl.lit(1), _days(pl.col("_seen_from"), pl.col("entry"))).alias(
            "first_dpd"
        ),
        pl.when(cured)
        .then(_days(cure_day, pl.col("entry")))
        .otherwise(_days(pl.col("_last_seen"), pl.col("entry")) - 1)
        .alias("last_dpd"),
        cured.alias("cured"),
        "owed",
    )
    frame, at_risk = _finish(frame, pay, attempts, contact_from)
    return Episodes(frame, at_risk, "snapshots", as_of, observed_from, contact_from)


def episodes_of(
    accounts: pl.DataFrame,
    payments: pl.DataFrame | None,
    attempts: pl.DataFrame | None,
    as_of: date,
    snapshots: pl.DataFrame | None = None,
) -> Episodes:
    """Snapshot episodes when the history is there (more than one snapshot date), else the
    ledger's reconstruction."""
    if snapshots is not None and snapshots.get_column("as_of").n_unique() > 1:
        return snapshot_episodes(snapshots, payments, attempts, as_of)
    return ledger_episodes(accounts, payments, attempts, as_of)
