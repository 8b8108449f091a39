"""`arrears check`: the pre-dial question from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from arrears.compliance.predial import (
    PreDial,
    QuestionsError,
    check_file,
    check_one,
    read_questions,
)
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


@dataclass(frozen=True)
class Asked:
    """One question (contact, at …) or a file of them (`questions`, answers to `out`)."""

    contact: str | None
    at: str | None
    channel: str
    account: str | None
    agent_reserved: bool
    questions: Path | None = None
    out: Path | None = None


def predial_state(
    data: Path,
    strategy: Path | None,
    jurisdiction: str,
    fail: Callable[[str], Exception],
) -> PreDial:
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
    return PreDial.of(portfolio.tables, presets, strictest_reach(presets))


def run_check(
    console: Console,
    asked: Asked,
    *,
    data: Path,
    strategy: Path | None,
    jurisdiction: str,
    as_json: bool,
    fail: Callable[[str], typer.Exit],
) -> bool:
    """Print (or write) the answers; True when every account asked about allows the contact."""
    if asked.channel not in CHANNELS:
        raise typer.BadParameter(f"channel must be one of {', '.join(CHANNELS)}")
    if asked.questions is not None:
        try:
            frame = read_questions(asked.questions)
        except QuestionsError as exc:
            raise fail(str(exc)) from None
        answers = check_file(predial_state(data, strategy, jurisdiction, fail), frame)
        return _report_many(console, answers, asked.out, as_json)
    assert asked.contact is not None and asked.at is not None
    instant = parse_instant(asked.at)
    state = predial_state(data, strategy, jurisdiction, fail)
    answers = check_one(
        state, asked.contact, instant, asked.channel, asked.account, asked.agent_reserved
    )
    return _report_one(console, answers, asked, instant, as_json)


def _report_many(console: Console, answers: pl.DataFrame, out: Path | None, as_json: bool) -> bool:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".parquet":
            answers.write_parquet(out)
        else:
            answers.write_csv(out)
    if as_json:
        console.print_json(json.dumps(answers.to_dicts(), default=str))
    else:
        by_rule = answers.group_by(pl.col("rule").fill_null("(allowed)")).len().sort("rule")
        table = Table(title=f"{answers.height:,} answers" + (f" written to {out}" if out else ""))
        table.add_column("answer")
        table.add_column("count", justify="right")
        for rule, n in by_rule.iter_rows():
            table.add_row(str(rule), f"{n:,}")
        console.print(table)
    return bool(answers.get_column("allowed").all())


def _report_one(
    console: Console, answers: pl.DataFrame, asked: Asked, instant: datetime, as_json: bool
) -> bool:
    rows = answers.drop("question").to_dicts()
    if as_json:
        console.print_json(json.dumps(rows, default=str))
    else:
        table = Table(
            title=f"May {asked.contact} be contacted by {asked.channel} "
            f"at {instant:%Y-%m-%d %H:%M}Z?"
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
