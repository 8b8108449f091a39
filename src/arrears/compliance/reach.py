"""Is the debtor unreachable, so that third parties may be tried? One definition for the
daily plan (as of the start of the run date) and the pre-dial check (as of the instant asked).

Unreachable, as of an instant T, under a preset's `Reachability` (N failures, D days): the
customer has at least one debtor phone, every debtor phone had at least N failed voice
attempts in [T − D days, T), and nobody talked with the debtor (`rpc`, on any number, about any
of their accounts) in that time.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from arrears.compliance.presets import Reachability
from arrears.contract.tables import VOICE_CHANNELS

FAILED_CALL_OUTCOMES = ("no_connect", "no_answer", "voicemail", "machine", "abandoned")
PERSON_STATUSES = ("bankruptcy", "cease_contact", "deceased")
"""Statuses that are facts about the debtor, so they hold every account of the customer."""


def person_status(accounts: pl.DataFrame) -> pl.LazyFrame:
    """(customer_id, customer_status): a status about the person (deceased, bankruptcy,
    cease_contact) on any of the customer's accounts; few customers have one."""
    return (
        accounts.lazy()
        .filter(pl.col("status").is_in(PERSON_STATUSES))
        .group_by("customer_id")
        .agg(pl.col("status").min().alias("customer_status"))
    )


def debtor_unreachable(
    asked: pl.LazyFrame, contacts: pl.LazyFrame, ledger: pl.LazyFrame, reach: Reachability
) -> pl.LazyFrame:
    """(customer_id, _as_of, debtor_unreachable) for each distinct row of `asked`
    (customer_id, _as_of). `ledger` is `ledger.ledger_of` the attempts (lazy)."""
    asked = asked.select("customer_id", "_as_of").unique()
    recent = (pl.col("at") < pl.col("_as_of")) & (
        pl.col("at") >= pl.col("_as_of") - timedelta(days=reach.days)
    )
    phones = asked.join(
        contacts.filter((pl.col("role") == "debtor") & (pl.col("kind") == "phone")).select(
            "customer_id", "contact_id"
        ),
        on="customer_id",
    )
    failed = (
        phones.join(
            ledger.filter(
                pl.col("channel").is_in(VOICE_CHANNELS)
                & pl.col("outcome").is_in(FAILED_CALL_OUTCOMES)
            ).select("contact_id", "at"),
            on="contact_id",
        )
        .filter(recent)
        .group_by("customer_id", "_as_of", "contact_id")
        .agg(pl.len().alias("_failed"))
    )
    all_failed = (
        phones.join(failed, on=["customer_id", "_as_of", "contact_id"], how="left")
        .group_by("customer_id", "_as_of")
        .agg((pl.col("_failed").fill_null(0) >= reach.failed_per_number).all().alias("_all"))
    )
    talked = (
        asked.join(
            ledger.filter(pl.col("outcome") == "rpc").select("customer_id", "at"),
            on="customer_id",
        )
        .filter(recent)
        .select("customer_id", "_as_of", pl.lit(True).alias("_talked"))
        .unique()
    )
    return (
        asked.join(all_failed, on=["customer_id", "_as_of"], how="left", nulls_equal=True)
        .join(talked, on=["customer_id", "_as_of"], how="left", nulls_equal=True)
        .select(
            "customer_id",
            "_as_of",
            (pl.col("_all").fill_null(False) & pl.col("_talked").is_null()).alias(
                "debtor_unreachable"
            ),
        )
    )
