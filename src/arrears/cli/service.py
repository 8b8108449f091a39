"""`arrears serve`, `arrears users add`, `arrears strategy-export`: the service's commands."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

DB_HELP = "Database URL (default: $ARREARS_DATABASE_URL, else sqlite:///arrears.db)."


def register(app: typer.Typer, console: Console) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
        demo_dir: Annotated[
            Path, typer.Option(help="Where an empty database's demo book is written.")
        ] = Path("arrears-demo/service"),
        workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    ) -> None:
        """Run the service (API at /api/docs, pages at /). An empty database gets a demo book,
        today's plan and one user per role, whose passwords are printed once."""
        import uvicorn

        from arrears.service.api.app import create_app
        from arrears.service.bootstrap import demo_users, is_empty, load_demo
        from arrears.service.settings import Settings
        from arrears.store.db import database_url, engine, upgrade

        url = database_url(db)
        upgrade(url)
        eng = engine(url)
        try:
            if is_empty(eng):
                console.print(f"empty database: loading a demo book into {url} …", highlight=False)
                run = load_demo(url, demo_dir, dt.date.today())
                console.print(f"today's plan {run} imported", highlight=False)
            users = demo_users(eng)
        finally:
            eng.dispose()
        if users:
            console.rule("[bold]demo users (passwords shown once)")
            for u in users:
                console.print(
                    f"{u.user_id:<11} {u.password}  {', '.join(u.roles)}: {u.note}", highlight=False
                )
        if not os.environ.get("ARREARS_WEBHOOK_SECRET"):
            os.environ["ARREARS_WEBHOOK_SECRET"] = secrets.token_urlsafe(24)
            console.print(
                "payment webhook secret (set ARREARS_WEBHOOK_SECRET to choose it): "
                + os.environ["ARREARS_WEBHOOK_SECRET"],
                highlight=False,
            )
        console.print(
            f"arrears on http://{host}:{port}/  (API: http://{host}:{port}/api/docs)",
            highlight=False,
        )
        if workers == 1:
            uvicorn.run(
                create_app(Settings(database_url=url)), host=host, port=port, log_level="info"
            )
        else:
            os.environ["ARREARS_DATABASE_URL"] = url
            uvicorn.run(
                "arrears.service.api.app:create_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
            )

    @app.command("users")
    def users(
        user_id: Annotated[str, typer.Argument(help="The new user's login name.")],
        role: Annotated[list[str], typer.Option(help="A role (repeat for several).")],
        name: Annotated[str | None, typer.Option(help="Display name.")] = None,
        agent: Annotated[str | None, typer.Option(help="The agent id it works as.")] = None,
        team: Annotated[list[str] | None, typer.Option(help="A team it supervises.")] = None,
        db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    ) -> None:
        """Add a user; the password is asked for (never on the command line)."""
        from arrears.service.accounts_admin import UserError, create_user
        from arrears.service.passwords import WeakPassword
        from arrears.store.db import database_url, engine, upgrade

        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        url = database_url(db)
        upgrade(url)
        eng = engine(url)
        try:
            with eng.begin() as connection:
                create_user(
                    connection, user_id=user_id, name=name or user_id, password=password,
                    roles=role, actor="arrears users", agent_id=agent, teams=team or (),
                )  # fmt: skip
        except (UserError, WeakPassword) as exc:
            console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None
        finally:
            eng.dispose()
        console.print(f"user {user_id} added ({', '.join(sorted(role))})", highlight=False)

    @app.command("strategy-export")
    def strategy_export(
        name: Annotated[str, typer.Option(help="The strategy's name.")],
        out: Annotated[Path, typer.Option(help="File to write the active version to.")],
        on: Annotated[str | None, typer.Option("--date", help="Day (default tomorrow).")] = None,
        db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
    ) -> None:
        """Write the version of a strategy active on a day (default tomorrow) for `arrears plan`."""
        from arrears.service.strategies import active_version, version_row
        from arrears.store.db import engine

        day = dt.date.fromisoformat(on) if on else dt.date.today() + dt.timedelta(days=1)
        eng = engine(db)
        try:
            with eng.connect() as connection:
                version = active_version(connection, name, day)
                if version is None:
                    console.print(
                        f"[bold red]error:[/] no version of '{name}' is active on {day}",
                        highlight=False,
                    )
                    raise typer.Exit(2)
                row = version_row(connection, version)
        finally:
            eng.dispose()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(row.body or "", encoding="utf-8")
        console.print(
            f"{name} version {row.version} (id {version}, active on {day}) → {out}", highlight=False
        )
