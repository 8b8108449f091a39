"""Payments and promises to pay, consistent with each other and with the attempts.

A promise is made a few minutes after a right-party contact and falls due 1-7 days later. Its
status follows the payments: `kept` promises have a payment of at least the promised amount
between the promise and the end of its due date, `broken` ones only a smaller partial payment
(or none), `open` ones are not due before the run date. Other payments are partial payments of
overdue accounts without a promise and full instalments of current accounts; they never fall
inside a promise window, so the derived status is unambiguous.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from arrears.contract.tables import PROMISE_STATUSES, STATUSES
from arrears.generate._common import (
    US_PER_DAY,
    US_PER_SECOND,
    date_series,
    gather,
    ids,
    take,
    to_contract,
    utc_series,
)
from arrears.generate.accounts import Book
from arrears.generate.history import History

PROMISE_AFTER_RPC = 0.5
KEEP_RATE = (0.65, 0.45)  # M1, later


def _cents(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(x, 2), 1.0)


def generate_money(
    rng: np.random.Generator,
    book: Book,
    history: History,
    as_of_day: int,
    first_ids: tuple[int, int] = (1, 1),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The payments and promises tables."""
    cutoff = as_of_day * US_PER_DAY
    active = book.status == STATUSES.index("active")

    # Promises: from each account's last right-party contact while overdue.
    rpc_idx = np.flatnonzero(history.rpc)
    rpc_acc = history.account[rpc_idx]
    last = np.r_[rpc_acc[1:] != rpc_acc[:-1], True] if rpc_idx.size else np.zeros(0, bool)
    src = rpc_idx[last]
    p_acc = history.account[src]
    p_dpd_then = book.dpd[p_acc] - (as_of_day - history.day[src])
    take_it = (p_dpd_then >= 1) & active[p_acc] & (rng.random(src.size) < PROMISE_AFTER_RPC)
    src, p_acc = src[take_it], p_acc[take_it]
    n_pr = src.size
    made = np.minimum(
        history.at[src] + rng.integers(60, 600, n_pr) * US_PER_SECOND, cutoff - US_PER_SECOND
    )
    due = history.day[src] + rng.integers(1, 8, n_pr)
    amount = _cents(book.overdue[p_acc] * rng.uniform(0.3, 1.0, n_pr))
    keep_p = np.where(book.dpd[p_acc] <= 30, *KEEP_RATE)
    u = rng.random(n_pr)
    status = np.where(due >= as_of_day, 0, np.where(u < keep_p, 1, 2))  # open, kept, broken
    # Payment window: after the promise, before the end of its due date and the run date.
    w_end = np.minimum((due + 1) * US_PER_DAY, cutoff)
    w_start = made + 60 * US_PER_SECOND
    span = np.maximum(w_end - w_start, 1)
    paid_at = w_start + (rng.random(n_pr) * span).astype(np.int64)
    pays = (w_end > w_start) & ((status == 1) | ((status != 1) & (rng.random(n_pr) < 0.3)))
    pay_amount = np.where(
        status == 1, amount, np.floor(amount * rng.uniform(0.2, 0.7, n_pr) * 100) / 100
    )
    pays &= pay_amount > 0
    # A kept promise without room for a payment cannot be kept.
    status = np.where((status == 1) & ~pays, 2, status)

    promises = to_contract(
        "promises",
        {
            "promise_id": ids("PR", n_pr, 9, first_ids[1]),
            "account_id": take(book.account_id, p_acc),
            "made_at": utc_series("made_at", made),
            "due_date": date_series("due_date", due),
            "amount": amount,
            "status": gather(PROMISE_STATUSES, status),
        },
    )

    # Spontaneous partial payments: overdue active accounts without a promise.
    has_promise = np.zeros(book.size, dtype=bool)
    has_promise[p_acc] = True
    dpd = book.dpd
    p_part = np.where(dpd <= 30, 0.08, 0.04)
    part = active & (dpd >= 2) & ~has_promise & (rng.random(book.size) < p_part)
    part_acc = np.flatnonzero(part)
    k_max = np.minimum(dpd[part_acc] - 1, 30)
    k = 1 + (rng.random(part_acc.size) * k_max).astype(np.int64)
    part_at = (as_of_day - k) * US_PER_DAY + rng.integers(0, 86400, part_acc.size) * US_PER_SECOND
    part_amount = _cents(book.overdue[part_acc] * rng.uniform(0.1, 0.6, part_acc.size))

    # Full instalments of current accounts, around their previous due date.
    full = (dpd == 0) & (book.next_due >= 0) & (rng.random(book.size) < 0.5)
    full_acc = np.flatnonzero(full)
    ttd = book.next_due[full_acc] - as_of_day
    kf = np.clip(30 - ttd + rng.integers(-1, 3, full_acc.size), 1, 30)
    full_at = (as_of_day - kf) * US_PER_DAY + rng.integers(0, 86400, full_acc.size) * US_PER_SECOND
    full_amount = _cents(book.balance[full_acc] / rng.uniform(3, 12, full_acc.size))

    pay_acc = np.concatenate([p_acc[pays], part_acc, full_acc])
    pay_at = np.concatenate([paid_at[pays], part_at, full_at])
    pay_amt = np.concatenate([pay_amount[pays], part_amount, full_amount])
    order = np.lexsort((pay_at, pay_acc))
    payments = to_contract(
        "payments",
        {
            "payment_id": ids("PAY", order.size, 9, first_ids[0]),
            "account_id": take(book.account_id, pay_acc[order]),
            "paid_at": utc_series("paid_at", pay_at[order]),
            "amount": pay_amt[order],
        },
    )
    return payments, promises
