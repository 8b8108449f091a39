"""How a command stops on bad input: one message (or the strategy's diagnostics), exit code 2."""

from __future__ import annotations

import typer
from rich.console import Console

from arrears.strategy.load import StrategyError

EXIT_INPUT = 2


def input_error(err: Console, message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def strategy_errors(err: Console, exc: StrategyError) -> typer.Exit:
    """Each diagnostic on its own line (file:line:column: severity: message)."""
    for d in exc.diagnostics:
        err.print(str(d), highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_INPUT)
