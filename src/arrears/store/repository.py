"""Repositories over the system of record (Cosmic Python style: the domain sees these, not the
ORM). The append-only tables get `add` and reads only: there is deliberately no update or
delete for the contact ledger or the audit log (the database triggers refuse them too)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from arrears.store.models import Attempt, AuditEntry


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Dates, times and decimals as ISO and decimal strings (the log is JSON)."""
    if value is None:
        return None
    out: dict[str, Any] = json.loads(json.dumps(value, default=_text))
    return out


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def record_audit(
    connection: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append one audit entry: who, when, what, before → after."""
    connection.execute(
        AuditEntry.__table__.insert(),  # type: ignore[attr-defined]
        {
            "at": at or dt.datetime.now(dt.UTC),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": _jsonable(before),
            "after": _jsonable(after),
        },
    )


class LedgerRepository:
    """The contact ledger (`attempts`): append and read, nothing else."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, attempt: dict[str, Any]) -> None:
        self.connection.execute(Attempt.__table__.insert(), attempt)  # type: ignore[attr-defined]

    def for_account(self, account_id: str) -> Sequence[Any]:
        query = select(Attempt).where(Attempt.account_id == account_id).order_by(Attempt.at)
        return self.connection.execute(query).all()


class AuditRepository:
    """The audit log: append and read, nothing else."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, *, actor: str, action: str, entity: str, **details: Any) -> None:
        record_audit(self.connection, actor=actor, action=action, entity=entity, **details)

    def entries(self, entity: str | None = None) -> Sequence[Any]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if entity is not None:
            query = query.where(AuditEntry.entity == entity)
        return self.connection.execute(query).all()
