"""The `plan` job as a shell around the pure core: read inputs, plan, write the run folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from arrears.contract.load import Portfolio, load_portfolio
from arrears.planning.derived import CUSTOMER_COLUMNS, DERIVED
from arrears.planning.output import record_of, write_run
from arrears.planning.plan import PlanResult, plan_day
from arrears.strategy.check import check_strategy
from arrears.strategy.load import Diagnostic, StrategyError, load_strategy
from arrears.strategy.model import Strategy


@dataclass
class RunOutcome:
    out: Path
    result: PlanResult
    portfolio: Portfolio
    timings: dict[str, float]


def condition_columns(portfolio: Portfolio) -> dict[str, pl.DataType]:
    """The columns a strategy's conditions may use on this data, with their types."""
    columns: dict[str, pl.DataType] = dict(portfolio.tables["accounts"].schema)
    customers = portfolio.tables["customers"].schema
    for name in CUSTOMER_COLUMNS:
        if name in customers and name not in columns:
            columns[name] = customers[name]
    columns.update(DERIVED)
    return columns


def checked_strategy(path: Path, portfolio: Portfolio | None = None) -> Strategy:
    """Load a strategy and refuse it when it has errors (warnings pass)."""
    strategy = load_strategy(path)
    columns = condition_columns(portfolio) if portfolio is not None else None
    errors: list[Diagnostic] = [
        d for d in check_strategy(strategy, columns) if d.severity == "error"
    ]
    if errors:
        raise StrategyError(errors)
    return strategy


def run_plan(
    *,
    data: Path,
    strategy_path: Path,
    run_date: date,
    out: Path,
    clock: Callable[[], float] = time.perf_counter,
) -> RunOutcome:
    started = clock()
    portfolio = load_portfolio(data)
    loaded = clock()
    strategy = checked_strategy(strategy_path, portfolio)
    result = plan_day(portfolio, strategy, run_date, clock=clock)
    timings = {"load_validate": round(loaded - started, 4), **result.timings}
    written = write_run(out, record_of(result, portfolio), timings, clock=clock, started_at=started)
    return RunOutcome(written, result, portfolio, timings)
