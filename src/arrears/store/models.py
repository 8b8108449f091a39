"""The system of record's tables: SQLAlchemy 2 declarative models with typed `Mapped[]`.

The contract's input tables (customers … complaints) keep the contract's names and keys, so a
folder can be imported and exported again unchanged (`io.py`). Around them: the runs of the
planner (`plans`, `plan_actions`), the strategies they used, the people who work in the
service (`users`, `roles`) and the audit log. The pure core (planning, compliance …) never
imports this module: it only sees the Polars frames `io.py` reads back.

`attempts` (the contact ledger) and `audit_log` are append-only: the repositories offer no
update or delete, and the migration adds database triggers that refuse UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from arrears.contract.tables import (
    CHANNELS,
    OUTCOMES,
    OWNER_KINDS,
    POINT_KINDS,
    PROMISE_STATUSES,
    RELATIONS,
    ROLES,
    STATUSES,
    TEAM_KINDS,
)
from arrears.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MONEY = Numeric(18, 2)
RATE = Numeric(18, 6)
"""Rates and unit costs (a commission of 12.5 %, 0.035 per SMS) need more than cents."""
ID = String(64)
APPEND_ONLY: tuple[str, ...] = ("attempts", "audit_log", "deliveries")
DELIVERY_OUTCOMES: tuple[str, ...] = ("delivered", "failed", "machine", "no_connect", "no_answer")


def choice(values: tuple[str, ...], name: str) -> Enum:
    """A closed list of values: VARCHAR with a CHECK constraint (no native enum type, so a
    value added to the contract is one migration that rewrites the CHECK, not an ALTER TYPE)."""
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        Decimal: MONEY,
        dict[str, Any]: JSON,
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- The contract's input tables -------------------------------------------------------------


class Customer(Base):
    __tablename__ = "customers"
    customer_id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(35))
    contact_hours: Mapped[str | None] = mapped_column(String(32))
    do_not_call: Mapped[str | None] = mapped_column(String(200))


class Account(Base):
    __tablename__ = "accounts"
    account_id: Mapped[str] = mapped_column(ID, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    product: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    overdue_amount: Mapped[Decimal]
    outstanding_balance: Mapped[Decimal]
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    next_due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(choice(STATUSES, "account_status"))


class Contact(Base):
    __tablename__ = "contacts"
    contact_id: Mapped[str] = mapped_column(ID, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    role: Mapped[str] = mapped_column(choice(ROLES, "contact_role"))
    relation: Mapped[str | None] = mapped_column(choice(RELATIONS, "contact_relation"))
    kind: Mapped[str] = mapped_column(choice(POINT_KINDS, "contact_kind"))
    value: Mapped[str] = mapped_column(String(400))
    timezone: Mapped[str | None] = mapped_column(String(64))
    opt_out: Mapped[str | None] = mapped_column(String(200))
    refused_at: Mapped[dt.datetime | None]


class Attempt(Base):
    """The contact ledger: one row per contact placed or sent. Append-only."""

    __tablename__ = "attempts"
    attempt_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.contact_id"), index=True)
    channel: Mapped[str] = mapped_column(choice(CHANNELS, "attempt_channel"))
    at: Mapped[dt.datetime]
    outcome: Mapped[str] = mapped_column(choice(OUTCOMES, "attempt_outcome"))
    agent_id: Mapped[str | None] = mapped_column(ID)


class Delivery(Base):
    """What a channel's provider reported about a sent attempt (its delivery receipt), as it
    came. Append-only, like the ledger it qualifies: an attempt's outcome as read
    (`io.read_table`) is its latest receipt's, else the one it was appended with. No foreign
    key: a fast gateway's receipt may come before `send` has appended the attempt."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ID, index=True)
    outcome: Mapped[str] = mapped_column(choice(DELIVERY_OUTCOMES, "delivery_outcome"))
    status: Mapped[str] = mapped_column(String(32))
    """The gateway's own word (`undelivered`, `expired` …)."""
    at: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Payment(Base):
    __tablename__ = "payments"
    payment_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    paid_at: Mapped[dt.datetime]
    amount: Mapped[Decimal]


class Promise(Base):
    __tablename__ = "promises"
    promise_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    made_at: Mapped[dt.datetime]
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal]
    status: Mapped[str | None] = mapped_column(choice(PROMISE_STATUSES, "promise_status"))


