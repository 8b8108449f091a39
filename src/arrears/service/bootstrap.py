"""A service with something to show: on an empty database, `arrears serve` loads a small demo
portfolio and today's plan of the example strategy, and creates one user per role with fresh
random passwords (printed once; nothing is hard-coded)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from arrears.contract.load import load_portfolio
from arrears.demo import write_examples
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan
from arrears.service.accounts_admin import create_user
from arrears.store.io import import_run, import_tables
from arrears.store.models import Plan, User
from arrears.store.work import WorkUnit

DEMO_ACCOUNTS = 3_000
DEMO_SEED = 7


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    roles: tuple[str, ...]
    password: str
    note: str


def is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return not connection.scalar(select(func.count()).select_from(Plan))


def load_demo(
    url: str,
    folder: Path,
    run_date: dt.date,
    *,
    accounts: int = DEMO_ACCOUNTS,
    seed: int = DEMO_SEED,
    at: dt.datetime | None = None,
) -> Path:
    """Generate, plan and import the demo book (the queue opened `at`, default now); returns
    the run folder."""
    data = folder / "data"
    tables = generate_portfolio(accounts=accounts, seed=seed, country="mixed", as_of=run_date)
    write_portfolio(tables, data, fmt="parquet")
    strategy = write_examples(folder / "strategies")["mixed_example.yaml"]
    out = folder / "runs" / f"{run_date.isoformat()}-mixed"
    run_plan(data=data, strategy_path=strategy, run_date=run_date, out=out)
    import_tables(url, load_portfolio(data).tables)
    import_run(url, out, at=at)
    return out


def demo_staff(connection: Connection) -> tuple[str, list[str]]:
    """The human team with two agents holding dispatched cases and the most cases in today's
    queue, and its two agents with the most dispatched cases."""
    units = pl.DataFrame(
        connection.execute(select(WorkUnit.team_id, WorkUnit.owner_id, WorkUnit.mode)).all(),
        schema=["team_id", "owner_id", "mode"],
        orient="row",
    )
    dispatched = units.filter(pl.col("mode") == "dispatch")
    ranked = (
        units.group_by("team_id")
        .len()
        .join(
            dispatched.group_by("team_id").agg(pl.col("owner_id").n_unique().alias("agents")),
            on="team_id",
            how="left",
        )
        .with_columns(pl.col("agents").fill_null(0).clip(upper_bound=2))
        .sort("agents", "len", "team_id", descending=[True, True, False])
    )
    team = str(ranked.item(0, "team_id"))
    agents = (
        dispatched.filter(pl.col("team_id") == team)
        .group_by("owner_id")
        .len()
        .sort("len", "owner_id", descending=[True, False])
        .get_column("owner_id")
        .head(2)
        .to_list()
    )
    return team, agents


def _random_password(_user_id: str) -> str:
    return secrets.token_urlsafe(12)


def demo_users(
    engine: Engine, password_for: Callable[[str], str] = _random_password
) -> list[DemoUser]:
    """One user per role, on the team `demo_staff` picks; passwords fresh and random unless
    `password_for` gives them (tests)."""
    with engine.begin() as connection:
        if connection.scalar(select(func.count()).select_from(User)):
            return []
        team, agents = demo_staff(connection)
        made = []
        plan = [
            ("admin", ("admin",), None, (), "everything"),
            ("supervisor", ("supervisor",), None, (team,), f"team {team}"),
            ("manager", ("strategy_manager",), None, (), "strategy versions"),
            (
                "compliance",
                ("compliance_officer",),
                None,
                (),
                "every case, unmasked; the audit log",
            ),
            *[
                (f"agent{i + 1}", ("agent",), a, (), f"works as {a} in {team}")
                for i, a in enumerate(agents)
            ],
        ]
        for user_id, roles, agent, teams, note in plan:
            password = password_for(user_id)
            create_user(
                connection, user_id=user_id, name=user_id.capitalize(), password=password,
                roles=roles, actor="arrears serve", agent_id=agent, teams=teams,
            )  # fmt: skip
            made.append(DemoUser(user_id, roles, password, note))
    return made
