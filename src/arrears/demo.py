"""`arrears demo`: the main job on embedded defaults, end to end, in one command."""

from __future__ import annotations

import time
from datetime import date
from importlib import resources
from pathlib import Path

import polars as pl
from rich.console import Console

from arrears.cli import render
from arrears.cli.dial import run_dial
from arrears.dialing.workday import Floor
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan

EXAMPLES = ("seed_example.yaml", "mixed_example.yaml")


def write_examples(folder: Path) -> dict[str, Path]:
    """Copy the packaged example strategies into `folder` so the user can edit them."""
    folder.mkdir(parents=True, exist_ok=True)
    source = resources.files("arrears").joinpath("examples/strategies")
    written = {}
    for name in EXAMPLES:
        target = folder / name
        target.write_text(source.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
        written[name] = target
    return written


def _small_team(lists_path: Path) -> str | None:
    """The team with the shortest list of human calls of at least 50 (a shift the demo can
    show in seconds), if any."""
    lists = pl.read_parquet(lists_path, columns=["team", "channel", "slot_start"])
    sizes = (
        lists.filter((pl.col("channel") == "human_call") & pl.col("slot_start").is_not_null())
        .group_by("team")
        .len()
        .filter(pl.col("len") >= 50)
        .sort("len", "team")
    )
    return str(sizes.item(0, "team")) if sizes.height else None


SIMULATED_ACCOUNTS = 10_000
SIMULATED_DAYS = 30


def _simulate(
    console: Console, folder: Path, strategies: dict[str, Path], seed: int, run_date: date
) -> Path:
    """The brief's example (champion) against the mixed example (challenger), 30 days on one
    simulated mixed book; prints the comparison and returns the HTML report's path."""
    from arrears.cli.simulate import show
    from arrears.simulation.run import simulate, write_simulation
    from arrears.strategy.load import load_strategy

    console.rule(
        f"[bold]{SIMULATED_DAYS} simulated days: seed_example vs mixed_example "
        f"on {SIMULATED_ACCOUNTS:,} accounts"
    )
    arms = [
        ("champion", load_strategy(strategies["seed_example.yaml"])),
        ("challenger", load_strategy(strategies["mixed_example.yaml"])),
    ]
    with render.progress(console) as advance:
        sim = simulate(
            arms, accounts=SIMULATED_ACCOUNTS, days=SIMULATED_DAYS, seed=seed, country="mixed",
            start=run_date,
            progress=lambda arm, done, days: advance(f"simulate {arm}", done / days),
        )  # fmt: skip
    files = write_simulation(sim, folder / "simulation")
    show(console, sim)
    return files["report"]


def run_demo(console: Console, *, folder: Path, accounts: int, seed: int, run_date: date) -> None:
    started = time.perf_counter()
    data = folder / "data"
    console.rule("[bold]arrears demo")
    with render.progress(console) as advance:
        tables = generate_portfolio(
            accounts=accounts, seed=seed, country="mixed", as_of=run_date, progress=advance
        )
        write_portfolio(tables, data, fmt="parquet")
    generated = time.perf_counter() - started
    console.print(
        f"generated a mixed CN/US/GB portfolio: {accounts:,} accounts, "
        f"{tables['contacts'].height:,} contact points, "
        f"{tables['attempts'].height:,} past attempts in {generated:.1f}s → {data}"
    )
    strategies = write_examples(folder / "strategies")
    runs = {}
    for name, path in (
        ("mixed", strategies["mixed_example.yaml"]),
        ("seed", strategies["seed_example.yaml"]),
    ):
        out = folder / "runs" / f"{run_date.isoformat()}-{name}"
        console.rule(f"[bold]{path.name}")
        outcome = run_plan(data=data, strategy_path=path, run_date=run_date, out=out)
        render.plan_summary(console, outcome)
        runs[name] = outcome

    mixed = runs["mixed"]
    team = _small_team(mixed.out / "call_lists.parquet")
    if team is not None:
        console.rule(f"[bold]a simulated shift on {team}'s call list")
        run_dial(
            console, run=mixed.out, data=data, strategy=strategies["mixed_example.yaml"],
            team=team, channel="human_call", mode="predictive", floor=Floor(agents=2), seed=seed,
            out=mixed.out / "dialled" / team, fail=lambda message: RuntimeError(message),
        )  # fmt: skip
    simulated = _simulate(console, folder, strategies, seed, run_date)
    sample = mixed.record.actions.select("account_id").head(1)
    blocked = mixed.record.blocked.filter(pl.col("rule") != "NO-CONTACT-POINT").select("account_id")
    console.rule("[bold]where to look next")
    console.print(f"total demo time {time.perf_counter() - started:.1f}s")
    lines = [
        f"actions:   {mixed.out / 'actions.parquet'}",
        f"blocked:   {mixed.out / 'blocked.parquet'}",
        f"owners:    {mixed.out / 'assignments.parquet'} (who holds each case, and why)",
        f"manifest:  {mixed.out / 'manifest.json'}",
        f"dialled:   arrears dial --run {mixed.out} --data {data} --strategy "
        f"{strategies['mixed_example.yaml']} --team m2_collectors --out {mixed.out / 'dialled'}",
        f"strategy:  arrears validate --strategy {strategies['mixed_example.yaml']} --data {data}",
        f"simulated: {simulated} (open it in a browser)",
    ]
    if sample.height:
        lines.append(f"why:       arrears explain --run {mixed.out} --account {sample.item()}")
    if blocked.height:
        lines.append(f"why not:   arrears explain --run {mixed.out} --account {blocked.item(0, 0)}")
    lines.append(
        f"again:     arrears plan --data {data} --strategy {strategies['seed_example.yaml']} "
        f"--date {run_date.isoformat()} --out {folder / 'runs' / 'my-run'}"
    )
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)
