"""Enum columns only hold contract values, and the account fields obey the contract's rules."""

from __future__ import annotations

import datetime as dt

import polars as pl

from arrears.contract.tables import TABLES

AS_OF = dt.date(2025, 3, 10)


def test_enum_columns_hold_only_contract_values(mixed_book: dict[str, pl.DataFrame]) -> None:
    for name, table in TABLES.items():
        for column in table.columns:
            if column.enum is None:
                continue
            values = mixed_book[name][column.name].drop_nulls()
            if column.enum_list:
                values = values.str.split(",").explode()
            unknown = set(values.unique().to_list()) - set(column.enum)
            assert not unknown, (name, column.name, unknown)


def test_overdue_never_exceeds_the_balance_and_due_date_matches_overdue_state(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    acc = mixed_book["accounts"]
    assert (acc["overdue_amount"] <= acc["outstanding_balance"]).all()
    current = acc.filter(pl.col("due_date").is_null())
    assert (current["overdue_amount"] == 0).all()
    ahead = current.select((pl.col("next_due_date") - pl.lit(AS_OF)).dt.total_days()).to_series()
    assert ahead.is_between(0, 15).all()
    late = acc.filter(pl.col("due_date").is_not_null())
    assert (late["overdue_amount"] > 0).all()
    assert (late["due_date"] < AS_OF).all()


def test_currency_language_and_zones_follow_the_customers_country(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    joined = mixed_book["accounts"].join(mixed_book["customers"], on="customer_id")
    pairs = set(joined.select("country", "currency").unique().iter_rows())
    assert pairs == {("CN", "CNY"), ("US", "USD"), ("GB", "GBP")}
    cust = mixed_book["customers"]
    langs = set(cust.select("country", "language").unique().iter_rows())
    assert langs == {("CN", "zh-CN"), ("US", "en-US"), ("GB", "en-GB")}
    assert (cust["region"].str.slice(0, 2) == cust["country"]).all()
    shares = cust["country"].value_counts(normalize=True)
    share = dict(zip(shares["country"], shares["proportion"], strict=True))
    assert 0.55 < share["CN"] < 0.65 and 0.2 < share["US"] < 0.3 and 0.1 < share["GB"] < 0.2


def test_special_statuses_are_rare_and_present(mixed_book: dict[str, pl.DataFrame]) -> None:
    counts = mixed_book["accounts"]["status"].value_counts(normalize=True)
    share = dict(zip(counts["status"], counts["proportion"], strict=True))
    assert share["active"] > 0.9
    assert 0.005 < share["dispute"] < 0.02
    for status in ("bankruptcy", "deceased", "cease_contact", "legal_hold", "written_off"):
        assert 0 < share.get(status, 0) < 0.03, status
