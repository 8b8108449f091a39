"""Synthetic collection portfolios: every contract table, realistic, reproducible and fast.

`generate_portfolio` is what demos, benchmarks and tests use instead of real lender data: the
same seed and arguments give identical tables (one explicit `numpy.random.Generator`, stages in
a fixed order), and everything is vectorized so 10 M accounts fit in memory and in minutes.
`write_portfolio` writes the tables as a contract input folder (Parquet or CSV that round-trips).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from arrears.contract.tables import LOAD_ORDER
from arrears.generate._common import EPOCH
from arrears.generate.accounts import Book, customers_for, generate_accounts
from arrears.generate.complaints import generate_complaints
from arrears.generate.contacts import generate_contacts
from arrears.generate.history import generate_attempts
from arrears.generate.money import generate_money
from arrears.generate.people import COUNTRY_MODES, People, generate_people
from arrears.generate.staff import generate_staff

Progress = Callable[[str, float], None]
# Order of the tables in the returned dict: the contract's load order.
TABLE_ORDER: tuple[str, ...] = LOAD_ORDER
# Share of the total work done after each stage, for the progress bar; the per-customer
# stages (contacts, attempts, payments) then report from 0.3 to 1.0, slice by slice.
_STAGES: tuple[tuple[str, float], ...] = (
    ("customers", 0.15),
    ("accounts", 0.22),
    ("teams", 0.30),
)
CHUNK_ACCOUNTS = 1_000_000
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
    tables (customers, accounts, contacts, attempts, payments, promises, teams, agents, cases,
    complaints)
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
    staff = generate_staff(rng, people, book, as_of_day)
    done("teams")

    # Contacts, attempts and money are the bulk of the rows: build them one slice of customers
    # at a time so the temporaries of only one slice are alive (10 M accounts stay in memory).
    parts: dict[str, list[pl.DataFrame]] = {
        t: [] for t in ("contacts", "attempts", "payments", "promises")
    }
    next_id = dict.fromkeys(parts, 1)
    bounds = _chunk_bounds(book.customer, n_customers)
    for i, (c0, c1, a0, a1) in enumerate(bounds):
        sub_people = _slice_people(people, c0, c1)
        sub_book = _slice_book(book, a0, a1, c0)
        sub_staff = replace(staff, case_agent=staff.case_agent[a0:a1])
        step = _step_reporter(progress, i, len(bounds))
        contacts = generate_contacts(rng, sub_people, sub_book, as_of_day, next_id["contacts"])
        step("contacts", 0.4)
        history = generate_attempts(
            rng, sub_people, sub_book, contacts, sub_staff, as_of_day, next_id["attempts"]
        )
        step("attempts", 0.85)
        payments, promises = generate_money(
            rng, sub_book, history, as_of_day, (next_id["payments"], next_id["promises"])
        )
        for name, frame in (
            ("contacts", contacts.table),
            ("attempts", history.table),
            ("payments", payments),
            ("promises", promises),
        ):
            parts[name].append(frame)
            next_id[name] += frame.height
        del contacts, history
        step("payments", 1.0)
    joined = {name: pl.concat(frames, rechunk=False) for name, frames in parts.items()}
    tables = {
        "customers": people.table,
        "accounts": book.table,
        "contacts": joined["contacts"],
        "attempts": joined["attempts"],
        "payments": joined["payments"],
        "promises": joined["promises"],
        "teams": staff.teams,
        "agents": staff.agents,
        "cases": staff.cases,
        "complaints": generate_complaints(rng, staff.cases, as_of_day),
    }
    return {name: tables[name] for name in TABLE_ORDER}


def _step_reporter(
    progress: Progress | None, chunk: int, chunks: int
) -> Callable[[str, float], None]:
    """Progress of the per-slice stages, mapped onto 0.3..1.0 of the whole run."""

    def step(stage: str, within: float) -> None:
        if progress is not None:
            progress(stage, round(0.3 + 0.7 * (chunk + within) / chunks, 4))

    return step


def _chunk_bounds(customer: np.ndarray, n_customers: int) -> list[tuple[int, int, int, int]]:
    """(first customer, end customer, first account, end account) of each slice of the book.

    Slices hold about CHUNK_ACCOUNTS accounts and never split a customer (accounts are sorted
    by customer), so each slice is a self-contained sub-book.
    """
    n = customer.size
    starts = [0]
    for a in range(CHUNK_ACCOUNTS, n, CHUNK_ACCOUNTS):
        c = int(customer[a])
        first = int(np.searchsorted(customer, c, side="left"))
        if first > starts[-1]:
            starts.append(first)
    ends = [*starts[1:], n]
    return [
        (int(customer[a0]), int(customer[a1 - 1]) + 1 if a1 < n else n_customers, a0, a1)
        for a0, a1 in zip(starts, ends, strict=True)
    ]


def _slice_people(people: People, c0: int, c1: int) -> People:
    return replace(
        people,
        customer_id=people.customer_id.slice(c0, c1 - c0),
        country=people.country[c0:c1],
        region=people.region[c0:c1],
        zone=people.zone[c0:c1],
        email_local=people.email_local.slice(c0, c1 - c0),
        email_domain=people.email_domain.slice(c0, c1 - c0),
        address=people.address.slice(c0, c1 - c0),
    )


def _slice_book(book: Book, a0: int, a1: int, c0: int) -> Book:
    return replace(
        book,
        account_id=book.account_id.slice(a0, a1 - a0),
        customer=book.customer[a0:a1] - c0,
        country=book.country[a0:a1],
        product=book.product[a0:a1],
        dpd=book.dpd[a0:a1],
        status=book.status[a0:a1],
        overdue=book.overdue[a0:a1],
        balance=book.balance[a0:a1],
        next_due=book.next_due[a0:a1],
    )


def write_portfolio(
    tables: Mapping[str, pl.DataFrame],
    out: Path,
    fmt: Literal["parquet", "csv"] = "parquet",
) -> None:
    """Write each table as `<out>/<name>.parquet` or `.csv`, creating `out` if needed.

    Every table of the mapping is written, so a training history's `account_snapshots`
    (`snapshots.generate_history`) lands beside the contract's tables, which the loader ignores.

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
