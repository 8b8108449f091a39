"""`arrears optimize`: the command's shell around `simulation.search`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from arrears.cli.errors import input_error, strategy_errors


def _seeds(text: str, option: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"{option} {text!r}: a comma-separated list of integers") from None
    if not seeds:
        raise ValueError(f"{option}: at least one seed")
    return seeds


def run_optimize(
    console: Console,
    err: Console,
    *,
    strategy: Path,
    space: Path,
    out: Path,
    budget: int,
    accounts: int,
    days: int,
    train_seeds: str,
    test_seeds: str,
    seed: int,
    country: str,
    start: str | None,
    knobs: Path | None,
) -> None:
    from arrears.simulation.knobs import KnobError, load_knobs
    from arrears.simulation.search.optimize import Book, search
    from arrears.simulation.search.output import write_search
    from arrears.simulation.search.space import SpaceError, load_space
    from arrears.strategy.load import StrategyError, load_strategy

    def fail(message: str) -> typer.Exit:
        return input_error(err, message)

    try:
        first = dt.date.fromisoformat(start) if start else dt.date.today()
        train, test = _seeds(train_seeds, "--train-seeds"), _seeds(test_seeds, "--test-seeds")
        if set(train) & set(test):
            raise ValueError("--train-seeds and --test-seeds must not share a seed")
        load_strategy(strategy)  # reports a bad base with its file, line and column
        base = yaml.safe_load(strategy.read_text(encoding="utf-8"))
        found = load_space(space, base)
        book = Book(accounts, days, country, first, load_knobs(knobs))
    except StrategyError as exc:
        raise strategy_errors(err, exc) from None
    except (SpaceError, KnobError, OSError, ValueError) as exc:
        raise fail(str(exc)) from None

    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)

        try:
            result = search(
                base, found, book=book, budget=budget, train_seeds=train, test_seeds=test,
                seed=seed, progress=progress,
            )  # fmt: skip
        except StrategyError as exc:
            raise strategy_errors(err, exc) from None
    result.settings = {
        "strategy": str(strategy), "space": str(space), "budget": budget, "accounts": accounts,
        "days": days, "train_seeds": train, "test_seeds": test, "seed": seed,
        "country": country, "start": first.isoformat(),
    }  # fmt: skip
    files = write_search(result, out, strategy.name)
    show(console, result)
    console.print(f"best strategy: {files['strategy']}  (diff: {files['diff']})", highlight=False)


def show(console: Console, result: object) -> None:
    from arrears.simulation.search.optimize import SearchResult

    assert isinstance(result, SearchResult)
    feasible = sum(t.feasible and t.error is None for t in result.trials)
    cap = f", cost cap {result.cap:,.0f}" if result.cap is not None else ""
    console.print(
        f"{len(result.trials)} candidates on the training books, {feasible} feasible{cap}; "
        f"base: recovered {result.base_train.recovered:,.0f} at cost {result.base_train.cost:,.0f}",
        highlight=False,
    )
    if result.best_picked:
        for name, label in result.best_picked.items():
            console.print(f"  {name}: {label}", highlight=False)
    else:
        console.print("  no candidate beat the base on the training books", highlight=False)
    table = Table(title="held-out books: best − base (95 % bootstrap CI over customers)")
    for col in ("metric", "base", "best", "difference", "relative", "CI"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for d in result.held_out:
        rel = f"{d.relative:+.1%}" if d.relative is not None else "—"
        table.add_row(
            d.metric, f"{d.champion:,.0f}", f"{d.challenger:,.0f}", f"{d.difference:+,.0f}", rel,
            f"[{d.low:+,.0f}, {d.high:+,.0f}]",
        )  # fmt: skip
    console.print(table)
    verdict = "met" if result.target_met else "not met"
    console.print(
        f"target (recovered +10 % or more with the CI above 0, at no more cost): {verdict}",
        highlight=False,
    )
