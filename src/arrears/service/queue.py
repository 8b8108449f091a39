"""The agents' queue: Get Next, claim, release, finish, reassign, and who may see a case.

A unit is one customer (all of their accounts). An agent may work the units dispatched to it and
grab those pooled for its team. Claims are leases (`claimed_until`): an agent who walks away
does not hold a case past the lease. Two agents never hold one unit: on PostgreSQL Get Next
reads the candidate with `FOR UPDATE SKIP LOCKED` (a unit another transaction is claiming is
skipped, not waited for), and on every back end the claim itself is a conditional UPDATE that
succeeds only while the unit is free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from arrears.service.roles import Principal
from arrears.store.models import Agent
from arrears.store.repository import record_audit
from arrears.store.work import WorkUnit

MAX_TRIES = 8


class QueueError(Exception):
    """A queue operation that cannot be done; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Claim:
    customer_id: str
    claimed_until: dt.datetime
    resumed: bool  # the agent's own unfinished claim, given back


def _free(now: dt.datetime) -> ColumnElement[bool]:
    return or_(WorkUnit.claimed_by.is_(None), WorkUnit.claimed_until <= now)


def _mine_to_work(agent: Principal) -> ColumnElement[bool]:
    """Units the agent may take: dispatched to it, or pooled for its team."""
    own = and_(WorkUnit.mode == "dispatch", WorkUnit.owner_id == agent.agent_id)
    if agent.agent_team is None:
        return own
    return or_(own, and_(WorkUnit.mode == "pool", WorkUnit.team_id == agent.agent_team))


def _order(now: dt.datetime) -> tuple[ColumnElement[object], ...]:
    """Callable now first, then the plan's priority, then value."""
    callable_now = case(
        (and_(WorkUnit.window_start <= now, WorkUnit.window_end > now), 0),
        (WorkUnit.window_start > now, 1),
        else_=2,
    )
    return (
        callable_now,
        WorkUnit.priority.is_(None),
        WorkUnit.priority,
        WorkUnit.unit_value.desc(),
        WorkUnit.customer_id,
    )  # type: ignore[return-value]


def _need_agent(who: Principal) -> str:
    if who.agent_id is None or "agent" not in who.roles:
        raise QueueError("only an agent works the queue", status=403)
    return who.agent_id


def _take(
    connection: Connection, customer_id: str, agent_id: str, now: dt.datetime, until: dt.datetime
) -> bool:
    taken = connection.execute(
        update(WorkUnit)
        .where(WorkUnit.customer_id == customer_id, WorkUnit.state == "open", _free(now))
        .values(claimed_by=agent_id, claimed_until=until)
    )
    return taken.rowcount == 1


