"""How likely a call reaches the right person, by local hour and weekday, from the ledger.

Counts are taken from the contact ledger before the run date: voice attempts and right-party
contacts (`rpc`) per contact point, and per country as the population, each by the local hour
and weekday of the attempt in the customer's zone (the address's, else the country's first).
Counts add up, so shards count apart and `rates` is taken over their sum. A point's rate is
shrunk toward its country's rate for that hour and weekday, and that toward the country's rate
for the hour: (rpc + K × prior) / (calls + K), so one lucky call does not move a number to the
top of a list.
"""

from __future__ import annotations

import polars as pl

from arrears.compliance.windows import local_clock
from arrears.compliance.zones import country_zone_lists
from arrears.contract.tables import VOICE_CHANNELS

SHRINK = 5.0
"""K above: the weight of the prior, in calls."""

COUNT_KEYS = ("hour", "weekday")


def customer_zones(customers: pl.DataFrame) -> pl.DataFrame:
    """Per customer, the zone set its local clock is read in: the address's zone, else the
    country's zones (the first of which is used). Country zones are looked up only for the
    customers without one of their own (the lookup is costly the first time per country)."""
    own = (
        customers.get_column("timezone").cast(pl.String)
        if "timezone" in customers.columns
        else pl.Series("timezone", [None] * customers.height, dtype=pl.String)
    )
    frame = customers.select("customer_id", "country").with_columns(own.alias("_own"))
    has_own = frame.filter(pl.col("_own").is_not_null() & (pl.col("_own") != ""))
    without = frame.join(has_own.select("customer_id"), on="customer_id", how="anti")
    return pl.concat(
        [
            has_own.select("customer_id", "country", pl.concat_list("_own").alias("zones")),
            without.select(
                "customer_id",
                "country",
                country_zone_lists(without.get_column("country")).alias("zones"),
            ),
        ]
    )


def customer_zone(customers: pl.DataFrame) -> pl.DataFrame:
    """Per customer, the zone its local clock is read in: the first of `customer_zones`, as a
    plain string (cheaper to join than the set)."""
    own = (
        customers.get_column("timezone").cast(pl.String)
        if "timezone" in customers.columns
        else pl.Series("timezone", [None] * customers.height, dtype=pl.String)
    )
    frame = customers.select("customer_id", "country").with_columns(own.alias("_own"))
    mine = pl.col("_own").is_not_null() & (pl.col("_own") != "")
    has_own = frame.filter(mine)
    without = frame.filter(~mine)
    return pl.concat(
        [
            has_own.select("customer_id", "country", pl.col("_own").alias("zone")),
            without.select(
                "customer_id",
                "country",
                country_zone_lists(without.get_column("country")).list.first().alias("zone"),
            ),
        ]
    )


def call_counts(
    attempts: pl.DataFrame | None,
    contacts: pl.DataFrame,
    customers: pl.DataFrame,
    keep_points: pl.Series | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per point, per country) counts of voice calls and rpcs by local hour and weekday.

    `attempts` is the ledger as it stood before the run (`planning.features.history`).
    `keep_points` (contact ids), when given, limits the per-point counts to those points (today's:
    the only ones a plan looks up); the per-country counts are over every call."""
    point_schema = {"contact_id": pl.String, "hour": pl.Int8, "weekday": pl.Int8,
                    "calls": pl.UInt32, "rpc": pl.UInt32}  # fmt: skip
    country_schema = {**point_schema, "country": pl.String}
    del country_schema["contact_id"]
    if attempts is None or attempts.is_empty():
        return pl.DataFrame(schema=point_schema), pl.DataFrame(schema=country_schema)
    calls = (
        attempts.filter(pl.col("channel").is_in(VOICE_CHANNELS))
        .select("contact_id", "at", (pl.col("outcome") == "rpc").alias("is_rpc"))
        .join(contacts.select("contact_id", "customer_id"), on="contact_id")
        .join(customer_zone(customers), on="customer_id")
    )
    clock = local_clock(calls.get_column("zone"), calls.get_column("at"))
    calls = pl.concat([calls.select("contact_id", "country", "is_rpc"), clock], how="horizontal")
    agg = [
        pl.len().cast(pl.UInt32).alias("calls"),
        pl.col("is_rpc").sum().cast(pl.UInt32).alias("rpc"),
    ]
    countries = calls.group_by("country", *COUNT_KEYS).agg(agg)
    if keep_points is not None:
        calls = calls.filter(pl.col("contact_id").is_in(keep_points.implode()))
    points = calls.group_by("contact_id", *COUNT_KEYS).agg(agg)
    return points.cast(point_schema), countries.cast(country_schema)  # type: ignore[arg-type]


def merge_counts(parts: list[pl.DataFrame], keys: tuple[str, ...]) -> pl.DataFrame:
    """Counts of several shards as one table."""
    return pl.concat(parts).group_by(*keys).agg(pl.col("calls").sum(), pl.col("rpc").sum())


def country_rates(countries: pl.DataFrame) -> pl.DataFrame:
    """`rate` by (country, hour, weekday), shrunk toward the country's rate for the hour."""
    by_hour = countries.group_by("country", "hour").agg(
        (pl.col("rpc").sum() / pl.col("calls").sum()).alias("_hour_rate")
    )
    shrunk = (pl.col("rpc") + SHRINK * pl.col("_hour_rate")) / (pl.col("calls") + SHRINK)
    return countries.join(by_hour, on=["country", "hour"]).select(
        "country", *COUNT_KEYS, shrunk.alias("rate")
    )


def point_rates(
    points: pl.DataFrame, country_rates: pl.DataFrame, point_country: pl.DataFrame
) -> pl.DataFrame:
    """Each counted point's rate, shrunk toward its country's (`point_country`: contact_id,
    country)."""
    return (
        points.join(point_country, on="contact_id")
        .join(country_rates, on=["country", *COUNT_KEYS], how="left")
        .select(
            "contact_id",
            *COUNT_KEYS,
            (
                (pl.col("rpc") + SHRINK * pl.col("rate").fill_null(0.0))
                / (pl.col("calls") + SHRINK)
            ).alias("rate"),
        )
    )
