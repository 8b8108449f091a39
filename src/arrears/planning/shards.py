"""Planning a portfolio by customer shards: one shard planned from its raw tables, and the
run finished once over all of them. The local sharded run (`run.py`) and the Spark engine
(`arrears.spark.plan`) both call these, so a shard is planned by one piece of code whichever
engine carries it.

A shard holds whole customers (their accounts, contact points and the history of their
accounts), so everything decided about an account (features, segment, steps, compliance caps
and windows that span a customer's accounts) is decided inside one shard. What spans shards
(owners' capacities, agents' hours) is done once, by `Gathered.finish`, over all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from arrears.assignment.agencies import agency_facts, agency_table
from arrears.assignment.stage import assign_wanted, wanted_rows, with_owners
from arrears.contract.load import Portfolio, sort_rejects, validate_all
from arrears.dialing.stage import Counts, call_lists, contact_model, counts_of, strategy_settings
from arrears.planning.output import (
    RunRecord,
    account_counts,
    by_account,
    input_summary,
    merge_account_counts,
    write_run,
)
from arrears.planning.plan import Scoring, plan_day
from arrears.strategy.model import Strategy

if TYPE_CHECKING:
    from arrears.scoring.apply import ModelSet
    from arrears.templates.library import Library


@dataclass
class ShardPlan:
    """What one shard gives the run (everything but the assignment and the call lists)."""

    actions: pl.DataFrame
    blocked: pl.DataFrame
    rejects: pl.DataFrame
    accounts: pl.DataFrame | None  # in account order; None once written as a part
    counts: dict[str, Any]  # `account_counts` of the shard's accounts
    checked: int
    rows_read: dict[str, int]
    ledger: Counts
    wanted: pl.DataFrame | None = None  # rows the assignment needs (a strategy that assigns)
    cases: pl.DataFrame | None = None
    facts: pl.DataFrame | None = None  # agency facts
    drift: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)


def validate_shard(
    raws: Iterable[tuple[str, pl.DataFrame]],
    *,
    duplicates: Mapping[str, pl.Series],
    extra_types: Mapping[str, Mapping[str, pl.DataType]],
    files: dict[str, str],
) -> Portfolio:
    """The shard's raw tables (in load order) validated, with what holds over the whole files
    (rows repeating a key, the types of a lender's own columns) given."""
    clean, rejects, rows = validate_all(raws, duplicates=duplicates, extra_types=extra_types)
    return Portfolio(clean, rejects, files, {}, rows)


def plan_shard(
    portfolio: Portfolio,
    strategy: Strategy,
    run_date: date,
    *,
    teams: pl.DataFrame | None,
    models: ModelSet | None = None,
    library: Library | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> ShardPlan:
    """Plan one shard without assigning (`plan_day(assign=False)`); `teams` are the whole
    book's (validated) teams, for the facts of the agencies holding the shard's cases."""
    clean = portfolio.tables
    result = plan_day(
        portfolio, strategy, run_date, clock=clock, assign=False, models=models,
        templates=library,
    )  # fmt: skip
    timings: dict[str, float] = {}
    lap = clock()
    wanted = cases = facts = None
    if strategy.assignments():  # owners span shards: assigned once, by `Gathered.finish`
        wanted = wanted_rows(result.accounts, strategy)
        cases = clean.get("cases")
        facts = agency_facts({**clean, "teams": teams}, result.blocked)
    add_time(timings, "assign", clock() - lap)
    lap = clock()
    ledger = counts_of(
        clean, run_date, contact_model(models), result.actions.get_column("contact_id")
    )
    add_time(timings, "schedule", clock() - lap)
    for stage, seconds in result.timings.items():
        add_time(timings, stage, seconds)
    return ShardPlan(
        actions=result.actions,
        blocked=result.blocked,
        rejects=portfolio.rejects,
        accounts=by_account(result.accounts),
        counts=account_counts(result.accounts),
        checked=result.checked,
        rows_read=dict(portfolio.rows_read),
        ledger=ledger,
        wanted=wanted,
        cases=cases,
        facts=facts,
        drift=None if result.scoring is None else result.scoring.drift,
        timings=timings,
    )


@dataclass
class Gathered:
    """The shards' plans as they come (accounts written as parquet parts under `work`), and
    the run finished from them."""

    work: Path
    timings: dict[str, float]
    actions: list[pl.DataFrame] = field(default_factory=list)
    blocked: list[pl.DataFrame] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list)
    counts: list[dict[str, Any]] = field(default_factory=list)
    parts: list[Path] = field(default_factory=list)
    wanted: list[pl.DataFrame] = field(default_factory=list)
    cases: list[pl.DataFrame] = field(default_factory=list)
    facts: list[pl.DataFrame] = field(default_factory=list)
    ledgers: list[Counts] = field(default_factory=list)
    drifts: list[dict[str, Any]] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)
    checked: int = 0

    def add(self, plan: ShardPlan, accounts: pl.DataFrame | Path | None = None) -> None:
        """Keep a shard's plan; its accounts (the plan's, or a frame or part file given) are
        written as the next part, in the order shards are added."""
        part = self.work / f"accounts-{len(self.parts):04d}.parquet"
        found = plan.accounts if accounts is None else accounts
        if isinstance(found, Path):
            part = found
        elif found is not None:
            found.write_parquet(part)
        self.parts.append(part)
        plan.accounts = None
        if plan.drift is not None:
            self.drifts.append(plan.drift)
        for stage, seconds in plan.timings.items():
            add_time(self.timings, stage, seconds)
        if plan.wanted is not None:
            self.wanted.append(plan.wanted)
        if plan.cases is not None:
            self.cases.append(plan.cases)
        if plan.facts is not None:
            self.facts.append(plan.facts)
        self.ledgers.append(plan.ledger)
        self.actions.append(plan.actions)
        self.blocked.append(plan.blocked)
        self.rejects.append(plan.rejects)
        self.counts.append(plan.counts)
        self.checked += plan.checked
        for name, n in plan.rows_read.items():
            self.rows_read[name] = self.rows_read.get(name, 0) + n

    def finish(
        self,
        *,
        strategy: Strategy,
        staff: Mapping[str, pl.DataFrame | None],
        run_date: date,
        solver: str,
        models: ModelSet | None,
        files: dict[str, str],
        fingerprints: dict[str, str],
        out: Path,
        clock: Callable[[], float],
        started: float,
        timing: dict[str, Any] | None = None,
        templates: dict[str, Any] | None = None,
        engine: str = "polars",
        engine_detail: dict[str, Any] | None = None,
    ) -> tuple[Path, RunRecord]:
        """Assign once over all shards (owners' capacities span the book), schedule the call
        lists once (agents' hours too), and write the run folder. `staff` holds the whole
        book's validated `teams` and `agents`."""
        timings = self.timings
        all_rejects = sort_rejects(self.rejects)
        lap = clock()
        assignment = None
        if self.wanted:
            tables = {**staff, "cases": pl.concat(self.cases) if self.cases else None}
            assignment = assign_wanted(pl.concat(self.wanted), strategy, tables, run_date, solver)
            if assignment is not None:
                assignment.agencies = agency_table(
                    pl.concat(self.facts), staff.get("teams"), assignment
                )
        all_actions = with_owners(pl.concat(self.actions), assignment).sort("action_id")
        add_time(timings, "assign", clock() - lap)
        lap = clock()
        lists = call_lists(
            all_actions,
            Counts.merge(self.ledgers),
            staff.get("agents"),
            strategy_settings(strategy),
            contact_model(models),
        )
        add_time(timings, "schedule", clock() - lap)
        record = RunRecord(
            run_date=run_date,
            strategy=strategy,
            actions=all_actions,
            blocked=pl.concat(self.blocked).sort("action_id"),
            rejects=all_rejects,
            accounts=self.parts,
            account_counts=merge_account_counts(self.counts),
            checked=self.checked,
            inputs=input_summary(files, fingerprints, self.rows_read, all_rejects),
            assignment=assignment,
            call_lists=lists,
            scoring=merged_scoring(models, self.drifts),
            timing=timing,
            templates=templates,
            engine=engine,
            engine_detail=engine_detail,
        )
        written = write_run(out, record, timings, clock=clock, started_at=started)
        return written, record


def merged_scoring(models: ModelSet | None, drifts: list[dict[str, Any]]) -> Scoring | None:
    if models is None:
        return None
    from arrears.scoring.apply import merge_drift

    return Scoring(models, merge_drift(drifts), shards=len(drifts))


def add_time(timings: dict[str, float], stage: str, seconds: float) -> None:
    timings[stage] = round(timings.get(stage, 0.0) + seconds, 4)
