"""What every request shares: settings, the engine, the login limiter, today's policy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from arrears.service.auth import LoginLimiter
from arrears.service.guard_now import Guard, Policy, latest_strategy
from arrears.service.settings import Settings
from arrears.store.models import Plan
from arrears.templates.library import Library

SHIPPED_TEMPLATES = Path(__file__).parents[2] / "examples" / "templates"


@dataclass
class ServiceState:
    settings: Settings
    engine: Engine
    limiter: LoginLimiter
    templates: Path = SHIPPED_TEMPLATES
    _policy: tuple[int | None, Policy] | None = field(default=None, repr=False)
    _library: Library | None = field(default=None, repr=False)
    _guard: Guard | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        with self.engine.begin() as connection:
            yield connection

    def policy(self, connection: Connection) -> Policy:
        """The rules of the latest imported plan, parsed once per plan."""
        latest = connection.scalar(
            select(Plan.id).order_by(Plan.run_date.desc(), Plan.id.desc()).limit(1)
        )
        with self._lock:
            if self._policy is not None and self._policy[0] == latest:
                return self._policy[1]
        policy = Policy.of(latest_strategy(connection) if latest is not None else None)
        with self._lock:
            self._policy = (latest, policy)
        return policy

    def guard(self, connection: Connection) -> Guard:
        """The pre-dial check of the current policy, kept across requests (a new plan, a new
        one)."""
        policy = self.policy(connection)
        with self._lock:
            if self._guard is None or self._guard.policy is not policy:
                self._guard = Guard(policy)
            return self._guard

    def library(self) -> Library:
        with self._lock:
            if self._library is None:
                self._library = Library.load(self.templates)
            return self._library
