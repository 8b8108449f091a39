"""The book is shaped like a real one: many easy early accounts, fewer hard late ones."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl

AS_OF = dt.date(2025, 3, 10)


def _dpd(book: dict[str, pl.DataFrame]) -> pl.Series:
    days = (pl.lit(AS_OF) - pl.col("due_date")).dt.total_days().fill_null(0)
    return book["accounts"].select(days.alias("dpd")).to_series()


def test_each_later_thirty_day_band_holds_fewer_accounts(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    dpd = _dpd(mixed_book)
    n = dpd.len()
    shares = [((dpd >= lo) & (dpd <= lo + 29)).sum() / n for lo in range(1, 181, 30)]
    assert all(a > b for a, b in itertools.pairwise(shares)), shares
    assert 0.36 < shares[0] < 0.44
    assert 0.29 < (dpd == 0).sum() / n < 0.37
    assert (dpd > 180).sum() > 0 and dpd.max() <= 540


def test_every_dpd_from_0_to_35_occurs_at_ten_thousand_accounts(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    assert mixed_book["accounts"].height == 10_000
    present = set(_dpd(mixed_book).unique().to_list())
    assert set(range(36)) <= present


def test_customers_hold_about_1_15_accounts_and_share_their_customer_id(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    ratio = mixed_book["accounts"].height / mixed_book["customers"].height
    assert 1.1 < ratio < 1.2
    assert mixed_book["accounts"]["customer_id"].n_unique() == mixed_book["customers"].height


def test_products_have_typical_balances(mixed_book: dict[str, pl.DataFrame]) -> None:
    medians = (
        mixed_book["accounts"]
        .filter(pl.col("currency") == "CNY")
        .group_by("product")
        .agg(pl.col("outstanding_balance").median())
    )
    m = dict(medians.iter_rows())
    assert m["bnpl"] < m["cash_loan"] < m["credit_card"]
