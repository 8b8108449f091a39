"""The input tables of the data contract (docs/contract.md, ../shared/CONTRACT.md).

This module is the single description of the contract's fixed names: the loader, the
validator, the generator and the strategy checker all read it, so a column is named once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Kind = Literal["str", "decimal", "date", "timestamp", "int", "bool"]

CHANNELS: tuple[str, ...] = (
    "sms",
    "ivr",
    "robot_call",
    "human_call",
    "email",
    "letter",
    "visit",
)
VOICE_CHANNELS: tuple[str, ...] = ("ivr", "robot_call", "human_call")
# What pages and reports call each channel: (English, Simplified Chinese).
CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    "sms": ("SMS", "短信"),
    "ivr": ("IVR", "语音通知"),
    "robot_call": ("robot call", "机器人外呼"),
    "human_call": ("call by an agent", "人工外呼"),
    "email": ("e-mail", "电子邮件"),
    "letter": ("letter", "信函"),
    "visit": ("visit", "上门"),
}
# The kind of contact point each channel uses.
CHANNEL_POINT_KIND: dict[str, str] = {
    "sms": "phone",
    "ivr": "phone",
    "robot_call": "phone",
    "human_call": "phone",
    "email": "email",
    "letter": "address",
    "visit": "address",
}
ROLES: tuple[str, ...] = ("debtor", "co_borrower", "guarantor", "emergency", "third_party")
RELATIONS: tuple[str, ...] = (
    "self",
    "spouse",
    "parent",
    "sibling",
    "friend",
    "colleague",
    "other",
)
POINT_KINDS: tuple[str, ...] = ("phone", "email", "address")
STATUSES: tuple[str, ...] = (
    "active",
    "dispute",
    "bankruptcy",
    "deceased",
    "cease_contact",
    "legal_hold",
    "settled",
    "written_off",
    "attorney",  # represented by an attorney (an extension of the contract's list)
)
NOT_COLLECTED: tuple[str, ...] = ("settled",)
"""Statuses that leave the collection population (nothing owed). A written-off debt may still
be collected, by the lender or an agency."""
OUTCOMES: tuple[str, ...] = (
    "no_connect",
    "no_answer",
    "voicemail",
    "machine",
    "abandoned",
    "rpc",
    "third_party",
    "wrong_party",
    "sent",
    "delivered",
    "failed",
)
# Outcomes in which a person was actually talked to.
CONVERSATION_OUTCOMES: tuple[str, ...] = ("rpc", "third_party")
PROMISE_STATUSES: tuple[str, ...] = ("open", "kept", "broken")
TEAM_KINDS: tuple[str, ...] = ("human", "robot", "agency")
OWNER_KINDS: tuple[str, ...] = ("agent", "team", "agency")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    """The column must be present in the file."""
    nullable: bool = False
    """An empty value is allowed (a required column may still allow empty cells)."""
    enum: tuple[str, ...] | None = None
    enum_list: bool = False
    """The value is a comma-separated list whose items come from `enum`."""
    non_negative: bool = False
    phone_when_kind: bool = False
    """Validated as E.164 when the row's `kind` is `phone`."""
    timezone: bool = False
    hours: str | None = None
    """Local hours as text: "one" ("HH:MM-HH:MM") or "list" (several, comma-separated)."""
    default: str | bool | None = None


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str
    same_customer_as: str | None = None
    """A foreign key (in this table) to `accounts`: the parent row must also belong to that
    account's customer (an attempt's contact point is one of its debtor's)."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: str
    required: bool = False
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


S: Kind = "str"
D: Kind = "decimal"
DT: Kind = "date"
TS: Kind = "timestamp"
INT: Kind = "int"
B: Kind = "bool"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "accounts",
            (
                Column("account_id", S),
                Column("customer_id", S),
                Column("product", S),
                Column("currency", S),
                Column("overdue_amount", D, non_negative=True),
                Column("outstanding_balance", D, non_negative=True),
                Column("due_date", DT, nullable=True),
                Column("next_due_date", DT, required=False, nullable=True),
                Column("status", S, required=False, nullable=True, enum=STATUSES, default="active"),
            ),
            key="account_id",
            required=True,
            foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
        ),
        Table(
            "customers",
            (
                Column("customer_id", S),
                Column("name", S),
                Column("country", S),
                Column("region", S, required=False, nullable=True),
                Column("timezone", S, required=False, nullable=True, timezone=True),
                Column("language", S, required=False, nullable=True),
                # The customer's own hours: agreed contact hours (narrow the law's) and
                # windows not to be called in (pauses), local "HH:MM-HH:MM".
                Column("contact_hours", S, required=False, nullable=True, hours="one"),
                Column("do_not_call", S, required=False, nullable=True, hours="list"),
            ),
            key="customer_id",
            required=True,
        ),
        Table(
            "contacts",
            (
                Column("contact_id", S),
                Column("customer_id", S),
                Column("role", S, enum=ROLES),
                Column("relation", S, required=False, nullable=True, enum=RELATIONS),
                Column("kind", S, enum=POINT_KINDS),
                Column("value", S, phone_when_kind=True),
                Column("timezone", S, required=False, nullable=True, timezone=True),
                Column("opt_out", S, required=False, nullable=True, enum=CHANNELS, enum_list=True),
                Column("refused_at", TS, required=False, nullable=True),
            ),
            key="contact_id",
            required=True,
            foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
        ),
        Table(
            "attempts",
            (
                Column("attempt_id", S),
                Column("account_id", S),
                Column("contact_id", S),
                Column("channel", S, enum=CHANNELS),
                Column("at", TS),
                Column("outcome", S, enum=OUTCOMES),
                Column("agent_id", S, required=False, nullable=True),
            ),
            key="attempt_id",
            foreign_keys=(
                ForeignKey("account_id", "accounts", "account_id"),
                ForeignKey("contact_id", "contacts", "contact_id", same_customer_as="account_id"),
            ),
        ),
        Table(
            "payments",
            (
                Column("payment_id", S),
                Column("account_id", S),
                Column("paid_at", TS),
                Column("amount", D, non_negative=True),
            ),
            key="payment_id",
            foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        ),
        Table(
            "promises",
            (
                Column("promise_id", S),
                Column("account_id", S),
                Column("made_at", TS),
                Column("due_date", DT),
                Column("amount", D, non_negative=True),
                Column("status", S, required=False, nullable=True, enum=PROMISE_STATUSES),
            ),
            key="promise_id",
            foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        ),
        Table(
            "teams",
            (
                Column("team_id", S),
                Column("kind", S, enum=TEAM_KINDS),
                Column("name", S, required=False, nullable=True),
                Column("skills", S, required=False, nullable=True),
                Column("capacity_cases", INT, required=False, nullable=True, non_negative=True),
                Column("cost_per_contact", D, required=False, nullable=True, non_negative=True),
                Column("commission_rate", D, required=False, nullable=True, non_negative=True),
            ),
            key="team_id",
        ),
        Table(
            "agents",
            (
                Column("agent_id", S),
                Column("team_id", S),
                Column("name", S, required=False, nullable=True),
                Column("skills", S, required=False, nullable=True),
                Column("languages", S, required=False, nullable=True),
                Column("capacity_cases", INT, non_negative=True),
                Column("capacity_minutes", INT, required=False, nullable=True, non_negative=True),
                Column("active", B, required=False, nullable=True, default=True),
            ),
            key="agent_id",
            foreign_keys=(ForeignKey("team_id", "teams", "team_id"),),
        ),
        Table(
            "cases",
            (
                Column("account_id", S),
                Column("owner_id", S),
                Column("owner_kind", S, enum=OWNER_KINDS),
                Column("assigned_at", TS, required=False, nullable=True),
                Column("stay_until", DT, required=False, nullable=True),
            ),
            key="account_id",
            foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        ),
        Table(
            "complaints",
            (
                Column("complaint_id", S),
                Column("account_id", S),
                Column("received_at", TS),
                Column("owner_id", S, required=False, nullable=True),
                Column("channel", S, required=False, nullable=True, enum=CHANNELS),
                Column("category", S, required=False, nullable=True),
            ),
            key="complaint_id",
            foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        ),
    )
}

# Order in which tables are validated: a table's foreign keys point to tables before it.
LOAD_ORDER: tuple[str, ...] = (
    "customers",
    "accounts",
    "contacts",
    "attempts",
    "payments",
    "promises",
    "teams",
    "agents",
    "cases",
    "complaints",
)

ACTION_COLUMNS: tuple[str, ...] = (
    "action_id",
    "run_date",
    "account_id",
    "customer_id",
    "contact_id",
    "role",
    "channel",
    "template",
    "team",
    "priority",
    "window_start",
    "window_end",
    "timezone",
    "segment",
    "arm",
    "strategy",
    "strategy_version",
    "step",
    "reason",
)
BLOCKED_EXTRA_COLUMNS: tuple[str, ...] = ("rule", "detail", "next_allowed_at")
REJECT_COLUMNS: tuple[str, ...] = ("table", "row", "key", "column", "error")


def empty_rejects() -> pl.DataFrame:
    """The `rejects` frame with no rows (its columns and types)."""
    return pl.DataFrame(
        schema={
            "table": pl.String,
            "row": pl.Int64,
            "key": pl.String,
            "column": pl.String,
            "error": pl.String,
        }
    )
