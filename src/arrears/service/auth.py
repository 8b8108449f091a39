"""Logins and sessions: Argon2 passwords, opaque bearer tokens (only their SHA-256 is stored),
a CSRF token per session for the pages' forms, and a limit on failed logins."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from arrears.service.passwords import DUMMY_HASH, verify_password
from arrears.service.roles import Principal
from arrears.store.models import Agent, User, UserRole, UserTeam
from arrears.store.repository import record_audit
from arrears.store.work import AuthSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginLimiter:
    """At most `attempts` failed logins per key (user name and client) in `window_s` seconds;
    the clock is passed in. Kept in the process: behind several workers, put the limit in
    front of them too (the reverse proxy's)."""

    def __init__(self, attempts: int, window_s: float, clock: Callable[[], dt.datetime]):
        self.attempts = attempts
        self.window = dt.timedelta(seconds=window_s)
        self.clock = clock
        self._failures: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: dt.datetime) -> deque[dt.datetime]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may try again, or None when it may now."""
        now = self.clock()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.attempts:
                return None
            return max((failures[0] + self.window - now).total_seconds(), 1.0)

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


@dataclass(frozen=True)
class Login:
    token: str
    csrf_token: str
    expires_at: dt.datetime
    principal: Principal


def authenticate(connection: Connection, user_id: str, password: str) -> bool:
    stored = connection.scalar(
        select(User.password_hash).where(User.user_id == user_id, User.active.is_(True))
    )
    if stored is None:
        verify_password(DUMMY_HASH, password)  # the same time as a wrong password
        return False
    return verify_password(stored, password)


def open_session(connection: Connection, user_id: str, *, now: dt.datetime, hours: float) -> Login:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = now + dt.timedelta(hours=hours)
    connection.execute(
        insert(AuthSession),
        {
            "token_hash": token_hash(token),
            "user_id": user_id,
            "csrf_token": csrf,
            "created_at": now,
            "expires_at": expires,
        },
    )
    record_audit(
        connection, actor=user_id, action="login", entity="users", entity_id=user_id, at=now
    )
    principal = principal_of(connection, user_id, csrf)
    assert principal is not None
    return Login(token, csrf, expires, principal)


def close_session(connection: Connection, token: str, *, now: dt.datetime) -> None:
    connection.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def session_principal(connection: Connection, token: str, *, now: dt.datetime) -> Principal | None:
    """The principal of a live session's token, or None (unknown, expired, revoked, or its
    user deactivated): one statement, the session joined to its user, the user's agent's
    team, roles and teams (a row per role × team, a handful at most)."""
    rows = connection.execute(
        select(
            AuthSession.user_id,
            AuthSession.csrf_token,
            AuthSession.expires_at,
            User.name,
            User.agent_id,
            User.language,
            Agent.team_id.label("agent_team"),
            UserRole.role_id,
            UserTeam.team_id,
        )
        .join(User, (User.user_id == AuthSession.user_id) & User.active.is_(True))
        .outerjoin(Agent, Agent.agent_id == User.agent_id)
        .outerjoin(UserRole, UserRole.user_id == User.user_id)
        .outerjoin(UserTeam, UserTeam.user_id == User.user_id)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.revoked_at.is_(None))
    ).all()
    if not rows or rows[0].expires_at <= now:
        return None
    first = rows[0]
    return Principal(
        user_id=first.user_id,
        name=first.name,
        roles=frozenset(r.role_id for r in rows if r.role_id is not None),
        agent_id=first.agent_id,
        agent_team=first.agent_team,
        teams=frozenset(r.team_id for r in rows if r.team_id is not None),
        language=first.language,
        csrf_token=first.csrf_token,
    )


def principal_of(connection: Connection, user_id: str, csrf: str = "") -> Principal | None:
    user = connection.execute(
        select(User.user_id, User.name, User.agent_id, User.language).where(
            User.user_id == user_id, User.active.is_(True)
        )
    ).first()
    if user is None:
        return None
    roles = frozenset(
        connection.scalars(select(UserRole.role_id).where(UserRole.user_id == user_id))
    )
    teams = frozenset(
        connection.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user_id))
    )
    agent_team = None
    if user.agent_id is not None:
        agent_team = connection.scalar(select(Agent.team_id).where(Agent.agent_id == user.agent_id))
    return Principal(
        user_id=user.user_id,
        name=user.name,
        roles=roles,
        agent_id=user.agent_id,
        agent_team=agent_team,
        teams=teams,
        language=user.language,
        csrf_token=csrf,
    )
