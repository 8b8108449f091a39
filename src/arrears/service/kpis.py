"""A supervisor's day: per team, the attempts, right-party contacts, promises and amounts
promised, payments, and the pre-dial refusals of today; per agent, its queue and its work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from arrears.store.models import Account, Agent, Attempt, AuditEntry, Contact, Payment, Promise
from arrears.store.work import WorkUnit


def _per_team(rows: Iterable[Any]) -> dict[str, Any]:
    return {str(r[0]): r[1:] for r in rows}


def team_kpis(
    connection: Connection, teams: Iterable[str], start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """Today's figures (`start` ≤ t < `end`) of each team."""
    teams = sorted(set(teams))
    attempts = _per_team(
        connection.execute(
            select(
                Agent.team_id,
                func.count(),
                func.sum(case((Attempt.outcome == "rpc", 1), else_=0)),
            )
            .join(Agent, Agent.agent_id == Attempt.agent_id)
            .where(Agent.team_id.in_(teams), Attempt.at >= start, Attempt.at < end)
            .group_by(Agent.team_id)
        )
    )
    unit_of_account = and_(Account.customer_id == WorkUnit.customer_id, WorkUnit.team_id.in_(teams))
    promises = _per_team(
        connection.execute(
            select(WorkUnit.team_id, func.count(), func.coalesce(func.sum(Promise.amount), 0))
            .join(Account, Account.account_id == Promise.account_id)
            .join(WorkUnit, unit_of_account)
            .where(Promise.made_at >= start, Promise.made_at < end)
            .group_by(WorkUnit.team_id)
        )
    )
    paid = _per_team(
        connection.execute(
            select(WorkUnit.team_id, func.count(), func.coalesce(func.sum(Payment.amount), 0))
            .join(Account, Account.account_id == Payment.account_id)
            .join(WorkUnit, unit_of_account)
            .where(Payment.paid_at >= start, Payment.paid_at < end)
            .group_by(WorkUnit.team_id)
        )
    )
    refused = _per_team(
        connection.execute(
            select(WorkUnit.team_id, func.count())
            .select_from(AuditEntry)
            .join(Contact, Contact.contact_id == AuditEntry.entity_id)
            .join(
                WorkUnit,
                and_(WorkUnit.customer_id == Contact.customer_id, WorkUnit.team_id.in_(teams)),
            )
            .where(
                AuditEntry.action == "predial_refused", AuditEntry.at >= start, AuditEntry.at < end
            )
            .group_by(WorkUnit.team_id)
        )
    )
    queue = _per_team(
        connection.execute(
            select(
                WorkUnit.team_id,
                func.sum(case((WorkUnit.state == "open", 1), else_=0)),
                func.sum(case((WorkUnit.state == "done", 1), else_=0)),
            )
            .where(WorkUnit.team_id.in_(teams))
            .group_by(WorkUnit.team_id)
        )
    )
    out = []
    for team in teams:
        a = attempts.get(team, (0, 0))
        p = promises.get(team, (0, 0))
        q = paid.get(team, (0, 0))
        u = queue.get(team, (0, 0))
        out.append(
            {
                "team_id": team,
                "attempts": int(a[0] or 0),
                "rpc": int(a[1] or 0),
                "promises": int(p[0] or 0),
                "promised_amount": str(p[1]),
                "payments": int(q[0] or 0),
                "paid_amount": str(q[1]),
                "compliance_blocks": int(refused.get(team, (0,))[0] or 0),
                "open_cases": int(u[0] or 0),
                "worked_cases": int(u[1] or 0),
            }
        )
    return out


def agent_queues(connection: Connection, team: str, now: dt.datetime) -> list[dict[str, Any]]:
    """Each agent of the team: cases dispatched to it, held now, worked today."""
    live = and_(WorkUnit.claimed_by == Agent.agent_id, WorkUnit.claimed_until > now)
    rows = connection.execute(
        select(
            Agent.agent_id,
            Agent.name,
            func.count(WorkUnit.customer_id).filter(
                and_(WorkUnit.owner_id == Agent.agent_id, WorkUnit.state == "open")
            ),
        )
        .outerjoin(WorkUnit, WorkUnit.owner_id == Agent.agent_id)
        .where(Agent.team_id == team)
        .group_by(Agent.agent_id, Agent.name)
        .order_by(Agent.agent_id)
    ).all()
    held = dict(
        connection.execute(
            select(Agent.agent_id, func.count())
            .join(WorkUnit, live)
            .where(Agent.team_id == team)
            .group_by(Agent.agent_id)
        ).all()
    )
    return [
        {
            "agent_id": r[0],
            "name": r[1],
            "dispatched_open": int(r[2] or 0),
            "holding": int(held.get(r[0], 0)),
        }
        for r in rows
    ]
