"""A service over a small demo book: a migrated database with a generated portfolio, today's
plan of the mixed example imported as the queue, one user per role, and a clock the test
moves. Shared by the API, browser and load tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from arrears.service.api.app import create_app
from arrears.service.bootstrap import demo_users, load_demo
from arrears.service.settings import Settings
from arrears.store.db import engine
from arrears.store.models import User

RUN_DATE = dt.date(2026, 11, 30)
OPENED = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
"""The queue opens at 09:00 in Shanghai; the clock starts here."""
WEBHOOK_SECRET = "test-webhook-secret"


def password_of(user_id: str) -> str:
    return f"{user_id}-pass-phrase"


@dataclass
class Clock:
    now: dt.datetime = OPENED

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Book:
    url: str
    run: Path
    users: dict[str, str]  # user id -> agent id (or "")
    team: str
    clock: Clock = field(default_factory=Clock)

    def settings(self, **overrides: object) -> Settings:
        options: dict[str, object] = {
            "database_url": self.url, "webhook_secret": WEBHOOK_SECRET, "clock": self.clock,
        }  # fmt: skip
        options.update(overrides)
        return Settings(**options)  # type: ignore[arg-type]

    def app(self, **overrides: object):  # type: ignore[no-untyped-def]
        return create_app(self.settings(**overrides))


def build_book(url: str, folder: Path, accounts: int = 3_000) -> Book:
    run = load_demo(url, folder, RUN_DATE, accounts=accounts, at=OPENED)
    eng = engine(url)
    try:
        made = demo_users(eng, password_of)
        with eng.connect() as connection:
            rows = connection.execute(select(User.user_id, User.agent_id)).all()
    finally:
        eng.dispose()
    team = next(u.note.split("team ")[1] for u in made if u.user_id == "supervisor")
    return Book(url, run, {r.user_id: r.agent_id or "" for r in rows}, team)
