"""The `plan` job as a shell around the pure core: read inputs, plan, write the run folder."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from arrears.assignment.timing import with_suggested_timing
from arrears.contract.load import Portfolio, load_portfolio, locate
from arrears.contract.shards import shard_count, split_inputs
from arrears.planning.derived import CUSTOMER_COLUMNS, DERIVED, SCORES
from arrears.planning.output import RunRecord, record_of, write_run
from arrears.planning.plan import PlanResult, plan_day
from arrears.planning.shards import Gathered, add_time, plan_shard, validate_shard
from arrears.strategy.check import check_strategy
from arrears.strategy.load import Diagnostic, StrategyError, load_strategy
from arrears.strategy.model import Strategy
from arrears.templates.resolve import checked_library

if TYPE_CHECKING:
    from arrears.scoring.apply import ModelSet
    from arrears.templates.library import Library


@dataclass
class RunOutcome:
    out: Path
    record: RunRecord
    timings: dict[str, float]
    shards: int
    # The whole frames, for callers that want them; only a run planned in one piece has them.
    result: PlanResult | None = None
    portfolio: Portfolio | None = None


def condition_columns(portfolio: Portfolio, scores: Iterable[str] = ()) -> dict[str, pl.DataType]:
    """The columns a strategy's conditions may use on this data (and the scores of the
    models loaded), with their types."""
    columns: dict[str, pl.DataType] = dict(portfolio.tables["accounts"].schema)
    customers = portfolio.tables["customers"].schema
    for name in CUSTOMER_COLUMNS:
        if name in customers and name not in columns:
            columns[name] = customers[name]
    columns.update(DERIVED)
    columns.update({name: SCORES[name] for name in scores})
    return columns


def team_kinds(portfolio: Portfolio) -> dict[str, str] | None:
    """Team id → kind from the data's `teams` table (None when there is none)."""
    teams = portfolio.tables.get("teams")
    if teams is None:
        return None
    return {str(t): str(k) for t, k in teams.select("team_id", "kind").iter_rows()}


def checked_strategy(
    path: Path, portfolio: Portfolio | None = None, models: ModelSet | None = None
) -> Strategy:
    """Load a strategy and refuse it when it has errors (warnings pass)."""
    strategy = load_strategy(path)
    scores = models.score_columns() if models is not None else []
    columns = condition_columns(portfolio, scores) if portfolio is not None else None
    teams = team_kinds(portfolio) if portfolio is not None else None
    errors: list[Diagnostic] = [
        d for d in check_strategy(strategy, columns, teams) if d.severity == "error"
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
    shards: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
    solver: str = "flow",
    models: Path | None = None,
    timing: Path | None = None,
    templates: Path | None = None,
) -> RunOutcome:
    """Plan `run_date` and write the run folder `out`.

    Large portfolios are planned by customer shards (`shards`; by default one per
    ACCOUNTS_PER_SHARD accounts, so the same inputs always give the same shards) to keep
    memory bounded. The files are those a run in one piece writes, except the order of rows in
    `accounts.parquet` (sorted by account within each shard). `models`, a folder `arrears
    train` wrote, adds the model scores (`score_<target>`) that conditions may use; `timing`,
    a file `arrears suggest-timing` wrote, starts the `from_dpd: knee` assign steps at the knee.
    `templates`, a template library folder, overrides the strategy's `templates:`; with either,
    every action gets an approved template (docs/templates.md).
    """
    started = clock()
    paths = locate(data)
    count = shards if shards is not None else shard_count(paths)
    model_set = _load_models(models)
    suggestions = _load_timing(timing)
    if count > 1:
        return _run_sharded(
            paths, strategy_path, run_date, out, count, clock, started, solver, model_set,
            suggestions, templates,
        )  # fmt: skip
    portfolio = load_portfolio(data, paths)
    loaded = clock()
    strategy, knees = _timed(checked_strategy(strategy_path, portfolio, model_set), suggestions)
    library = checked_library(strategy, templates, portfolio.tables["customers"])
    result = plan_day(
        portfolio, strategy, run_date, clock=clock, solver=solver, models=model_set,
        templates=library,
    )  # fmt: skip
    timings = {"load_validate": round(loaded - started, 4), **result.timings}
    record = record_of(result, portfolio)
    record.timing = knees
    record.templates = library_summary(library)
    written = write_run(out, record, timings, clock=clock, started_at=started)
    return RunOutcome(written, record, timings, 1, result, portfolio)


def library_summary(library: Library | None) -> dict[str, Any] | None:
    """For the manifest: which template library the run planned with."""
    if library is None:
        return None
    return {
        "folder": str(library.root),
        "content_hash": library.content_hash,
        "templates": len(library.templates),
        "approved": len(library.approved()),
    }


def _load_models(models: Path | None) -> ModelSet | None:
    if models is None:
        return None
    from arrears.scoring.apply import load_models

    return load_models(models)


def _load_timing(timing: Path | None) -> dict[str, Any] | None:
    if timing is None:
        return None
    from arrears.analytics.timing import load_suggestions

    return load_suggestions(timing)


def _timed(
    strategy: Strategy, suggestions: dict[str, Any] | None
) -> tuple[Strategy, dict[str, Any] | None]:
    if suggestions is None:
        return strategy, None
    return with_suggested_timing(strategy, suggestions)


def _run_sharded(
    paths: dict[str, Path],
    strategy_path: Path,
    run_date: date,
    out: Path,
    count: int,
    clock: Callable[[], float],
    started: float,
    solver: str,
    models: ModelSet | None,
    suggestions: dict[str, Any] | None,
    templates: Path | None = None,
) -> RunOutcome:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    strategy = load_strategy(strategy_path)  # a broken file fails before the long split
    library = checked_library(strategy, templates)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.shards-", dir=out.parent) as tmp:
        work = Path(tmp)
        inputs = split_inputs(paths, work / "inputs", count)
        gathered = Gathered(work, {"split": round(clock() - started, 4)})
        staff: dict[str, pl.DataFrame | None] = {"teams": None, "agents": None}
        for index in range(count):
            lap = clock()
            portfolio = validate_shard(
                inputs.raws(index),
                duplicates=inputs.duplicates,
                extra_types=inputs.extra_types,
                files=inputs.files,
            )
            add_time(gathered.timings, "load_validate", clock() - lap)
            if index == 0:
                strategy, knees = _timed(
                    checked_strategy(strategy_path, portfolio, models), suggestions
                )
            for name in staff:  # teams and agents come whole, in one shard
                staff[name] = staff[name] if staff[name] is not None else portfolio.tables.get(name)
            plan = plan_shard(
                portfolio, strategy, run_date, teams=staff["teams"], models=models,
                library=library, clock=clock,
            )  # fmt: skip
            gathered.add(plan)
            del portfolio, plan
        written, record = gathered.finish(
            strategy=strategy, staff=staff, run_date=run_date, solver=solver, models=models,
            files=inputs.files, fingerprints=inputs.fingerprints(), out=out, clock=clock,
            started=started, timing=knees, templates=library_summary(library),
        )  # fmt: skip
    return RunOutcome(written, record, gathered.timings, count)
