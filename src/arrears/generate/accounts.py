"""Accounts: products, balances, days past due and status, shaped like a real book.

Real collection books are pyramids: a third of the accounts are current (pre-due reminders
only), 40 % sit in M1 and each later 30-day band holds fewer, harder accounts. The later stages
(attempts, cases, payments) key their intensity off these DPD values, so getting this shape
right is what makes the rest of the portfolio realistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from arrears.contract.tables import STATUSES
from arrears.generate._common import date_series, gather, ids, pick_rows, take, to_contract
from arrears.generate.geo import CURRENCIES

PRODUCTS: tuple[str, ...] = ("cash_loan", "credit_card", "bnpl")
# Product mix per country (rows CN, US, GB).
PRODUCT_MIX = np.array([[0.55, 0.20, 0.25], [0.35, 0.45, 0.20], [0.35, 0.40, 0.25]])
# Median outstanding balance per country x product, in the local currency.
MEDIAN_BALANCE = np.array([[8000.0, 12000.0, 1500.0], [2500.0, 3500.0, 350.0],
                           [2000.0, 2800.0, 280.0]])  # fmt: skip
BALANCE_SIGMA = np.array([0.8, 0.9, 0.7])
MAX_DPD = 540
ACCOUNTS_PER_CUSTOMER = 1.15

# Share of all accounts per DPD band, with the decay inside each band (days).
_BANDS: tuple[tuple[int, int, float, float], ...] = (
    (1, 30, 0.400, 18.0),
    (31, 60, 0.095, 40.0),
    (61, 90, 0.055, 40.0),
    (91, 120, 0.035, 60.0),
    (121, 150, 0.025, 60.0),
    (151, 180, 0.020, 60.0),
    (181, MAX_DPD, 0.040, 150.0),
)
CURRENT_SHARE = 0.33


def dpd_pmf() -> np.ndarray:
    """Probability of each dpd value 0..MAX_DPD: a third current, then a decaying pyramid."""
    p = np.zeros(MAX_DPD + 1)
    p[0] = CURRENT_SHARE
    for lo, hi, share, scale in _BANDS:
        d = np.arange(lo, hi + 1)
        w = np.exp(-(d - lo) / scale)
        p[lo : hi + 1] = share * w / w.sum()
    return p / p.sum()


@dataclass
class Book:
    """Account-level arrays the later stages index into (row i = account i)."""

    table: pl.DataFrame
    account_id: pl.Series
    customer: np.ndarray  # customer index of each account
    country: np.ndarray
    product: np.ndarray
    dpd: np.ndarray  # int64, 0 = current
    status: np.ndarray  # index into STATUSES
    overdue: np.ndarray
    balance: np.ndarray
    next_due: np.ndarray  # day number, -1 when none

    @property
    def size(self) -> int:
        return int(self.dpd.size)


def customers_for(rng: np.random.Generator, accounts: int) -> tuple[int, np.ndarray]:
    """Number of customers and each account's customer, ~1.15 accounts per customer.

    Accounts come out grouped by customer (sorted), as a lender's extract usually is.
    """
    n_cust = max(1, min(accounts, round(accounts / ACCOUNTS_PER_CUSTOMER)))
    extra = rng.integers(0, n_cust, accounts - n_cust)
    owner = np.sort(np.concatenate([np.arange(n_cust), extra]))
    return n_cust, owner


def draw_dpd(rng: np.random.Generator, n: int) -> np.ndarray:
    """DPD per account from `dpd_pmf`; every value 0..35 is forced to occur when n >= 36.

    The planner's day-based steps (1, 7, 15, 21, 24, 27, 30 ...) must all have accounts to act
    on in a test book; 36 overwritten rows do not change the shape.
    """
    cdf = np.cumsum(dpd_pmf())
    dpd = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), MAX_DPD)
    if n >= 36:
        dpd[rng.choice(n, 36, replace=False)] = np.arange(36)
    return dpd.astype(np.int64)


def draw_status(rng: np.random.Generator, dpd: np.ndarray) -> np.ndarray:
    """Status index: mostly active; special statuses only where they make sense for the dpd.

    Each status owns a slice of one uniform draw and an eligibility rule, which yields overall
    about 1 % dispute, 0.1 % deceased, 0.3 % cease_contact, 0.2 % bankruptcy, 0.2 % legal_hold,
    and settled / written_off among the late accounts.
    """
    u = rng.random(dpd.size)
    rules = (  # (status, slice width, minimum dpd)
        ("dispute", 0.015, 1),
        ("deceased", 0.0015, 1),
        ("cease_contact", 0.0045, 1),
        ("bankruptcy", 0.0074, 31),
        ("legal_hold", 0.0114, 61),
        ("settled", 0.03, 91),
        ("written_off", 0.30, 181),
    )
    status = np.zeros(dpd.size, dtype=np.int64)
    lo = 0.0
    for name, width, min_dpd in rules:
        hit = (u >= lo) & (u < lo + width) & (dpd >= min_dpd)
        status[hit] = STATUSES.index(name)
        lo += width
    return status


def generate_accounts(
    rng: np.random.Generator,
    owner: np.ndarray,
    customer_ids: pl.Series,
    customer_country: np.ndarray,
    as_of_day: int,
) -> Book:
    """The accounts table for accounts owned by `owner` (customer indexes)."""
    n = owner.size
    country = customer_country[owner]
    product = pick_rows(rng, PRODUCT_MIX, country)
    sigma = BALANCE_SIGMA[product]
    balance = MEDIAN_BALANCE[country, product] * np.exp(sigma * rng.standard_normal(n))
    balance = np.maximum(np.round(balance, 2), 50.0)
    dpd = draw_dpd(rng, n)
    status = draw_status(rng, dpd)

    terms = np.select(
        [product == 0, product == 1], [rng.uniform(3, 12, n), rng.uniform(10, 20, n)],
        rng.uniform(2, 4, n),
    )  # fmt: skip
    instalment = balance / terms
    missed = dpd // 30 + 1
    fee = 1.0 + rng.uniform(0.0, 0.05, n)
    accelerated = (dpd > 180) | ((dpd > 90) & (rng.random(n) < 0.5))
    overdue = np.where(accelerated, balance, np.minimum(balance, instalment * missed * fee))
    overdue = np.where(dpd > 0, np.minimum(np.round(overdue, 2), balance), 0.0)

    closed = np.isin(status, [STATUSES.index("settled"), STATUSES.index("written_off")])
    next_due = np.where(
        dpd == 0,
        as_of_day + rng.integers(0, 16, n),
        as_of_day - dpd + 30 * (dpd // 30 + 1),
    )
    next_due = np.where((dpd > 90) | accelerated | closed, -1, next_due)
    account_id = ids("A", n, 8)
    table = to_contract(
        "accounts",
        {
            "account_id": account_id,
            "customer_id": take(customer_ids, owner),
            "product": gather(PRODUCTS, product),
            "currency": gather(CURRENCIES, country),
            "overdue_amount": overdue,
            "outstanding_balance": balance,
            "due_date": date_series("due_date", as_of_day - dpd, dpd > 0),
            "next_due_date": date_series("next_due_date", next_due, next_due >= 0),
            "status": gather(STATUSES, status),
        },
    )
    return Book(table, account_id, owner, country, product, dpd, status, overdue, balance,
                next_due)  # fmt: skip
