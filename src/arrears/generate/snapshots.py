"""A training history: the contract tables as of a date plus account snapshots over time.

`generate_history` simulates the book day by day (`dynamics.py`) over `days` days before
`as_of` (plus a warm-up, so the first snapshot already has a contact history behind it) and
returns the contract tables as of `as_of` — attempts, payments and promises over the whole
simulated span — together with `account_snapshots`: every account's row of the accounts table
as it stood at 00:00 UTC of each snapshot date (every `step` days, ending with `as_of`), with an
`as_of` column in front. The snapshot at `as_of` is the accounts table itself.

The layout is described in docs/contract.md ("History layout (for training)"); the labels and
the training set that read it are in `arrears.scoring.labels` and `arrears.scoring.training_set`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from arrears.contract.history import SNAPSHOTS
from arrears.contract.tables import CHANNELS, OUTCOMES, STATUSES
from arrears.generate._common import (
    EPOCH,
    date_series,
    gather,
    ids,
    take,
    to_contract,
    utc_series,
)
from arrears.generate.accounts import PRODUCTS, Book, customers_for, generate_accounts
from arrears.generate.complaints import generate_complaints
from arrears.generate.contacts import ContactBook, generate_contacts
from arrears.generate.dynamics import (
    DayAttempts,
    DayMoney,
    DayPromises,
    Reach,
    State,
    age,
    attempts_of_day,
    draw_reach,
    fall_due,
    initial_state,
    payments_of_day,
    promises_of_day,
)
from arrears.generate.geo import CURRENCIES
from arrears.generate.history import _agents_for_calls
from arrears.generate.people import COUNTRY_MODES, People, generate_people
from arrears.generate.portfolio import TABLE_ORDER
from arrears.generate.staff import Staff, generate_staff
from arrears.planning.features import promise_status

SNAPSHOT_EVERY = 7
WARM_UP_DAYS = 30
Progress = Callable[[str, float], None]


def snapshot_dates(as_of: dt.date, days: int, step: int = SNAPSHOT_EVERY) -> list[dt.date]:
    """The snapshot dates, ascending: `as_of`, `as_of − step`, … back to `as_of − days`."""
    if days < 0 or step < 1:
        raise ValueError("days must be >= 0 and step >= 1")
    return [as_of - dt.timedelta(days=step * j) for j in range(days // step, -1, -1)]


@dataclass
class EventLog:
    """The day-by-day events, kept as arrays and assembled once at the end."""

    attempts: list[DayAttempts] = field(default_factory=list)
    payments: list[DayMoney] = field(default_factory=list)
    promises: list[DayPromises] = field(default_factory=list)


def _cat(parts: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


@dataclass
class Frozen:
    """The account columns that change, at one snapshot."""

    overdue: np.ndarray
    balance: np.ndarray
    due_day: np.ndarray
    next_due: np.ndarray
    status: np.ndarray


def freeze(st: State) -> Frozen:
    return Frozen(
        st.overdue.copy(), st.balance.copy(), st.due_day.copy(), st.next_due.copy(),
        st.status.copy(),
    )  # fmt: skip


def accounts_table(book: Book, f: Frozen) -> pl.DataFrame:
    return to_contract(
        "accounts",
        {
            "account_id": book.account_id,
            "customer_id": book.table.get_column("customer_id"),
            "product": gather(PRODUCTS, book.product),
            "currency": gather(CURRENCIES, book.country),
            "overdue_amount": f.overdue,
            "outstanding_balance": f.balance,
            "due_date": date_series("due_date", f.due_day, f.due_day >= 0),
            "next_due_date": date_series("next_due_date", f.next_due, f.next_due >= 0),
            "status": gather(STATUSES, f.status),
        },
    )


def _book_at(book: Book, f: Frozen, day: int) -> Book:
    """The Book of the final state (what staff and cases are drawn from)."""
    dpd = np.where(f.due_day >= 0, day - f.due_day, 0).astype(np.int64)
    return Book(accounts_table(book, f), book.account_id, book.customer, book.country,
                book.product, dpd, f.status, f.overdue, f.balance, f.next_due)  # fmt: skip


def _snapshots_table(book: Book, frozen: list[Frozen], days: list[int]) -> pl.DataFrame:
    parts = [
        accounts_table(book, f).select(
            pl.lit(EPOCH + dt.timedelta(days=d)).alias("as_of"), pl.all()
        )
        for f, d in zip(frozen, days, strict=True)
    ]
    return pl.concat(parts)


@dataclass
class Simulated:
    """The book after its simulated days: everything the tables are assembled from, and what
    a simulation that goes on from `as_of` needs (the state, the contact book, the rhythms)."""

    rng: np.random.Generator
    people: People
    book: Book
    contacts: ContactBook
    reach: Reach
    state: State
    ledger: EventLog
    frozen: list[Frozen]
    snap_days: list[int]
    as_of: dt.date


def simulate_history(
    *,
    accounts: int,
    seed: int,
    country: str = "CN",
    as_of: dt.date,
    days: int,
    step: int = SNAPSHOT_EVERY,
    warm_up: int = WARM_UP_DAYS,
    progress: Progress | None = None,
) -> Simulated:
    """Draw a book and simulate it day by day up to `as_of` (see `generate_history`)."""
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if country not in COUNTRY_MODES:
        raise ValueError(f"country must be one of {', '.join(COUNTRY_MODES)}, not {country!r}")
    if warm_up < 0:
        raise ValueError("warm_up must be >= 0")
    dates = snapshot_dates(as_of, days, step)
    rng = np.random.default_rng(seed)
    as_of_day = (as_of - EPOCH).days
    first_day = as_of_day - days - warm_up
    snap_days = [(d - EPOCH).days for d in dates]

    n_customers, owner = customers_for(rng, accounts)
    people = generate_people(rng, n_customers, country)
    book = generate_accounts(rng, owner, people.customer_id, people.country, first_day)
    contacts = generate_contacts(rng, people, book, as_of_day)
    reach = draw_reach(rng, contacts, n_customers)
    st = initial_state(rng, book, first_day)
    if progress is not None:
        progress("accounts", 0.1)

    ledger = EventLog()
    frozen: list[Frozen] = []
    wanted = set(snap_days)
    total = as_of_day - first_day
    for day in range(first_day, as_of_day):
        if day in wanted:
            frozen.append(freeze(st))
        ledger.payments.append(fall_due(rng, st, day))
        age(rng, st, day)
        att = attempts_of_day(rng, st, day, book.customer, people.zone, contacts, reach)
        ledger.payments.append(payments_of_day(rng, st, day))
        ledger.promises.append(promises_of_day(rng, st, day, att))
        ledger.attempts.append(att)
        if progress is not None and (day - first_day) % 10 == 0:
            progress("history", round(0.1 + 0.75 * (day - first_day) / max(total, 1), 4))
    frozen.append(freeze(st))
    return Simulated(rng, people, book, contacts, reach, st, ledger, frozen, snap_days, as_of)


def history_tables(sim: Simulated) -> tuple[dict[str, pl.DataFrame], Staff]:
    """The contract tables as of `sim.as_of` (staff drawn from the final book), and the staff."""
    rng, book, people, as_of = sim.rng, sim.book, sim.people, sim.as_of
    as_of_day = (as_of - EPOCH).days
    end_book = _book_at(book, sim.frozen[-1], as_of_day)
    staff = generate_staff(rng, people, end_book, as_of_day)
    attempts = _attempts_table(
        rng, sim.ledger.attempts, book, sim.contacts.contact_id, staff, people
    )
    payments = _payments_table(sim.ledger.payments, book)
    promises = _promises_table(sim.ledger.promises, book, payments, as_of)
    tables = {
        "customers": people.table,
        "accounts": end_book.table,
        "contacts": sim.contacts.table,
        "attempts": attempts,
        "payments": payments,
        "promises": promises,
        "teams": staff.teams,
        "agents": staff.agents,
        "cases": staff.cases,
        "complaints": generate_complaints(rng, staff.cases, as_of_day),
    }
    return {name: tables[name] for name in TABLE_ORDER}, staff


def generate_history(
    *,
    accounts: int,
    seed: int,
    country: str = "CN",
    as_of: dt.date,
    days: int,
    step: int = SNAPSHOT_EVERY,
    warm_up: int = WARM_UP_DAYS,
    progress: Progress | None = None,
) -> dict[str, pl.DataFrame]:
    """The contract tables as of `as_of` with `days` (+ `warm_up`) days of simulated history,
    and `account_snapshots` every `step` days over the last `days` days (ending at `as_of`).

    Same seed and arguments, same tables (one explicit `numpy.random.Generator`). Meant for
    training-size books (thousands to a few hundred thousand accounts): everything is held
    in memory, the snapshots are accounts x (days / step + 1) rows.
    """
    sim = simulate_history(
        accounts=accounts, seed=seed, country=country, as_of=as_of, days=days, step=step,
        warm_up=warm_up, progress=progress,
    )  # fmt: skip
    out, _ = history_tables(sim)
    out[SNAPSHOTS] = _snapshots_table(sim.book, sim.frozen, sim.snap_days)
    if progress is not None:
        progress("snapshots", 1.0)
    return out


def _attempts_table(
    rng: np.random.Generator,
    days: list[DayAttempts],
    book: Book,
    contact_id: pl.Series,
    staff: Staff,
    people: People,
) -> pl.DataFrame:
    acc = _cat([d.account for d in days])
    at = _cat([d.at for d in days])
    order = np.lexsort((at, acc))
    acc, at = acc[order], at[order]
    channel = _cat([d.channel for d in days], np.int8)[order]
    outcome = _cat([d.outcome for d in days], np.int8)[order]
    point = _cat([d.point for d in days])[order]
    dpd = _cat([d.dpd for d in days])[order]
    cust = book.customer[acc]
    calls = np.flatnonzero(channel == CHANNELS.index("human_call"))
    agent_idx = np.full(acc.size, len(staff.agent_id), dtype=np.int64)
    agent_idx[calls] = _agents_for_calls(rng, staff, acc[calls], cust[calls], people, dpd[calls])
    agent_ids = pl.concat([staff.agent_id, pl.Series([None], dtype=pl.String)])
    return to_contract(
        "attempts",
        {
            "attempt_id": ids("AT", acc.size, 10),
            "account_id": take(book.account_id, acc),
            "contact_id": take(contact_id, point),
            "channel": gather(CHANNELS, channel),
            "at": utc_series("at", at),
            "outcome": gather(OUTCOMES, outcome),
            "agent_id": take(agent_ids, agent_idx),
        },
    )


def _payments_table(days: list[DayMoney], book: Book) -> pl.DataFrame:
    acc = _cat([d.account for d in days])
    at = _cat([d.at for d in days])
    amount = _cat([d.amount for d in days], np.float64)
    real = amount > 0
    acc, at, amount = acc[real], at[real], amount[real]
    order = np.lexsort((at, acc))
    return to_contract(
        "payments",
        {
            "payment_id": ids("PAY", order.size, 9),
            "account_id": take(book.account_id, acc[order]),
            "paid_at": utc_series("paid_at", at[order]),
            "amount": amount[order],
        },
    )


def _promises_table(
    days: list[DayPromises], book: Book, payments: pl.DataFrame, as_of: dt.date
) -> pl.DataFrame:
    """The promises, their status derived from the payments as the planner derives it."""
    acc = _cat([d.account for d in days])
    made = _cat([d.made_at for d in days])
    order = np.lexsort((made, acc))
    raw = to_contract(
        "promises",
        {
            "promise_id": ids("PR", order.size, 9),
            "account_id": take(book.account_id, acc[order]),
            "made_at": utc_series("made_at", made[order]),
            "due_date": date_series("due_date", _cat([d.due_day for d in days])[order]),
            "amount": _cat([d.amount for d in days], np.float64)[order],
            "status": pl.Series([None] * order.size, dtype=pl.String),
        },
    )
    status = promise_status(raw, payments, as_of).select("promise_id", "status").collect()
    return raw.drop("status").join(status, on="promise_id", how="left", maintain_order="left")
