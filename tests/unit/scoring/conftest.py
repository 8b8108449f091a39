"""Synthetic portfolios with a known logistic truth, shared by the scoring tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

Portfolio = tuple[pl.DataFrame, np.ndarray, np.ndarray]


def logistic_portfolio(n: int, seed: int = 0) -> Portfolio:
    """Rows with dpd-like and balance-like numbers, a channel category and some missing values;
    P(event) = expit(-0.5 - 0.9·z_dpd + 0.6·z_balance + 0.7·[channel = sms]).

    Returns the frame, the 0/1 outcomes and the true probabilities.
    """
    rng = np.random.default_rng(seed)
    z_dpd = rng.normal(size=n)
    z_bal = rng.normal(size=n)
    channel = rng.choice(["call", "sms", "app"], size=n, p=[0.5, 0.3, 0.2])
    logit = -0.5 - 0.9 * z_dpd + 0.6 * z_bal + 0.7 * (channel == "sms")
    truth = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.random(n) < truth).astype(np.int64)
    balance = np.exp(7.0 + 0.5 * z_bal)
    balance[rng.random(n) < 0.03] = np.nan  # some balances unknown
    frame = pl.DataFrame({"dpd": 30.0 + 10.0 * z_dpd, "balance": balance, "channel": channel})
    return frame, y, truth


@pytest.fixture
def portfolio() -> Callable[..., Portfolio]:
    return logistic_portfolio
