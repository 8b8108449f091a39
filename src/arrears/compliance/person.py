"""Facts about the person behind a debt that compliance reads: where they are, their own
hours, and a status about them (deceased, bankruptcy, cease_contact) on any of their accounts.
The daily plan and the pre-dial check take them from here."""

from __future__ import annotations

import polars as pl

PERSON_STATUSES = ("bankruptcy", "cease_contact", "deceased")
"""Statuses that are facts about the debtor, so they hold every account of the customer."""


CUSTOMER_COMPLIANCE = {
    "country": "customer_country",
    "timezone": "customer_timezone",
    "region": "customer_region",
    "contact_hours": "customer_contact_hours",
    "do_not_call": "customer_do_not_call",
}
"""Customer columns the guard reads, under names no account column can shadow."""


def customer_compliance_columns(present: list[str]) -> list[pl.Expr]:
    """The customer's country, zone, region and own hours for the guard (nulls when the file
    lacks a column)."""
    return [
        pl.col(name).alias(alias) if name in present else pl.lit(None, dtype=pl.String).alias(alias)
        for name, alias in CUSTOMER_COMPLIANCE.items()
    ]


def person_status(accounts: pl.DataFrame) -> pl.LazyFrame:
    """(customer_id, customer_status): a status about the person (deceased, bankruptcy,
    cease_contact) on any of the customer's accounts; few customers have one."""
    return (
        accounts.lazy()
        .filter(pl.col("status").is_in(PERSON_STATUSES))
        .group_by("customer_id")
        .agg(pl.col("status").min().alias("customer_status"))
    )
