"""Generated phones must be valid numbers (the planner rejects invalid ones), and US books must
exercise the per-number time zone logic: several zones, and some movers whose area code says
another zone than their address."""

from __future__ import annotations

import numpy as np
import phonenumbers
import polars as pl
from phonenumbers import timezone as pn_timezone

from arrears.generate.geo import region_table
from arrears.generate.phones import phone_numbers


def _phones(book: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return book["contacts"].filter(pl.col("kind") == "phone")


def test_a_sample_of_generated_phones_are_all_valid_e164_numbers(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    phones = _phones(mixed_book)
    sample = phones.sample(n=min(4_000, phones.height), seed=1)["value"].to_list()
    for value in sample:
        number = phonenumbers.parse(value, None)
        assert phonenumbers.is_valid_number(number), value
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == value


def test_every_prefix_and_area_code_yields_valid_numbers() -> None:
    table = region_table()
    rng = np.random.default_rng(0)
    region = np.repeat(np.arange(len(table.regions)), 60)
    country = table.country[region]
    values, _ = phone_numbers(rng, country, region, table)
    bad = [v for v in values.to_list() if not phonenumbers.is_valid_number(phonenumbers.parse(v))]
    assert not bad


def test_us_phones_span_at_least_four_zones_and_some_movers_differ_from_their_address(
    us_book: dict[str, pl.DataFrame],
) -> None:
    debtor = _phones(us_book).filter(pl.col("role") == "debtor")
    joined = debtor.join(
        us_book["customers"].select("customer_id", pl.col("timezone").alias("home")),
        on="customer_id",
    )
    zones = [pn_timezone.time_zones_for_number(phonenumbers.parse(v)) for v in joined["value"]]
    distinct = {z for zs in zones for z in zs}
    us_zones = {
        "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
    }  # fmt: skip
    assert len(distinct & us_zones) >= 4
    moved = np.array([home not in zs for home, zs in zip(joined["home"], zones, strict=True)])
    movers = joined.filter(pl.Series(moved))["customer_id"].n_unique()
    share = movers / us_book["customers"].height
    assert 0.04 < share < 0.12


def test_contact_points_per_customer_follow_the_brief(mixed_book: dict[str, pl.DataFrame]) -> None:
    contacts = mixed_book["contacts"]
    n_customers = mixed_book["customers"].height
    per = contacts.group_by("customer_id", "role", "kind").len()
    debtor_phones = per.filter((pl.col("role") == "debtor") & (pl.col("kind") == "phone"))
    assert debtor_phones.height == n_customers
    assert debtor_phones["len"].is_between(1, 3).all()
    assert (debtor_phones["len"] == 1).mean() > 0.7
    emergency = per.filter(pl.col("role") == "emergency")
    assert emergency.height == n_customers and emergency["len"].is_between(1, 3).all()
    emails = per.filter(pl.col("kind") == "email").height / n_customers
    assert 0.65 < emails < 0.75
    assert per.filter(pl.col("kind") == "address").height == n_customers
    assert contacts.filter(pl.col("role") == "guarantor").height > 0
    relations = contacts.filter(pl.col("role") == "emergency")["relation"].unique().to_list()
    assert set(relations) == {"spouse", "parent", "sibling", "friend", "colleague"}
    opt_out = contacts["opt_out"].is_not_null().mean()
    assert 0.02 < opt_out < 0.04
    refused = contacts.filter(pl.col("role") == "emergency")["refused_at"].is_not_null().mean()
    assert 0.01 < refused < 0.03