def get_next(
    connection: Connection, who: Principal, *, now: dt.datetime, lease: dt.timedelta
) -> Claim | None:
    """Claim the agent's next unit (or give back the one it holds); None when none is left.
    Commits nothing itself: the caller's transaction does."""
    agent_id = _need_agent(who)
    held = connection.execute(
        select(WorkUnit.customer_id)
        .where(
            WorkUnit.claimed_by == agent_id, WorkUnit.claimed_until > now, WorkUnit.state == "open"
        )
        .order_by(WorkUnit.customer_id)
        .limit(1)
    ).scalar()
    if held is not None:
        until = now + lease
        connection.execute(
            update(WorkUnit).where(WorkUnit.customer_id == held).values(claimed_until=until)
        )
        return Claim(held, until, resumed=True)
    query = (
        select(WorkUnit.customer_id)
        .where(
            WorkUnit.state == "open", WorkUnit.worked_at.is_(None), _free(now), _mine_to_work(who)
        )
        .order_by(*_order(now))
        .limit(1)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for _ in range(MAX_TRIES):
        customer_id = connection.execute(query).scalar()
        if customer_id is None:
            return None
        until = now + lease
        if _take(connection, customer_id, agent_id, now, until):
            record_audit(
                connection,
                actor=who.user_id,
                action="get_next",
                entity="work_units",
                entity_id=customer_id,
                after={"claimed_by": agent_id},
                at=now,
            )
            return Claim(customer_id, until, resumed=False)
    raise QueueError("the queue is busy: try again", status=503)


def claim(
    connection: Connection,
    who: Principal,
    customer_id: str,
    *,
    now: dt.datetime,
    lease: dt.timedelta,
) -> Claim:
    agent_id = _need_agent(who)
    unit = connection.execute(
        select(WorkUnit.claimed_by, WorkUnit.claimed_until, WorkUnit.state).where(
            WorkUnit.customer_id == customer_id, _mine_to_work(who)
        )
    ).first()
    if unit is None:
        raise QueueError(f"case {customer_id} is not in your queue", status=404)
    if unit.state != "open":
        raise QueueError(f"case {customer_id} is {unit.state}")
    until = now + lease
    if unit.claimed_by == agent_id:
        connection.execute(
            update(WorkUnit).where(WorkUnit.customer_id == customer_id).values(claimed_until=until)
        )
        return Claim(customer_id, until, resumed=True)
    if not _take(connection, customer_id, agent_id, now, until):
        raise QueueError(f"case {customer_id} is held by another agent")
    record_audit(
        connection,
        actor=who.user_id,
        action="claim",
        entity="work_units",
        entity_id=customer_id,
        after={"claimed_by": agent_id},
        at=now,
    )
    return Claim(customer_id, until, resumed=False)


def release(
    connection: Connection, who: Principal, customer_id: str, *, now: dt.datetime, done: bool
) -> None:
    """Give a claimed unit back to the queue, or close it for the day (`done`)."""
    agent_id = _need_agent(who)
    values: dict[str, object] = {"claimed_by": None, "claimed_until": None}
    if done:
        values |= {"worked_at": now, "state": "done"}
    changed = connection.execute(
        update(WorkUnit)
        .where(
            WorkUnit.customer_id == customer_id,
            WorkUnit.claimed_by == agent_id,
            WorkUnit.claimed_until > now,
        )
        .values(**values)
    )
    if changed.rowcount == 0:
        raise QueueError(f"you do not hold case {customer_id}", status=404)
    record_audit(
        connection,
        actor=who.user_id,
        action="finish" if done else "release",
        entity="work_units",
        entity_id=customer_id,
        before={"claimed_by": agent_id},
        after={"claimed_by": None, "done": done},
        at=now,
    )


def reassign(
    connection: Connection, who: Principal, customer_id: str, agent_id: str, *, now: dt.datetime
) -> None:
    """A supervisor moves a unit of its team to one of the team's agents (dispatched to it)."""
    unit = connection.execute(
        select(WorkUnit.team_id, WorkUnit.owner_id, WorkUnit.mode, WorkUnit.claimed_by).where(
            WorkUnit.customer_id == customer_id
        )
    ).first()
    if unit is None or not may_supervise(who, unit.team_id):
        raise QueueError(f"case {customer_id} is not in your teams", status=404)
    team = connection.scalar(select(Agent.team_id).where(Agent.agent_id == agent_id))
    if team is None or team != unit.team_id:
        raise QueueError(f"agent {agent_id} is not in team {unit.team_id}", status=422)
    connection.execute(
        update(WorkUnit)
        .where(WorkUnit.customer_id == customer_id)
        .values(
            owner_id=agent_id,
            owner_kind="agent",
            mode="dispatch",
            claimed_by=None,
            claimed_until=None,
        )
    )
    record_audit(
        connection,
        actor=who.user_id,
        action="reassign",
        entity="work_units",
        entity_id=customer_id,
        before={"owner_id": unit.owner_id, "mode": unit.mode, "claimed_by": unit.claimed_by},
        after={"owner_id": agent_id, "mode": "dispatch"},
        at=now,
    )


def may_supervise(who: Principal, team_id: str | None) -> bool:
    return "admin" in who.roles or ("supervisor" in who.roles and team_id in who.teams)


def _unit_access(connection: Connection, customer_id: str) -> Any:
    return connection.execute(
        select(
            WorkUnit.team_id, WorkUnit.owner_id, WorkUnit.mode, WorkUnit.claimed_by,
            WorkUnit.claimed_until, WorkUnit.state,
        ).where(WorkUnit.customer_id == customer_id)
    ).first()  # fmt: skip


def may_read(connection: Connection, who: Principal, customer_id: str, *, now: dt.datetime) -> bool:
    """An agent reads the units dispatched to it or that it holds; a supervisor those of its
    teams; a compliance officer and an admin every case."""
    return who.reads_all_cases or may_work(connection, who, customer_id, now=now)


def may_work(connection: Connection, who: Principal, customer_id: str, *, now: dt.datetime) -> bool:
    """Recording outcomes: the agent holding or owning the unit, its supervisor, an admin."""
    if "admin" in who.roles:
        return True
    unit = _unit_access(connection, customer_id)
    if unit is None:
        return False
    if may_supervise(who, unit.team_id):
        return True
    return who.agent_id is not None and "agent" in who.roles and holds(unit, who.agent_id, now)


def holds(unit: Any, agent_id: str, now: dt.datetime) -> bool:
    """The agent holds a live claim on the unit, or the unit is dispatched to it and open."""
    claimed = (
        unit.claimed_by == agent_id and unit.claimed_until is not None and unit.claimed_until > now
    )
    owned = unit.mode == "dispatch" and unit.owner_id == agent_id and unit.state == "open"
    return bool(claimed or owned)


def queue_of(
    connection: Connection, who: Principal, *, now: dt.datetime, limit: int = 200
) -> list[dict[str, object]]:
    """The agent's queue: units it holds, then those it may take, in Get Next's order."""
    agent_id = _need_agent(who)
    rows = connection.execute(
        select(WorkUnit)
        .where(
            WorkUnit.state == "open",
            or_(
                and_(WorkUnit.claimed_by == agent_id, WorkUnit.claimed_until > now),
                and_(_free(now), WorkUnit.worked_at.is_(None), _mine_to_work(who)),
            ),
        )
        .order_by(*_order(now))
        .limit(limit)
    ).all()
    return [unit_dict(u, now) for u in rows]


def unit_dict(unit: Any, now: dt.datetime) -> dict[str, object]:
    live = (
        unit.claimed_by is not None and unit.claimed_until is not None and unit.claimed_until > now
    )
    return {
        "customer_id": unit.customer_id,
        "owner_id": unit.owner_id,
        "team_id": unit.team_id,
        "mode": unit.mode,
        "unit_value": unit.unit_value,
        "rank": unit.rank,
        "priority": unit.priority,
        "window_start": unit.window_start,
        "window_end": unit.window_end,
        "state": unit.state,
        "claimed_by": unit.claimed_by if live else None,
        "claimed_until": unit.claimed_until if live else None,
    }
