"""`arrears simulate`: champion (and challenger) day after day on one simulated book.

Both arms start from the same world (`start_world` once, then `World.fork`) and every draw is
keyed by day and purpose (`crn`), so the customers, their traits and their luck are common;
only the strategies differ. The run writes, in `out`:

- `summary.json` — the arms' KPIs, and each difference (challenger − champion) with its 95 %
  bootstrap CI over customers;
- `daily.parquet` — per arm and day: recovered, cost, contacts by channel, rpc, promises,
  complaints, compliance blocks and violations, seconds per stage;
- `buckets.parquet` — per arm and starting bucket: recovery, roll and cure rates, cost;
- `hours.parquet` — per arm, channel and local hour: contacts;
- `report.html` — the same, with plots, readable without the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from arrears.contract.tables import CHANNELS
from arrears.simulation.compare import Difference, paired_difference, per_customer
from arrears.simulation.crn import stream
from arrears.simulation.day import simulate_day
from arrears.simulation.knobs import Knobs
from arrears.simulation.kpis import Tally, add_day, bucket_table, start_tally, summary
from arrears.simulation.world import World, portfolio_of, start_world
from arrears.strategy.model import Strategy

Progress = Callable[[str, int, int], None]  # (arm, days done, days)
COMPARED: tuple[str, ...] = ("recovered", "cost", "net", "contacts", "complaints")


@dataclass
class Arm:
    name: str
    strategy: Strategy
    tally: Tally
    world: World
    kpis: dict[str, Any] = field(default_factory=dict)
    buckets: pl.DataFrame | None = None


@dataclass
class Simulation:
    arms: list[Arm]
    differences: list[Difference]
    settings: dict[str, Any]
    seconds: float


def run_arm(
    name: str,
    world: World,
    strategy: Strategy,
    days: int,
    *,
    verify: bool,
    progress: Progress | None = None,
) -> Arm:
    from arrears.templates.resolve import checked_library

    tally = start_tally(world)
    library = checked_library(strategy, None, world.static["customers"])
    for i in range(days):
        add_day(tally, simulate_day(world, strategy, verify=verify, templates=library))
        if progress is not None:
            progress(name, i + 1, days)
    arm = Arm(name, strategy, tally, world)
    arm.kpis = summary(tally, world)
    arm.buckets = bucket_table(tally, world)
    return arm


def simulate(
    strategies: list[tuple[str, Strategy]],
    *,
    accounts: int,
    days: int,
    seed: int,
    country: str = "CN",
    start: dt.date,
    knobs: Knobs | None = None,
    verify: bool = True,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Simulation:
    """Run each strategy on the same simulated book; the first is the champion."""
    if not strategies:
        raise ValueError("at least one strategy")
    if days < 1:
        raise ValueError("days must be at least 1")
    started = clock()
    knobs = knobs or Knobs()
    base = start_world(accounts=accounts, seed=seed, country=country, start=start, knobs=knobs)
    for _, strategy in strategies:
        refuse_errors(strategy, base)
    arms = [
        run_arm(name, base.fork(), strategy, days, verify=verify, progress=progress)
        for name, strategy in strategies
    ]
    differences = compare_arms(arms[0], arms[1], seed) if len(arms) > 1 else []
    settings = {
        "accounts": accounts,
        "days": days,
        "seed": seed,
        "country": country,
        "start": start.isoformat(),
        "verify": verify,
        "knobs": knobs_dict(knobs),
    }
    return Simulation(arms, differences, settings, round(clock() - started, 3))


def refuse_errors(strategy: Strategy, world: World) -> None:
    """A strategy with errors on the simulated book's columns and teams is refused, as
    `arrears plan` refuses it (warnings pass)."""
    from arrears.planning.run import condition_columns, team_kinds
    from arrears.strategy.check import check_strategy
    from arrears.strategy.load import StrategyError

    portfolio = portfolio_of(world)
    found = check_strategy(strategy, condition_columns(portfolio), team_kinds(portfolio))
    errors = [d for d in found if d.severity == "error"]
    if errors:
        raise StrategyError(errors)


def compare_arms(champion: Arm, challenger: Arm, seed: int) -> list[Difference]:
    """Paired differences per customer, with bootstrap CIs."""
    customer = champion.world.sim.book.customer
    n = int(champion.world.complaint_trait.size)
    rng = stream(seed, 0, "bootstrap")

    def figure(arm: Arm, metric: str) -> np.ndarray:
        t = arm.tally
        values = {
            "recovered": t.recovered,
            "cost": t.cost,
            "net": t.recovered - t.cost,
            "contacts": t.contacts.astype(np.float64),
            "complaints": t.complaints.astype(np.float64),
        }[metric]
        return per_customer(values, customer, n)

    return [paired_difference(m, figure(champion, m), figure(challenger, m), rng) for m in COMPARED]


def knobs_dict(knobs: Knobs) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in vars(knobs).items():
        out[name] = (
            dict(value)
            if hasattr(value, "items")
            else (list(value) if isinstance(value, tuple) else value)
        )
    return out


def daily_table(sim: Simulation) -> pl.DataFrame:
    return pl.concat(
        [
            pl.DataFrame(arm.tally.daily).select(pl.lit(arm.name).alias("arm"), pl.all())
            for arm in sim.arms
        ],
        how="diagonal",
    )


def hours_table(sim: Simulation) -> pl.DataFrame:
    rows = []
    for arm in sim.arms:
        grid = arm.tally.by_hour
        for c, h in zip(*np.nonzero(grid), strict=True):
            rows.append({"arm": arm.name, "channel": CHANNELS[c], "local_hour": int(h),
                         "contacts": int(grid[c, h])})  # fmt: skip
    schema = {"arm": pl.String, "channel": pl.String, "local_hour": pl.Int64, "contacts": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def buckets_table(sim: Simulation) -> pl.DataFrame:
    return pl.concat(
        [
            arm.buckets.select(pl.lit(arm.name).alias("arm"), pl.all())
            for arm in sim.arms
            if arm.buckets is not None
        ]
    )


def summary_doc(sim: Simulation) -> dict[str, Any]:
    return {
        "settings": sim.settings,
        "seconds": sim.seconds,
        "arms": [
            {
                "name": a.name,
                "strategy": a.strategy.name,
                "version": a.strategy.version,
                "kpis": a.kpis,
            }
            for a in sim.arms
        ],
        "differences": [d.as_dict() for d in sim.differences],
    }


def write_simulation(sim: Simulation, out: Path, lang: str = "en") -> dict[str, Path]:
    """Write the run's files into `out` (created); returns them by name."""
    from arrears.simulation.report import write_report

    out.mkdir(parents=True, exist_ok=True)
    files = {
        "summary": out / "summary.json",
        "daily": out / "daily.parquet",
        "buckets": out / "buckets.parquet",
        "hours": out / "hours.parquet",
        "report": out / "report.html",
    }
    doc = summary_doc(sim)
    files["summary"].write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    daily = daily_table(sim)
    buckets = buckets_table(sim)
    hours = hours_table(sim)
    daily.write_parquet(files["daily"])
    buckets.write_parquet(files["buckets"])
    hours.write_parquet(files["hours"])
    write_report(files["report"], doc, daily, buckets, hours, lang)
    return files
