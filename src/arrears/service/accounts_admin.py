"""Users, their roles and teams: created by an admin (API) or `arrears users add`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select

from arrears.service.passwords import hash_password
from arrears.service.roles import ROLES
from arrears.store.models import Agent, Role, Team, User, UserRole, UserTeam
from arrears.store.repository import record_audit


class UserError(ValueError):
    pass


def ensure_roles(connection: Connection) -> None:
    """The role table holds every role the service knows (idempotent)."""
    have = set(connection.scalars(select(Role.role_id)))
    missing = [{"role_id": r, "description": d} for r, d in ROLES.items() if r not in have]
    if missing:
        connection.execute(insert(Role), missing)


def create_user(
    connection: Connection,
    *,
    user_id: str,
    name: str,
    password: str,
    roles: Iterable[str],
    actor: str,
    agent_id: str | None = None,
    teams: Iterable[str] = (),
    email: str | None = None,
    language: str | None = None,
) -> None:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise UserError(f"unknown roles {unknown} (one or more of: {', '.join(ROLES)})")
    if connection.scalar(select(User.user_id).where(User.user_id == user_id)) is not None:
        raise UserError(f"user '{user_id}' exists")
    if agent_id is not None and (
        connection.scalar(select(Agent.agent_id).where(Agent.agent_id == agent_id)) is None
    ):
        raise UserError(f"agent '{agent_id}' is not in the agents table")
    if email is not None and connection.scalar(select(User.user_id).where(User.email == email)):
        raise UserError(f"another user has the e-mail {email}")
    teams = sorted(set(teams))
    known = set(connection.scalars(select(Team.team_id).where(Team.team_id.in_(teams))))
    if set(teams) - known:
        raise UserError(f"unknown teams {sorted(set(teams) - known)}")
    if agent_id is not None and connection.scalar(
        select(User.user_id).where(User.agent_id == agent_id)
    ):
        raise UserError(f"agent {agent_id} already has a user")
    if "agent" in roles and agent_id is None:
        raise UserError("a user with the agent role needs the agent it works as (agent_id)")
    ensure_roles(connection)
    connection.execute(
        insert(User),
        {
            "user_id": user_id,
            "name": name,
            "email": email,
            "active": True,
            "password_hash": hash_password(password),
            "agent_id": agent_id,
            "language": language,
        },
    )
    connection.execute(insert(UserRole), [{"user_id": user_id, "role_id": r} for r in roles])
    if teams:
        connection.execute(insert(UserTeam), [{"user_id": user_id, "team_id": t} for t in teams])
    record_audit(
        connection, actor=actor, action="create_user", entity="users", entity_id=user_id,
        after={"name": name, "roles": roles, "agent_id": agent_id, "teams": teams},
    )  # fmt: skip


def set_password(connection: Connection, user_id: str, password: str, *, actor: str) -> None:
    found = connection.execute(
        User.__table__.update()  # type: ignore[attr-defined]
        .where(User.user_id == user_id)
        .values(password_hash=hash_password(password))
    )
    if found.rowcount == 0:
        raise UserError(f"no user '{user_id}'")
    record_audit(connection, actor=actor, action="set_password", entity="users", entity_id=user_id)


def set_roles(connection: Connection, user_id: str, roles: Iterable[str], *, actor: str) -> None:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise UserError(f"unknown roles {unknown} (one or more of: {', '.join(ROLES)})")
    before = sorted(connection.scalars(select(UserRole.role_id).where(UserRole.user_id == user_id)))
    ensure_roles(connection)
    connection.execute(delete(UserRole).where(UserRole.user_id == user_id))
    connection.execute(insert(UserRole), [{"user_id": user_id, "role_id": r} for r in roles])
    record_audit(
        connection, actor=actor, action="set_roles", entity="users", entity_id=user_id,
        before={"roles": before}, after={"roles": roles},
    )  # fmt: skip
