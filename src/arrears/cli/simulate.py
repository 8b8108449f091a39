"""`arrears simulate`: a champion and a challenger replayed on one simulated book."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from arrears.cli.errors import input_error, strategy_errors


def register(app: typer.Typer, console: Console, err: Console) -> None:
    @app.command()
    def simulate(
        strategy: Annotated[Path, typer.Option(help="The champion strategy (YAML).")],
        out: Annotated[Path, typer.Option(help="Folder for the KPIs, tables and report.html.")],
        vs: Annotated[
            Path | None, typer.Option("--vs", help="A challenger strategy, on the same book.")
        ] = None,
        accounts: Annotated[
            int, typer.Option(min=1, help="Accounts in the simulated book.")
        ] = 20_000,
        days: Annotated[int, typer.Option(min=1, help="Days to simulate.")] = 30,
        seed: Annotated[int, typer.Option(help="Same seed, same book and same results.")] = 7,
        country: Annotated[str, typer.Option(help="CN, US, GB or mixed.")] = "CN",
        start: Annotated[str | None, typer.Option(help="First day (default today).")] = None,
        knobs: Annotated[
            Path | None, typer.Option(help="YAML file of calibration knobs (docs/simulation.md).")
        ] = None,
        verify: Annotated[
            bool, typer.Option(help="Put every contact to the real pre-dial check at its time.")
        ] = True,
        dialer: Annotated[
            str | None,
            typer.Option(
                help="The dialer floor inside the day: none (every slotted call happens), "
                "progressive, predictive or preview (overrides the knob `dialer`)."
            ),
        ] = None,
        lang: Annotated[str, typer.Option(help="Report language: en or zh-CN.")] = "en",
    ) -> None:
        """Replay strategies day by day on a simulated book: recovery, cost, complaints and
        compliance per arm, and the difference with a 95 % bootstrap CI."""
        run_simulate(
            console, err, strategy=strategy, vs=vs, out=out, accounts=accounts, days=days,
            seed=seed, country=country, start=start, knobs=knobs, verify=verify, lang=lang,
            dialer=dialer,
        )  # fmt: skip

    @app.command()
    def optimize(
        strategy: Annotated[Path, typer.Option(help="The base strategy (YAML).")],
        space: Annotated[Path, typer.Option(help="The search space (YAML; docs/simulation.md).")],
        out: Annotated[Path, typer.Option(help="Folder for best.yaml, its diff and the trials.")],
        budget: Annotated[int, typer.Option(min=1, help="Candidates to try.")] = 30,
        accounts: Annotated[int, typer.Option(min=1, help="Accounts per simulated book.")] = 10_000,
        days: Annotated[int, typer.Option(min=1, help="Days per run.")] = 30,
        train_seeds: Annotated[str, typer.Option(help="Books the search learns on.")] = "1,2",
        test_seeds: Annotated[
            str, typer.Option(help="Held-out books it is judged on.")
        ] = "101,102,103",
        seed: Annotated[int, typer.Option(help="The sampler's seed.")] = 0,
        country: Annotated[str, typer.Option(help="CN, US, GB or mixed.")] = "CN",
        start: Annotated[str | None, typer.Option(help="First day (default today).")] = None,
        knobs: Annotated[Path | None, typer.Option(help="YAML file of calibration knobs.")] = None,
    ) -> None:
        """Search a declared space around a strategy for the most recovery (at a cost cap) or
        the best recovery per cost on training books; test the winner on held-out books."""
        from arrears.cli.optimize import run_optimize

        run_optimize(
            console, err, strategy=strategy, space=space, out=out, budget=budget,
            accounts=accounts, days=days, train_seeds=train_seeds, test_seeds=test_seeds,
            seed=seed, country=country, start=start, knobs=knobs,
        )  # fmt: skip


def run_simulate(
    console: Console,
    err: Console,
    *,
    strategy: Path,
    vs: Path | None,
    out: Path,
    accounts: int,
    days: int,
    seed: int,
    country: str,
    start: str | None,
    knobs: Path | None,
    verify: bool,
    lang: str,
    dialer: str | None = None,
) -> None:
    from dataclasses import replace

    from arrears.simulation.knobs import KnobError, load_knobs
    from arrears.simulation.run import simulate, write_simulation
    from arrears.strategy.load import StrategyError, load_strategy

    def fail(message: str) -> typer.Exit:
        return input_error(err, message)

    try:
        first = dt.date.fromisoformat(start) if start else dt.date.today()
    except ValueError:
        raise fail(f"--start {start!r} is not a date (YYYY-MM-DD)") from None
    try:
        knob_set = load_knobs(knobs)
        if dialer is not None:
            knob_set = replace(knob_set, dialer=dialer)
        arms = [("champion", load_strategy(strategy))]
        if vs is not None:
            arms.append(("challenger", load_strategy(vs)))
    except KnobError as exc:
        raise fail(str(exc)) from None
    except StrategyError as exc:
        raise strategy_errors(err, exc) from None
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None

    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console, transient=False) as bar:
        tasks = {name: bar.add_task(f"{name} days", total=days) for name, _ in arms}

        def progress(arm: str, done: int, total: int) -> None:
            bar.update(tasks[arm], completed=done)

        try:
            sim = simulate(
                arms, accounts=accounts, days=days, seed=seed, country=country, start=first,
                knobs=knob_set, verify=verify, progress=progress,
            )  # fmt: skip
        except StrategyError as exc:
            raise strategy_errors(err, exc) from None
        except ValueError as exc:
            raise fail(str(exc)) from None
    files = write_simulation(sim, out, lang)
    show(console, sim)
    console.print(f"report: {files['report']}", highlight=False)


def show(console: Console, sim: object) -> None:
    """The arms' KPIs and the differences, as tables."""
    from arrears.simulation.run import Simulation

    assert isinstance(sim, Simulation)
    table = Table(title=f"{sim.settings['accounts']:,} accounts × {sim.settings['days']} days")
    table.add_column("KPI")
    for arm in sim.arms:
        table.add_column(f"{arm.name}\n{arm.strategy.name}", justify="right")
    rows: tuple[tuple[str, str], ...] = (
        ("recovered", "{:,.0f}"), ("recovery_rate", "{:.2%}"), ("cure_rate", "{:.2%}"),
        ("cost", "{:,.0f}"), ("recovered_per_cost", "{:,.1f}"), ("contacts", "{:,}"),
        ("rpc", "{:,}"), ("promises_made", "{:,}"), ("promises_kept", "{:,}"),
        ("complaints", "{:,}"), ("blocked", "{:,}"), ("violations", "{:,}"),
    )  # fmt: skip
    if sim.settings["knobs"].get("dialer", "none") != "none":
        rows += (("abandoned", "{:,}"), ("floor_unplaced", "{:,}"))
    for key, fmt in rows:
        table.add_row(key, *[fmt.format(arm.kpis.get(key, 0)) for arm in sim.arms])
    console.print(table)
    if not sim.differences:
        return
    diff = Table(title="challenger − champion (95 % bootstrap CI over customers)")
    for col in ("metric", "difference", "relative", "CI", "excludes 0"):
        diff.add_column(col, justify="right" if col != "metric" else "left")
    for d in sim.differences:
        rel = f"{d.relative:+.1%}" if d.relative is not None else "—"
        diff.add_row(
            d.metric, f"{d.difference:+,.0f}", rel, f"[{d.low:+,.0f}, {d.high:+,.0f}]",
            "yes" if d.excludes_zero else "no",
        )  # fmt: skip
    console.print(diff)