class Team(Base):
    __tablename__ = "teams"
    team_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(choice(TEAM_KINDS, "team_kind"))
    name: Mapped[str | None] = mapped_column(String(200))
    skills: Mapped[str | None] = mapped_column(String(400))
    capacity_cases: Mapped[int | None] = mapped_column(Integer)
    cost_per_contact: Mapped[Decimal | None] = mapped_column(RATE)
    commission_rate: Mapped[Decimal | None] = mapped_column(RATE)


class Agent(Base):
    __tablename__ = "agents"
    agent_id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.team_id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    skills: Mapped[str | None] = mapped_column(String(400))
    languages: Mapped[str | None] = mapped_column(String(200))
    capacity_cases: Mapped[int] = mapped_column(Integer)
    capacity_minutes: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool | None] = mapped_column(Boolean)


class Case(Base):
    """Who owns an account now (one row per account)."""

    __tablename__ = "cases"
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ID, index=True)
    owner_kind: Mapped[str] = mapped_column(choice(OWNER_KINDS, "case_owner_kind"))
    assigned_at: Mapped[dt.datetime | None]
    stay_until: Mapped[dt.date | None] = mapped_column(Date)


class Complaint(Base):
    __tablename__ = "complaints"
    complaint_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    received_at: Mapped[dt.datetime]
    owner_id: Mapped[str | None] = mapped_column(ID)
    channel: Mapped[str | None] = mapped_column(choice(CHANNELS, "complaint_channel"))
    category: Mapped[str | None] = mapped_column(String(64))


_CONTRACT = (Customer, Account, Contact, Attempt, Payment, Promise, Team, Agent, Case, Complaint)
CONTRACT_MODELS: dict[str, type[Base]] = {m.__tablename__: m for m in _CONTRACT}


# --- Runs of the planner and the strategies they used ----------------------------------------


class StrategyVersion(Base):
    """A strategy file as it was run: its content hash identifies it."""

    __tablename__ = "strategy_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    errors: Mapped[int | None] = mapped_column(Integer)
    """How many errors `arrears validate` found when it was uploaded (None: never checked)."""


class Plan(Base):
    """One imported run of the planner (its manifest); `run_key` makes re-imports no-ops."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), unique=True)
    run_date: Mapped[dt.date] = mapped_column(Date, index=True)
    strategy_name: Mapped[str] = mapped_column(String(200))
    strategy_version: Mapped[str] = mapped_column(String(32))
    strategy_hash: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlanAction(Base):
    """One planned contact of a run (the contract's `actions` columns)."""

    __tablename__ = "plan_actions"
    __table_args__ = (UniqueConstraint("plan_id", "action_id", name="uq_plan_actions_action"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    action_id: Mapped[str] = mapped_column(ID)
    run_date: Mapped[dt.date] = mapped_column(Date)
    account_id: Mapped[str] = mapped_column(ID, index=True)
    customer_id: Mapped[str] = mapped_column(ID)
    contact_id: Mapped[str | None] = mapped_column(ID)
    role: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    template: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int | None] = mapped_column(Integer)
    window_start: Mapped[dt.datetime | None]
    window_end: Mapped[dt.datetime | None]
    timezone: Mapped[str | None] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(200))
    arm: Mapped[str | None] = mapped_column(String(200))
    strategy: Mapped[str | None] = mapped_column(String(200))
    strategy_version: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))


# --- People and the audit log ----------------------------------------------------------------


class User(Base):
    """A person who logs into the service. `agent_id` links an agent's login to the agent the
    plan assigns cases to; a supervisor's teams are in `user_teams`."""

    __tablename__ = "users"
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.agent_id"), unique=True)
    language: Mapped[str | None] = mapped_column(String(35))


class UserTeam(Base):
    """The teams a supervisor looks after."""

    __tablename__ = "user_teams"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.team_id"), primary_key=True)


class Role(Base):
    __tablename__ = "roles"
    role_id: Mapped[str] = mapped_column(ID, primary_key=True)
    description: Mapped[str | None] = mapped_column(String(400))


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.role_id"), primary_key=True)


class AuditEntry(Base):
    """Who did what, when, and the record before → after. Append-only."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
