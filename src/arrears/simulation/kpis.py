"""What an arm achieved: daily figures while it runs, per-bucket and overall KPIs at the end.

Buckets are the industry's 30-day buckets (`DEFAULT_BUCKETS`) of each account's dpd on the
first morning, whatever buckets the strategies draw, so both arms are cut the same way.
- recovered: collections (payments of overdue accounts; regular instalments of current
  accounts are not collections); recovery rate: recovered from the accounts overdue on the
  first morning over their overdue amount then;
- roll rate: of the accounts in a bucket on the first morning, the share still overdue at the
  end whose dpd went past the bucket's last day (the last, open bucket has none);
- cure rate: of the accounts overdue on the first morning, the share current at the end;
- cost: contacts at the knobs' prices plus agency commission on what agencies' accounts paid;
- with a dialer floor (`Knobs.dialer`): calls the floor abandoned, and per day the floors'
  listed calls, dials, live answers, calls never dialled (`unplaced`), guard refusals at dial
  time and robot hand-overs (`floor_*`, 0 without a floor);
- without a floor: calls the live check held back (`held`, `Knobs.live_check`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.generate._common import EPOCH
from arrears.planning.features import promise_status
from arrears.simulation.day import DayResult
from arrears.simulation.floor import COUNTS
from arrears.simulation.world import World
from arrears.strategy.model import DEFAULT_BUCKETS

BUCKETS: tuple[str, ...] = tuple(b.name for b in DEFAULT_BUCKETS)
_RPC = OUTCOMES.index("rpc")


def bucket_of(dpd: np.ndarray) -> np.ndarray:
    """Index into BUCKETS (M0 for dpd 0)."""
    lows = np.array([b.lo for b in DEFAULT_BUCKETS[1:]])
    return np.searchsorted(lows, dpd, side="right")


@dataclass
class Tally:
    """An arm's running totals (per account arrays, per day rows)."""

    start: dt.date
    start_dpd: np.ndarray
    start_overdue: np.ndarray
    recovered: np.ndarray
    cost: np.ndarray
    complaints: np.ndarray
    contacts: np.ndarray
    promises_made: int = 0
    first_promise_frame: int = 0  # the promises ledger's frames before the run
    daily: list[dict[str, object]] = field(default_factory=list)
    by_hour: np.ndarray = field(default_factory=lambda: np.zeros((len(CHANNELS), 24), np.int64))


def start_tally(world: World) -> Tally:
    n = world.state.status.size
    return Tally(
        start=world.date,
        start_dpd=world.state.dpd(world.day).copy(),
        start_overdue=world.state.overdue.copy(),
        recovered=np.zeros(n),
        cost=np.zeros(n),
        complaints=np.zeros(n, dtype=np.int64),
        contacts=np.zeros(n, dtype=np.int64),
        first_promise_frame=len(world.ledgers.promises),
    )


def add_day(tally: Tally, result: DayResult) -> None:
    ex = result.executed
    n = tally.recovered.size
    tally.recovered += result.recovered
    tally.cost += result.cost
    tally.complaints += np.bincount(ex.attempts.account[ex.complaint], minlength=n)
    tally.contacts += np.bincount(ex.attempts.account, minlength=n)
    tally.promises_made += int(result.promises.account.size)
    np.add.at(tally.by_hour, (ex.attempts.channel.astype(np.int64), ex.local_hour % 24), 1)
    by_channel = np.bincount(ex.attempts.channel.astype(np.int64), minlength=len(CHANNELS))
    row: dict[str, object] = {
        "date": EPOCH + dt.timedelta(days=result.day),
        "recovered": float(result.recovered.sum()),
        "cost": float(result.cost.sum()),
        "planned": result.planned,
        "contacts": ex.size,
        "rpc": int((ex.attempts.outcome == _RPC).sum()),
        "promises": int(result.promises.account.size),
        "complaints": int(ex.complaint.sum()),
        "blocked": int(sum(result.blocked.values())),
        "held": int(sum(result.held.values())),
        "violations": result.violations,
        "verified": result.verified,
        "abandoned": int(ex.abandoned.sum()),
    }
    row.update({f"floor_{name}": int(ex.floor.get(name, 0)) for name in COUNTS})
    row.update({f"contacts_{c}": int(by_channel[i]) for i, c in enumerate(CHANNELS)})
    row.update({f"seconds_{k}": v for k, v in result.seconds.items()})
    tally.daily.append(row)


