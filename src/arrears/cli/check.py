"""`arrears check`: the pre-dial question from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from arrears.compliance.predial import PreDial, check_one
from arrears.compliance.presets import PresetError, presets_for, strictest_reach
from arrears.contract.load import ContractError, load_portfolio
from arrears.contract.tables import CHANNELS
from arrears.strategy.load import StrategyError, load_strategy


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"'{text}' is not an ISO 8601 timestamp") from exc
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def run_check(
    console: Console,
    *,
    data: Path,
    contact: str,
    at: str,
    channel: str,
    account: str | None,
    strategy: Path | None,
    jurisdiction: str,
    agent_reserved: bool,
    as_json: bool,
    fail: Callable[[str], typer.Exit],
) -> bool:
    """Print the answer; True when every account asked about allows the contact."""
    if channel not in CHANNELS:
        raise typer.BadParameter(f"channel must be one of {', '.join(CHANNELS)}")
    instant = parse_instant(at)
    try:
        if strategy is not None:
            loaded = load_strategy(strategy)
            presets = presets_for(loaded.jurisdiction, loaded.house)
        else:
            presets = presets_for([j.strip() for j in jurisdiction.split(",") if j.strip()], {})
    except (StrategyError, PresetError) as exc:
        raise fail(str(exc)) from None
    try:
        portfolio = load_portfolio(data)
    except ContractError as exc:
        raise fail(str(exc)) from None
    state = PreDial.of(portfolio.tables, presets, strictest_reach(presets))
    answers = check_one(state, contact, instant, channel, account, agent_reserved)
    rows = answers.drop("question").to_dicts()
    if as_json:
        console.print_json(json.dumps(rows, default=str))
    else:
        table = Table(
            title=f"May {contact} be contacted by {channel} at {instant:%Y-%m-%d %H:%M}Z?"
        )
        for name in ("account", "answer", "rule", "detail", "next allowed (UTC)", "window (UTC)"):
            table.add_column(name)
        for row in rows:
            window = (
                f"{row['window_start']:%H:%M}–{row['window_end']:%H:%M} in {row['timezone']}"
                if row["window_start"] is not None and row["window_end"] is not None
                else "-"
            )
            table.add_row(
                row["account_id"] or "-",
                "[green]allowed[/]" if row["allowed"] else "[red]refused[/]",
                row["rule"] or "",
                row["detail"] or "",
                f"{row['next_allowed_at']:%Y-%m-%d %H:%M}" if row["next_allowed_at"] else "",
                window,
            )
        console.print(table)
    return all(row["allowed"] for row in rows)
