"""`arrears offer`: may this account be offered these terms by this role? (the shell around
the pure engine: read the data and the strategy, compute the account's features, decide, print).

Exit codes: 0 allowed, 3 needs approval (the approver role is printed), 4 refused, 2 bad
input (unreadable data or strategy, unknown account, an invalid request).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from arrears.contract.load import ContractError, load_portfolio
from arrears.offers.account import UnknownAccount, account_frame
from arrears.offers.engine import Decision, OfferRequest, decide
from arrears.offers.money import percent
from arrears.offers.promises import promises_of
from arrears.strategy.load import StrategyError

EXIT_CODES: dict[str, int] = {"allowed": 0, "needs_approval": 3, "refused": 4}

# What the account's features need; `cases` and staff tables play no part in an offer.
_TABLES: tuple[str, ...] = ("customers", "accounts", "contacts", "attempts", "payments", "promises")


@dataclass(frozen=True)
class Asked:
    account: str
    kind: str
    role: str
    discount: str | None
    amount: str | None
    instalments: int
    first_due: date | None
    every_days: int | None


def run_offer(
    console: Console,
    err: Console,
    asked: Asked,
    *,
    data: Path,
    strategy: Path,
    on: date,
    as_json: bool,
    out: Path | None,
    fail: Callable[[str], typer.Exit],
) -> int:
    """Decide, print, write the promises of an allowed offer to `out`; the exit code."""
    from arrears.planning.run import checked_strategy

    try:
        request = OfferRequest(
            kind=asked.kind, role=asked.role, discount=asked.discount, amount=asked.amount,
            instalments=asked.instalments, first_due=asked.first_due, every_days=asked.every_days,
        )  # fmt: skip
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        portfolio = load_portfolio(data, only=_TABLES)
    except (ContractError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    try:
        loaded = checked_strategy(strategy, portfolio)
    except StrategyError as exc:
        for d in exc.diagnostics:
            err.print(str(d), highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    if not loaded.offers:
        raise fail(f"{strategy}: the strategy has no offers: block (see docs/offers.md)")
    try:
        account = account_frame(portfolio, loaded, asked.account, on)
        decision = decide(account, request, loaded, on=on)
    except (UnknownAccount, ValueError) as exc:
        raise fail(str(exc).strip("'\"")) from None
    promises = None
    if decision.outcome == "allowed":
        promises = promises_of(decision, datetime.combine(on, time(0), tzinfo=UTC))
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            if out.suffix == ".parquet":
                promises.write_parquet(out)
            else:
                promises.write_csv(out)
    facts = {
        k: account.get_column(k)[0]
        for k in ("bucket", "segment", "dpd", "outstanding_balance", "currency")
    }
    if as_json:
        body = decision.as_dict()
        body["account"] = facts
        body["promises"] = None if promises is None else promises.to_dicts()
        console.print_json(json.dumps(body, default=str))
    else:
        _print(console, decision, facts, out if promises is not None else None)
    return EXIT_CODES[decision.outcome]


def _print(console: Console, d: Decision, facts: dict[str, object], out: Path | None) -> None:
    colour = {"allowed": "green", "needs_approval": "yellow", "refused": "red"}[d.outcome]
    answer = d.outcome.replace("_", " ")
    if d.outcome == "needs_approval":
        answer += f" by a {d.approver_role}"
    where = ", ".join(f"{k} {v}" for k, v in facts.items() if k in ("bucket", "segment", "dpd"))
    console.print(
        f"[bold]{d.kind}[/] for account {d.account_id} ({where}) asked by a {d.requested_by} "
        f"on {d.on}: [bold {colour}]{answer}[/]",
        highlight=False,
        soft_wrap=True,
    )
    if d.rule_id:
        console.print(f"offer rule: {d.rule_id}", highlight=False)
    console.print(f"reason: {d.reason}", highlight=False, soft_wrap=True)
    t = d.terms
    if t is None or d.outcome == "refused":
        return
    console.print(
        f"balance {t.balance} {t.currency or ''}, pays {t.total}, discount {t.discount} "
        f"({percent(t.discount_share)})",
        highlight=False,
    )
    title = "payment schedule" + (f" (promises written to {out})" if out else "")
    if d.outcome == "needs_approval":
        title = f"proposed schedule (needs a {d.approver_role}'s approval)"
    console.print(f"{title}:", highlight=False, soft_wrap=True)
    table = Table()
    for name in ("#", "due date", "amount"):
        table.add_column(name, justify="right" if name != "due date" else "left")
    for k, i in enumerate(t.schedule, start=1):
        table.add_row(str(k), i.due_date.isoformat(), str(i.amount))
    console.print(table)