def bucket_table(tally: Tally, world: World) -> pl.DataFrame:
    """Per starting bucket: accounts, overdue, recovered and rate, roll and cure rates, cost.
    (Sums in NumPy, in account order: the same inputs give the same bits.)"""
    st = world.state
    b = bucket_of(tally.start_dpd)
    overdue0 = tally.start_dpd > 0
    current_end = st.due_day < 0
    highs = np.array([b_.hi if b_.hi is not None else -1 for b_ in DEFAULT_BUCKETS])
    rolled = (~current_end) & (highs[b] >= 0) & (st.dpd(world.day) > highs[b]) & overdue0
    k = len(BUCKETS)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(b, weights=values.astype(np.float64), minlength=k)

    frame = pl.DataFrame(
        {
            "bucket": list(BUCKETS),
            "accounts": np.bincount(b, minlength=k),
            "overdue_start": total(tally.start_overdue),
            "recovered": total(tally.recovered),
            "cost": total(tally.cost),
            "contacts": total(tally.contacts).astype(np.int64),
            "complaints": total(tally.complaints).astype(np.int64),
            "overdue_accounts": total(overdue0).astype(np.int64),
            "rolled": total(rolled),
            "cured": total(overdue0 & current_end),
            "has_roll": highs >= 0,
        }
    )
    return (
        frame.filter(pl.col("accounts") > 0)
        .with_columns(
            _share("recovered", "overdue_start").alias("recovery_rate"),
            pl.when(pl.col("has_roll"))
            .then(_share("rolled", "overdue_accounts"))
            .alias("roll_rate"),
            _share("cured", "overdue_accounts").alias("cure_rate"),
        )
        .drop("has_roll", "rolled", "cured")
    )


def _share(part: str, whole: str) -> pl.Expr:
    """part / whole, null where the whole is 0 (no overdue account to roll, cure or pay)."""
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole))


def summary(tally: Tally, world: World) -> dict[str, float | int]:
    """The arm's KPIs over the whole run."""
    overdue0 = tally.start_dpd > 0
    daily = pl.DataFrame(tally.daily) if tally.daily else pl.DataFrame()
    kept, broken = _promises_kept(world, tally)
    recovered = float(tally.recovered.sum())
    cost = float(tally.cost.sum())
    out: dict[str, float | int] = {
        "accounts": int(tally.recovered.size),
        "days": len(tally.daily),
        "overdue_start": float(tally.start_overdue[overdue0].sum()),
        "recovered": recovered,
        "recovered_from_start_book": float(tally.recovered[overdue0].sum()),
        "recovery_rate": _ratio(
            float(tally.recovered[overdue0].sum()), float(tally.start_overdue[overdue0].sum())
        ),
        "cure_rate": _ratio(
            float((overdue0 & (world.state.due_day < 0)).sum()), float(overdue0.sum())
        ),
        "cost": cost,
        "recovered_per_cost": _ratio(recovered, cost),
        "contacts": int(tally.contacts.sum()),
        "promises_made": tally.promises_made,
        "promises_kept": kept,
        "promises_broken": broken,
        "complaints": int(tally.complaints.sum()),
    }
    if daily.height:
        for name in (
            "rpc",
            "blocked",
            "held",
            "violations",
            "verified",
            "abandoned",
            *[f"floor_{name}" for name in COUNTS],
            *[f"contacts_{c}" for c in CHANNELS],
        ):
            out[name] = int(daily.get_column(name).sum())
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _promises_kept(world: World, tally: Tally) -> tuple[int, int]:
    """Promises made during the run that were kept / broken by the last day."""
    made = world.ledgers.promises[tally.first_promise_frame :]
    if not made:
        return 0, 0
    promises = pl.concat(made, how="vertical")
    if promises.is_empty():
        return 0, 0
    payments = pl.concat(world.ledgers.payments, how="vertical")
    status = promise_status(promises, payments, world.date).collect().get_column("status")
    return int((status == "kept").sum()), int((status == "broken").sum())
