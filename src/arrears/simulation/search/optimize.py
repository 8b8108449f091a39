"""`arrears optimize`: search a declared space for a better strategy, then prove it on held-out
books.

Training: every candidate runs on the same simulated books (one per training seed, built once
and forked for each run, common random numbers within a book), so candidates are compared on
identical customers and luck. Optuna's TPE sampler (seeded) proposes the choices; with the
`recovered` objective and a cost cap, the cap is a constraint (a candidate over it is
infeasible). Held out: the best candidate and the base run as two arms on books the search
never saw (the test seeds); the difference in recovered and cost, pooled over those books, gets
a 95 % bootstrap CI over customers (`compare.paired_difference`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import yaml

from arrears.simulation.compare import Difference, paired_difference, per_customer
from arrears.simulation.crn import stream
from arrears.simulation.knobs import Knobs
from arrears.simulation.run import Arm, refuse_errors, run_arm
from arrears.simulation.search.space import Space
from arrears.simulation.world import World, start_world
from arrears.strategy.load import load_strategy_text
from arrears.strategy.model import Strategy

Progress = Callable[[str, int, int], None]  # (phase, done, total)
TARGET_LIFT = 0.10  # the bar: 10 % more recovered, at equal or lower cost


@dataclass(frozen=True)
class Book:
    """Where candidates run: accounts, days, country, first day and knobs."""

    accounts: int
    days: int
    country: str
    start: dt.date
    knobs: Knobs


@dataclass
class Trial:
    number: int
    picked: dict[str, str]
    recovered: float
    cost: float
    contacts: int
    complaints: int
    feasible: bool
    error: str | None = None

    @property
    def per_cost(self) -> float:
        return self.recovered / self.cost if self.cost else 0.0


@dataclass
class SearchResult:
    base: dict[str, Any]
    best: dict[str, Any]
    best_picked: dict[str, str]
    base_train: Trial
    trials: list[Trial]
    held_out: list[Difference]
    held_out_kpis: dict[str, dict[str, float]]  # arm -> kpi -> total over test seeds
    cap: float | None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def target_met(self) -> bool:
        diff = {d.metric: d for d in self.held_out}
        rec, cost = diff["recovered"], diff["cost"]
        return (
            rec.relative is not None
            and rec.relative >= TARGET_LIFT
            and rec.low > 0
            and cost.difference <= 0
        )


def dump(doc: dict[str, Any]) -> str:
    """A strategy document as YAML text (lists of numbers on one line)."""
    return yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def strategy_of(doc: dict[str, Any], source: str) -> Strategy:
    return load_strategy_text(dump(doc), source)


def _evaluate(worlds: list[World], strategy: Strategy, days: int) -> list[Arm]:
    return [run_arm("candidate", w.fork(), strategy, days, verify=False) for w in worlds]


def _totals(arms: list[Arm]) -> dict[str, float]:
    keys = ("recovered", "cost", "contacts", "complaints")
    return {k: float(sum(a.kpis[k] for a in arms)) for k in keys}


def search(
    base: dict[str, Any],
    space: Space,
    *,
    book: Book,
    budget: int,
    train_seeds: list[int],
    test_seeds: list[int],
    seed: int = 0,
    progress: Progress | None = None,
) -> SearchResult:
    """Run `budget` candidates on the training books; test the best against the base."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    worlds = [_world(book, s) for s in train_seeds]
    base_strategy = strategy_of(base, "base")
    refuse_errors(base_strategy, worlds[0])
    base_totals = _totals(_evaluate(worlds, base_strategy, book.days))
    cap = _cap(space, base_totals["cost"])
    base_trial = _trial_of(-1, {}, base_totals, feasible=True)
    trials: list[Trial] = []
    seen: dict[tuple[str, ...], Trial] = {}

    def objective(t: optuna.Trial) -> float:
        picked = {
            p.name: str(t.suggest_categorical(p.name, list(p.labels))) for p in space.parameters
        }
        key = tuple(picked[p.name] for p in space.parameters)
        if key not in seen:
            seen[key] = _run_candidate(len(trials), picked, base, space, worlds, book, cap)
        trial = seen[key]
        trials.append(replace(trial, number=len(trials)))
        if cap is not None:  # feasible when the cost is within the cap
            t.set_constraint("cost_over_cap", trial.cost - cap if trial.error is None else 1.0)
        if progress is not None:
            progress("search", len(trials), budget)
        if trial.error is not None:
            return -1e18
        return trial.per_cost if space.objective == "recovered_per_cost" else trial.recovered

    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(budget // 3, 1)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=budget)

    good = [t for t in trials if t.feasible and t.error is None]
    score = (lambda t: t.per_cost) if space.objective == "recovered_per_cost" else (
        lambda t: t.recovered
    )  # fmt: skip
    best_trial = max(good, key=score) if good else None
    if best_trial is None or score(best_trial) <= score(base_trial):
        best_picked, best = {}, base
    else:
        best_picked, best = best_trial.picked, space.apply(base, best_trial.picked)
    held_out, kpis = _held_out(base, best, book, test_seeds, seed, progress)
    return SearchResult(base, best, best_picked, base_trial, trials, held_out, kpis, cap)


def _world(book: Book, seed: int) -> World:
    return start_world(
        accounts=book.accounts, seed=seed, country=book.country, start=book.start,
        knobs=book.knobs,
    )  # fmt: skip


def _cap(space: Space, base_cost: float) -> float | None:
    if space.objective != "recovered" or space.cost_cap is None:
        return None
    return base_cost if space.cost_cap == "base" else float(space.cost_cap)


def _run_candidate(
    number: int,
    picked: dict[str, str],
    base: dict[str, Any],
    space: Space,
    worlds: list[World],
    book: Book,
    cap: float | None,
) -> Trial:
    from arrears.strategy.load import StrategyError

    try:
        strategy = strategy_of(space.apply(base, picked), f"candidate {number}")
        refuse_errors(strategy, worlds[0])
    except StrategyError as exc:
        reason = "; ".join(str(d) for d in exc.diagnostics)
        return Trial(number, picked, 0.0, 0.0, 0, 0, False, reason)
    totals = _totals(_evaluate(worlds, strategy, book.days))
    return _trial_of(number, picked, totals, feasible=cap is None or totals["cost"] <= cap)


def _trial_of(
    number: int, picked: dict[str, str], totals: dict[str, float], *, feasible: bool
) -> Trial:
    return Trial(
        number, picked, totals["recovered"], totals["cost"], int(totals["contacts"]),
        int(totals["complaints"]), feasible,
    )  # fmt: skip


def _held_out(
    base: dict[str, Any],
    best: dict[str, Any],
    book: Book,
    seeds: list[int],
    seed: int,
    progress: Progress | None,
) -> tuple[list[Difference], dict[str, dict[str, float]]]:
    """Base and best as two arms on each test book; differences pooled over the books."""
    per: dict[str, dict[str, list[np.ndarray]]] = {"base": {}, "best": {}}
    kpis: dict[str, dict[str, float]] = {"base": {}, "best": {}}
    metrics = ("recovered", "cost", "contacts", "complaints")
    for i, s in enumerate(seeds):
        world = _world(book, s)
        for name, doc in (("base", base), ("best", best)):
            arm = run_arm(name, world.fork(), strategy_of(doc, name), book.days, verify=True)
            customer, n = world.sim.book.customer, int(world.complaint_trait.size)
            values = {
                "recovered": arm.tally.recovered, "cost": arm.tally.cost,
                "contacts": arm.tally.contacts.astype(np.float64),
                "complaints": arm.tally.complaints.astype(np.float64),
            }  # fmt: skip
            for m in metrics:
                per[name].setdefault(m, []).append(per_customer(values[m], customer, n))
            for k in (*metrics, "violations", "promises_made", "rpc"):
                kpis[name][k] = kpis[name].get(k, 0.0) + float(arm.kpis.get(k, 0))
        if progress is not None:
            progress("held out", i + 1, len(seeds))
    rng = stream(seed, 0, "bootstrap")
    diffs = [
        paired_difference(m, np.concatenate(per["base"][m]), np.concatenate(per["best"][m]), rng)
        for m in metrics
    ]
    return diffs, kpis
