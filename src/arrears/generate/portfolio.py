"""Synthetic collection portfolios: every contract table, realistic, reproducible and fast.

`generate_portfolio` is what demos, benchmarks and tests use instead of real lender data: the
same seed and arguments give identical tables (one explicit `numpy.random.Generator`, stages in
a fixed order), and everything is vectorized so 10 M accounts fit in memory and in minutes.
`write_portfolio` writes the tables as a contract input folder (Parquet or CSV that round-trips).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from arrears.generate._common import EPOCH
from arrears.generate.accounts import customers_for, generate_accounts
from arrears.generate.contacts import generate_contacts
from arrears.generate.history import generate_attempts
from arrears.generate.money import generate_money
from arrears.generate.people import COUNTRY_MODES, generate_people
from arrears.generate.staff import generate_staff

Progress = Callable[[str, float], None]
# Order of the tables in the returned dict (the contract's load order).
TABLE_ORDER: tuple[str, ...] = (
    "customers",
    "accounts",
    "contacts",
    "attempts",
    "payments",
    "promises",
    "teams",
    "agents",
    "cases",
)
# Share of the total work each stage represents, for the progress bar.
_STAGES: tuple[tuple[str, float], ...] = (
    ("customers", 0.15),
    ("accounts", 0.25),
    ("contacts", 0.55),
    ("teams", 0.60),
    ("attempts", 0.90),
    ("payments", 1.0),
)
CSV_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"


def generate_portfolio(
    *,
    accounts: int,
    seed: int,
    country: str = "CN",
    as_of: dt.date,
    progress: Progress | None = None,
) -> dict[str, pl.DataFrame]:
    """Generate a full portfolio of `accounts` accounts as of the run date `as_of`.

    `country` is CN, US, GB or `mixed` (about 60 % CN, 25 % US, 15 % GB). Returns the contract
    tables (customers, accounts, contacts, attempts, payments, promises, teams, agents, cases)
    with the contract's column names, order and dtypes. `progress(stage, fraction)` is called
    after each stage.
    """
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if country not in COUNTRY_MODES:
        raise ValueError(f"country must be one of {', '.join(COUNTRY_MODES)}, not {country!r}")
    rng = np.random.default_rng(seed)
    as_of_day = (as_of - EPOCH).days
    stages = dict(_STAGES)

    def done(stage: str) -> None:
        if progress is not None:
            progress(stage, stages[stage])

    n_customers, owner = customers_for(rng, accounts)
    people = generate_people(rng, n_customers, country)
    done("customers")
    book = generate_accounts(rng, owner, people.customer_id, people.country, as_of_day)
    done("accounts")
    contacts = generate_contacts(rng, people, book, as_of_day)
    done("contacts")
    staff = generate_staff(rng, people, book, as_of_day)
    done("teams")
    history = generate_attempts(rng, people, book, contacts, staff, as_of_day)
    done("attempts")
    payments, promises = generate_money(rng, book, history, as_of_day)
    done("payments")
    tables = {
        "customers": people.table,
        "accounts": book.table,
        "contacts": contacts.table,
        "attempts": history.table,
        "payments": payments,
        "promises": promises,
        "teams": staff.teams,
        "agents": staff.agents,
        "cases": staff.cases,
    }
    return {name: tables[name] for name in TABLE_ORDER}


def write_portfolio(
    tables: Mapping[str, pl.DataFrame],
    out: Path,
    fmt: Literal["parquet", "csv"] = "parquet",
) -> None:
    """Write each table as `<out>/<name>.parquet` or `.csv`, creating `out` if needed.

    CSV is UTF-8 with a header; dates are `YYYY-MM-DD`, timestamps ISO 8601 UTC with `Z`
    (fractional seconds only when present), nulls are empty cells: exactly what the contract's
    loader accepts, so a CSV folder reads back to the same values as the Parquet one.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.write_parquet(path)
        else:
            frame.write_csv(
                path, datetime_format=CSV_DATETIME_FORMAT, date_format="%Y-%m-%d", null_value=""
            )
