"""`arrears dial`: work a team's call list for a day on a simulated floor, inside the guard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

from arrears.cli.check import predial_state
from arrears.dialing.campaign import CampaignSettings
from arrears.dialing.workday import MODES, Floor, Worked, work_list


def run_dial(
    console: Console,
    *,
    run: Path,
    data: Path,
    strategy: Path,
    team: str | None,
    channel: str,
    mode: str,
    floor: Floor,
    seed: int,
    out: Path,
    fail: Callable[[str], Exception],
) -> Worked:
    lists_path = run / "call_lists.parquet"
    if not lists_path.exists():
        raise fail(f"{lists_path}: no call lists in this run folder")
    if mode not in MODES:
        raise fail(f"--mode {mode}: one of {', '.join(MODES)}")
    lists = pl.read_parquet(lists_path)
    calls = lists.filter(
        (pl.col("channel") == channel)
        & pl.col("slot_start").is_not_null()
        & (pl.lit(team is None) | (pl.col("team") == team))
    )
    if calls.is_empty():
        raise fail(
            f"{lists_path}: no slotted {channel} calls" + (f" for team {team}" if team else "")
        )
    state = predial_state(data, strategy, "", fail)
    worked = work_list(state, calls, mode, floor, np.random.default_rng(seed), CampaignSettings())
    out.mkdir(parents=True, exist_ok=True)
    attempts = worked.campaign.attempts_frame()
    refusals = worked.campaign.refusals_frame()
    attempts.write_csv(out / "attempts.csv")
    refusals.write_csv(out / "refusals.csv")
    _report(console, worked, calls.height, out)
    return worked


def _report(console: Console, worked: Worked, listed: int, out: Path) -> None:
    r, robot = worked.result, worked.robot
    console.print(
        f"{listed:,} listed calls; the shift runs from {worked.start:%Y-%m-%d %H:%M}Z "
        f"for {worked.hours:.1f} h"
    )
    table = Table(show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    attempts = worked.campaign.attempts_frame()
    rows = [
        ("dials (each cleared by the guard)", f"{r.dials:,}"),
        ("listed calls never dialled", f"{worked.campaign.never_dialled():,}"),
        ("guard calls (one per batch of leads)", f"{worked.campaign.checks:,}"),
        ("answered live", f"{r.live:,}"),
        ("connected to an agent", f"{r.connected:,}"),
        ("abandoned (on the ledger)", f"{r.abandoned:,} ({r.abandon_rate:.2%})"),
        (
            f"worst {worked.limit.window_s / 3600:g} h window (cap {worked.limit.rate:.0%})",
            f"{r.worst_window_abandon_rate:.2%}",
        ),
        ("agent occupancy", f"{r.occupancy:.1%}"),
    ]
    if robot is not None:
        rows += [
            ("robot conversations", f"{robot.conversations:,}"),
            ("handed to a free agent", f"{robot.handovers:,}"),
            ("callbacks booked (no agent free)", f"{robot.callbacks:,}"),
        ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    outcomes = Table(title="attempts by outcome")
    outcomes.add_column("outcome")
    outcomes.add_column("attempts", justify="right")
    for outcome, n in attempts.group_by("outcome").len().sort("outcome").iter_rows():
        outcomes.add_row(str(outcome), f"{n:,}")
    console.print(outcomes)
    refusals = worked.campaign.refusals_frame()
    if refusals.height:
        held = Table(title="held back by the guard")
        held.add_column("rule")
        held.add_column("times", justify="right")
        held.add_column("dropped", justify="right")
        by_rule = refusals.group_by("rule").agg(pl.len(), pl.col("dropped").sum()).sort("rule")
        for rule, n, dropped in by_rule.iter_rows():
            held.add_row(str(rule), f"{n:,}", f"{dropped:,}")
        console.print(held)
    console.print(f"attempts and refusals written to {out}/ (attempts.csv: the contract's layout)")
