"""Is the debtor unreachable, so that third parties may be tried? One definition for the
daily plan (as of the start of the run date) and the pre-dial check (as of the instant asked).

Unreachable, as of an instant T, under a preset's `Reachability` (N failures, D days): the
customer has at least one debtor phone, every debtor phone had at least N failed voice
attempts in [T − D days, T), and nobody talked with the debtor (`rpc`, on any number, about any
of their accounts) in that time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from arrears.compliance.presets import Reachability
from arrears.contract.tables import VOICE_CHANNELS

UTC_TS = pl.Datetime("us", "UTC")
FAILED_CALL_OUTCOMES = ("no_connect", "no_answer", "voicemail", "machine", "abandoned")


def debtor_unreachable(
    contacts: pl.LazyFrame,
    ledger: pl.LazyFrame,
    reach: Reachability,
    *,
    as_of: datetime | None = None,
    asked: pl.LazyFrame | None = None,
    until: bool = False,
) -> pl.LazyFrame:
    """(customer_id, _as_of) of the debtors unreachable: every customer as of the instant
    `as_of` (the daily plan), or each (customer_id, _as_of) row of `asked` (the pre-dial
    check). `ledger` is `ledger.ledger_of` the attempts. Customers not listed are reachable.
    With `until`, also `_until`: the instant the debtor stops counting as unreachable if no
    call fails after `_as_of` (a phone's N-th latest failure leaves the look-back), so a plan
    made in the morning can end a third party's window there.

    The work starts from the failed calls, which few customers have, not from every customer.
    """
    days = timedelta(days=reach.days)
    if asked is None:
        if as_of is None:
            raise ValueError("give as_of (every customer) or asked (customer_id, _as_of)")
        events = ledger.filter((pl.col("at") < as_of) & (pl.col("at") >= as_of - days))
        events = events.with_columns(pl.lit(as_of).cast(UTC_TS).alias("_as_of"))
    else:
        asked = asked.select("customer_id", pl.col("_as_of").cast(UTC_TS)).unique()
        events = ledger.join(asked, on="customer_id").filter(
            (pl.col("at") < pl.col("_as_of")) & (pl.col("at") >= pl.col("_as_of") - days)
        )
    keys = ["customer_id", "_as_of"]
    failed = (
        events.filter(
            (pl.col("role") == "debtor")
            & pl.col("channel").is_in(VOICE_CHANNELS)
            & pl.col("outcome").is_in(FAILED_CALL_OUTCOMES)
        )
        .group_by(*keys, "contact_id")
        .agg(
            pl.len().alias("_failed"),
            pl.col("at")
            .sort(descending=True)
            .get(reach.failed_per_number - 1, null_on_oob=True)
            .alias("_nth"),
        )
        .filter(pl.col("_failed") >= reach.failed_per_number)
        .group_by(keys)
        .agg(pl.len().alias("_phones_failed"), (pl.col("_nth").min() + days).alias("_until"))
    )
    phones = (
        contacts.filter((pl.col("role") == "debtor") & (pl.col("kind") == "phone"))
        .join(failed.select("customer_id").unique(), on="customer_id", how="semi")
        .group_by("customer_id")
        .agg(pl.len().alias("_phones"))
    )
    talked = events.filter(pl.col("outcome") == "rpc").select(keys).unique()
    return (
        failed.join(phones, on="customer_id")
        .filter(pl.col("_phones_failed") == pl.col("_phones"))
        .join(talked, on=keys, how="anti")
        .select(*keys, *(["_until"] if until else []))
    )
