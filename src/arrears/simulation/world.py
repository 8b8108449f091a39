"""The simulated world: a generated book, its customers' latent traits, and its ledgers.

`start_world` draws a portfolio with `arrears.generate` and simulates its history up to the
first day (so the guard's caps and the features have a ledger behind them), then hands over:
from that day on, the strategy under test makes the contacts. `portfolio_of` gives the
contract tables of a morning, what `plan_day` reads — the simulator runs the real pipeline.

The customers' latent traits: willingness to pay (`State.propensity`, lognormal, mean about
1: the payment hazard, promises meant to be kept), ability to pay (`ability_u`, a rank; see
`ability`), self-cure (the knobs' hazard by dpd band), contactability by hour and weekday per
contact point (`Reach`: a rhythm per number, a reachability per person), the response to each
channel and tone (the knobs' lifts and promise chances), and complaint propensity
(`complaint_trait`, lognormal, mean 1).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from arrears.contract.load import Portfolio
from arrears.generate._common import EPOCH
from arrears.generate.dynamics import State
from arrears.generate.snapshots import (
    Simulated,
    accounts_table,
    freeze,
    history_tables,
    simulate_history,
)
from arrears.planning.features import promise_status
from arrears.simulation.knobs import Knobs

LEDGER_DAYS = 60  # days of attempts, payments and promises a morning's plan reads


@dataclass
class Ledgers:
    """What happened, in the contract's tables (appended day by day)."""

    attempts: list[pl.DataFrame]
    payments: list[pl.DataFrame]
    promises: list[pl.DataFrame]
    complaints: list[pl.DataFrame]
    counts: dict[str, int] = field(default_factory=dict)  # rows so far, for the next ids

    def next_id(self, table: str, n: int) -> int:
        start = self.counts.get(table, 0) + 1
        self.counts[table] = start - 1 + n
        return start


@dataclass
class World:
    seed: int
    knobs: Knobs
    sim: Simulated  # book, people, contact book, rhythms and the state of every account
    day: int  # the next day to simulate (days since EPOCH)
    static: dict[str, pl.DataFrame]  # customers, teams, agents
    contacts: pl.DataFrame  # changes: opt-outs and refusals
    cases: pl.DataFrame  # owners, from each day's assignment
    ledgers: Ledgers
    account_index: pl.DataFrame  # account_id -> row of the state arrays
    contact_index: pl.DataFrame  # contact_id -> row of the contact book
    complaint_trait: np.ndarray  # per customer, lognormal with mean 1
    lift: np.ndarray  # per account: the current lift of past contacts on the payment hazard
    agency_rate: np.ndarray  # per account: commission rate of the agency owning it (0 if none)
    ability_u: np.ndarray  # per account: its rank in ability to pay (`ability.ability_of`)
    reached_log: list[np.ndarray] = field(default_factory=list)  # per customer, last 6 days

    def week_reached(self) -> np.ndarray:
        """Per customer: contacts that reached someone over the 6 days before today."""
        total = np.zeros(self.complaint_trait.size, dtype=np.int64)
        for counts in self.reached_log[-6:]:
            total += counts
        return total

    @property
    def state(self) -> State:
        return self.sim.state

    @property
    def date(self) -> dt.date:
        return EPOCH + dt.timedelta(days=self.day)

    def fork(self) -> World:
        """An independent copy (the arms of a comparison start from one world)."""
        state = copy.deepcopy(self.sim.state)
        sim = copy.copy(self.sim)
        sim.state = state
        ledgers = Ledgers(
            list(self.ledgers.attempts), list(self.ledgers.payments),
            list(self.ledgers.promises), list(self.ledgers.complaints), dict(self.ledgers.counts),
        )  # fmt: skip
        return replace(
            self, sim=sim, ledgers=ledgers, lift=self.lift.copy(),
            agency_rate=self.agency_rate.copy(), reached_log=list(self.reached_log),
        )  # fmt: skip


def start_world(
    *, accounts: int, seed: int, country: str, start: dt.date, knobs: Knobs, warm_up: int = 30
) -> World:
    """A generated book with `warm_up` days of history, ready to be simulated from `start`."""
    sim = simulate_history(
        accounts=accounts, seed=seed, country=country, as_of=start, days=0, warm_up=warm_up
    )
    tables, _ = history_tables(sim)
    rng = np.random.default_rng([seed, 7])
    sigma = knobs.complaint_sigma
    trait = rng.lognormal(-(sigma**2) / 2, sigma, sim.people.table.height)
    ability_u = np.random.default_rng([seed, 8]).random(sim.book.size)
    counts = {
        name: tables[name].height for name in ("attempts", "payments", "promises", "complaints")
    }
    world = World(
        seed=seed,
        knobs=knobs,
        sim=sim,
        day=(start - EPOCH).days,
        static={name: tables[name] for name in ("customers", "teams", "agents")},
        contacts=tables["contacts"],
        cases=tables["cases"],
        ledgers=Ledgers(
            [tables["attempts"]],
            [tables["payments"]],
            [tables["promises"]],
            [tables["complaints"]],
            counts,
        ),
        account_index=pl.DataFrame(
            {"account_id": sim.book.account_id, "row": np.arange(sim.book.size, dtype=np.int64)}
        ),
        contact_index=pl.DataFrame(
            {"contact_id": sim.contacts.contact_id, "pos": np.arange(sim.contacts.dead.size)}
        ),
        complaint_trait=trait,
        lift=np.zeros(sim.book.size),
        agency_rate=np.zeros(sim.book.size),
        ability_u=ability_u,
    )
    return world


def _recent(frames: list[pl.DataFrame], column: str, since: dt.datetime) -> pl.DataFrame:
    frame = pl.concat(frames, how="vertical")
    return frame.filter(pl.col(column) >= since)


def portfolio_of(world: World) -> Portfolio:
    """The contract tables as they stand at 00:00 UTC of the world's day."""
    st = world.state
    since = dt.datetime.combine(world.date - dt.timedelta(days=LEDGER_DAYS), dt.time(), dt.UTC)
    accounts = accounts_table(world.sim.book, freeze(st))
    payments = _recent(world.ledgers.payments, "paid_at", since)
    promises = _recent(world.ledgers.promises, "made_at", since)
    status = promise_status(promises, payments, world.date).select("promise_id", "status")
    promises = promises.drop("status").join(
        status.collect(), on="promise_id", how="left", maintain_order="left"
    )
    tables = {
        "customers": world.static["customers"],
        "accounts": accounts,
        "contacts": world.contacts,
        "attempts": _recent(world.ledgers.attempts, "at", since),
        "payments": payments,
        "promises": promises,
        "teams": world.static["teams"],
        "agents": world.static["agents"],
        "cases": world.cases,
        "complaints": pl.concat(world.ledgers.complaints, how="vertical"),
    }
    return Portfolio(tables=tables, rejects=pl.DataFrame())


def rows_of(index: pl.DataFrame, ids: pl.Series, key: str, column: str) -> np.ndarray:
    """The rows (positions) of `ids` in an id -> row index."""
    found = pl.DataFrame({key: ids}).join(index, on=key, how="left", maintain_order="left")
    return found.get_column(column).to_numpy()
