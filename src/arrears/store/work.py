"""The service's own tables: login sessions, the agents' work queue, idempotency keys, offers
and strategy activations. The contract's tables and the planner's runs are in `models.py`.

- `work_units` is today's queue, one row per customer (a customer's accounts are worked
  together, as the assignment stage deals them): who holds it, in which mode (dispatched to an
  agent, or pooled for the team's agents to grab), its value and rank, the window of today's
  human call, and who has claimed it until when. Get Next claims a unit with `SELECT … FOR
  UPDATE SKIP LOCKED` on PostgreSQL.
- `strategy_activations` is the history of which version is active from which date; the active
  version on a day is the newest activation effective on or before it. A rollback is a new
  activation, so the history is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.store.models import ID, Base, utcnow

UNIT_STATES: tuple[str, ...] = ("open", "done", "gone")
"""open: in today's queue; done: worked today; gone: no longer in the plan's queue."""


class AuthSession(Base):
    """A login: the SHA-256 of its bearer token (the token itself is never stored)."""

    __tablename__ = "auth_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class WorkUnit(Base):
    __tablename__ = "work_units"
    __table_args__ = (Index("ix_work_units_queue", "team_id", "state", "mode"),)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    owner_id: Mapped[str | None] = mapped_column(ID, index=True)
    owner_kind: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(ID)
    mode: Mapped[str] = mapped_column(String(16))
    """dispatch: the owner's to work; pool: any agent of the team may grab it."""
    unit_value: Mapped[float | None]
    rank: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int | None] = mapped_column(Integer)
    window_start: Mapped[dt.datetime | None]
    window_end: Mapped[dt.datetime | None]
    state: Mapped[str] = mapped_column(String(8), default="open")
    claimed_by: Mapped[str | None] = mapped_column(ID, index=True)
    claimed_until: Mapped[dt.datetime | None]
    worked_at: Mapped[dt.datetime | None]


class IdempotencyKey(Base):
    """A write a client may retry: the first answer is kept and given again for the same key."""

    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)
    route: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OfferRecord(Base):
    """An offer made to a debtor through the offer engine, as it decided it."""

    __tablename__ = "offers"
    offer_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    made_by: Mapped[str] = mapped_column(ID)
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[dict[str, Any]]


class StrategyActivation(Base):
    __tablename__ = "strategy_activations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    strategy_version_id: Mapped[int] = mapped_column(ForeignKey("strategy_versions.id"))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    activated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_by: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # activate, rollback
