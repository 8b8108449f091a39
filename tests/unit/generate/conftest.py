"""Shared portfolios for the generator tests: generated once per session, they take seconds."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from arrears.generate.portfolio import generate_portfolio

AS_OF = dt.date(2025, 3, 10)


@pytest.fixture(scope="session")
def mixed_book() -> dict[str, pl.DataFrame]:
    return generate_portfolio(accounts=10_000, seed=7, country="mixed", as_of=AS_OF)


@pytest.fixture(scope="session")
def us_book() -> dict[str, pl.DataFrame]:
    return generate_portfolio(accounts=10_000, seed=11, country="US", as_of=AS_OF)
