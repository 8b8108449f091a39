"""`arrears send` and `arrears inbound`: channel delivery from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Callable

    from arrears.channels.service_ledger import ServiceLedger

EXIT_INPUT = 2


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"'{text}' is not an ISO 8601 timestamp") from exc
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(UTC)


def _service_ledger(url: str, fail: Callable[[str], typer.Exit]) -> ServiceLedger:
    """The service's database, migrated to the code's schema (a database behind it cannot
    take the attempts; one that cannot be reached is bad input, before anything is sent)."""
    from sqlalchemy.exc import SQLAlchemyError

    from arrears.channels.service_ledger import ServiceLedger
    from arrears.store.db import upgrade

    try:
        upgrade(url)
        return ServiceLedger(url)
    except (SQLAlchemyError, OSError) as exc:
        raise fail(f"--database: {type(exc).__name__}: {exc}") from None


def register(app: typer.Typer, console: Console) -> None:
    err = Console(stderr=True)

    def fail(message: str) -> typer.Exit:
        err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        return typer.Exit(EXIT_INPUT)

    @app.command()
    def send(
        run: Annotated[Path, typer.Option(help="Run folder written by `plan`.")],
        data: Annotated[
            Path, typer.Option(help="The run's data folder: the ledger is appended to it.")
        ],
        channels: Annotated[
            str | None,
            typer.Option(help="Comma-separated: sms, email, letter (default: every configured)."),
        ] = None,
        until: Annotated[
            str | None,
            typer.Option(help="The send instant, ISO 8601 (default now): windows open then."),
        ] = None,
        state: Annotated[
            Path | None,
            typer.Option(help="Send state file (default: <run>.send.sqlite beside it)."),
        ] = None,
        config: Annotated[
            Path | None, typer.Option(help="Providers (YAML; default $ARREARS_CHANNELS).")
        ] = None,
        templates: Annotated[
            Path | None, typer.Option(help="Template library (default: the one the run used).")
        ] = None,
        chunk: Annotated[int, typer.Option(min=1, help="Actions checked and sent at once.")] = 500,
        limit: Annotated[
            int | None, typer.Option(min=1, help="Hand at most this many messages over.")
        ] = None,
        database: Annotated[
            str | None,
            typer.Option(
                help="The service's database URL: attempts appended there too, and actions "
                "it cancelled not sent (docs/channels.md)."
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Send the run's open actions exactly once through the channels' providers, each
        cleared by the guard at send time, and append every attempt to the data folder's
        ledger (docs/channels.md). Exit 0 when done, 1 when a provider was given up on or a
        send is left in doubt, 2 on bad input."""
        from arrears.channels.config import config_path, load_config
        from arrears.channels.dispatch import Clock, Dispatcher, Lane, Options
        from arrears.channels.inputs import DataView, InputError, read_run, words_of
        from arrears.channels.model import SEND_CHANNELS, ConfigError, Provider
        from arrears.channels.registry import open_provider
        from arrears.channels.state import SendState, StateLocked, default_path
        from arrears.contract.load import ContractError
        from arrears.strategy.diagnostics import StrategyError

        at = _instant(until) if until else None
        clock = Clock(now=(lambda: at) if at is not None else (lambda: datetime.now(UTC)))
        where = config_path(config)
        if where is None:
            raise fail("no delivery configuration: give --config FILE or set $ARREARS_CHANNELS")
        try:
            settings = load_config(where)
        except ConfigError as exc:
            raise fail(str(exc)) from None
        configured = tuple(c for c in SEND_CHANNELS if c in settings.providers)
        wanted = (
            tuple(c.strip() for c in channels.split(",") if c.strip()) if channels else configured
        )
        for c in wanted:
            if c not in SEND_CHANNELS:
                raise fail(f"--channels {c}: unknown (one of {', '.join(SEND_CHANNELS)})")
            if c not in settings.providers:
                raise fail(f"--channels {c}: no provider for it in {settings.source}")
        try:
            folder = read_run(run, templates)
            view = DataView(data, folder.presets, folder.reach)
        except (InputError, ContractError, FileNotFoundError) as exc:
            raise fail(str(exc)) from None
        except StrategyError as exc:
            for d in exc.diagnostics:
                err.print(str(d), highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        providers: list[Provider] = []
        lanes: dict[str, Lane] = {}
        try:
            for c in wanted:
                provider = open_provider(settings.providers[c])
                providers.append(provider)
                lanes[c] = Lane.of(provider, settings.providers[c], clock)
        except ConfigError as exc:
            raise fail(str(exc)) from None
        service = _service_ledger(database, fail) if database else None
        store = SendState(state or default_path(run))
        try:
            store.lock()
            store.set_meta({"run": str(run.resolve()), "data": str(data.resolve())})
            words = words_of(folder, settings)
            dispatcher = Dispatcher(
                folder=folder, view=view, state=store, lanes=lanes, words=words, clock=clock,
                options=Options(channels=wanted, chunk=chunk, limit=limit), service=service,
            )  # fmt: skip
            report = dispatcher.run()
        except StateLocked as exc:
            raise fail(str(exc)) from None
        finally:
            for provider in providers:
                provider.close()
            store.close()
            if service is not None:
                service.close()
        if as_json:
            console.print_json(json.dumps(report.as_dict(), default=str, ensure_ascii=False))
        else:
            _print_report(console, report, store.path)
        raise typer.Exit(0 if report.complete else 1)

    @app.command()
    def inbound(
        data: Annotated[Path, typer.Option(help="The data folder (contacts, attempts).")],
        events: Annotated[
            Path | None, typer.Option(help="JSON lines: receipts and replies (docs/channels.md).")
        ] = None,
        reply: Annotated[str | None, typer.Option(help="One reply's text (with --sender).")] = None,
        sender: Annotated[
            str | None, typer.Option("--from", help="The reply's sender (phone or e-mail).")
        ] = None,
        channel: Annotated[str, typer.Option(help="The reply's channel.")] = "sms",
        state: Annotated[
            Path | None, typer.Option(help="A send state file to record receipts in too.")
        ] = None,
    ) -> None:
        """Apply delivery receipts and replies: an opt-out word (STOP, 退订, TD, T,
        unsubscribe) opts the point out of the channel at once."""
        from arrears.channels.inbound import EventError, apply_events, parse_event, read_events
        from arrears.channels.state import SendState

        try:
            if events is not None:
                found = read_events(events)
            elif reply is not None and sender is not None:
                found = [parse_event({"type": "reply", "text": reply, "from": sender,
                                      "channel": channel})]  # fmt: skip
            else:
                raise fail("give --events FILE, or --reply TEXT --from SENDER")
        except EventError as exc:
            raise fail(str(exc)) from None
        store = SendState(state) if state is not None else None
        try:
            applied = apply_events(data, found, datetime.now(UTC), store)
        finally:
            if store is not None:
                store.close()
        console.print(
            f"{applied.receipts} receipts applied, {len(applied.opt_outs)} contact points "
            f"opted out ({', '.join(applied.opt_outs) or '-'}), {applied.replies_kept} replies "
            f"left for a person",
            highlight=False,
        )
        for what in applied.replies_unmatched:
            err.print(f"opt-out from {what}: no contact point has it", highlight=False)


def _print_report(console: Console, report: object, state_path: Path) -> None:
    from arrears.channels.report import Report

    assert isinstance(report, Report)
    table = Table(
        title=f"arrears send: {report.open_at_start:,} actions open ({report.seconds:.1f} s)"
    )
    for name in ("channel", "sent", "failed"):
        table.add_column(name, justify="left" if name == "channel" else "right")
    for channel in sorted(set(report.sent) | set(report.failed)):
        table.add_row(channel, f"{report.sent[channel]:,}", f"{report.failed[channel]:,}")
    console.print(table)
    for title, counts in (("cancelled", report.cancelled), ("held", report.held),
                          ("recovered after an interruption", report.recovered)):  # fmt: skip
        if counts:
            listed = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
            console.print(f"{title}: {listed}", highlight=False)
    if report.adopted:
        console.print(f"already in the ledger: {report.adopted:,}", highlight=False)
    for channel, n in report.no_provider.items():
        console.print(f"{channel}: {n:,} actions, not asked for (--channels)", highlight=False)
    for key, why in report.failures[:10]:
        console.print(f"failed {key}: {why}", highlight=False)
    for channel, why in report.stopped.items():
        console.print(f"[bold red]{channel} given up on:[/] {why}", highlight=False)
    for key, why in report.unresolved[:10]:
        console.print(f"[yellow]in doubt[/] {key}: {why}", highlight=False)
    console.print(
        f"{report.ledger_rows:,} attempts appended to the ledger; state {state_path}",
        highlight=False,
    )
    if report.service_rows is not None:
        missing = report.service_missing
        note = f"; {missing:,} not held there (account or contact not imported)"
        console.print(
            f"{report.service_rows:,} attempts sent to the service's database"
            + (note if missing else ""),
            highlight=False,
        )
