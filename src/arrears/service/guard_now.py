"""The compliance guard asked in real time, on one customer's rows from the database.

The pre-dial check (`compliance.predial`) is the daily plan's own guard; here it reads the
customer's accounts, contact points and ledger from the system of record (`customer_tables`),
so an attempt recorded a minute ago counts against the caps at once. The presets are those of
the strategy that made today's queue (the latest imported plan), else every shipped preset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from arrears.compliance.predial import PreDial, check, check_one, questions
from arrears.compliance.presets import Preset, presets_for, strictest_reach
from arrears.contract.load import Portfolio
from arrears.store.io import customer_tables
from arrears.store.models import Contact, Plan, StrategyVersion
from arrears.strategy.diagnostics import StrategyError
from arrears.strategy.load import load_strategy_text
from arrears.strategy.model import Strategy

SHIPPED = ("CN", "US", "GB")


@dataclass(frozen=True)
class Policy:
    """The rules the service applies: the strategy of the latest plan (if any) and its presets."""

    strategy: Strategy | None
    presets: Mapping[str, Preset]

    @classmethod
    def of(cls, strategy: Strategy | None) -> Policy:
        if strategy is None:
            return cls(None, presets_for(SHIPPED, {}))
        return cls(strategy, presets_for(strategy.jurisdiction, strategy.house))


def latest_strategy(connection: Connection) -> Strategy | None:
    """The strategy of the newest imported plan, parsed from its stored text."""
    body = connection.execute(
        select(StrategyVersion.body, StrategyVersion.name)
        .join(Plan, Plan.strategy_hash == StrategyVersion.content_hash)
        .order_by(Plan.run_date.desc(), Plan.id.desc())
        .limit(1)
    ).first()
    if body is None or not body.body:
        return None
    try:
        return load_strategy_text(body.body, source=body.name)
    except StrategyError:
        return None


def customer_of(connection: Connection, contact_id: str) -> str | None:
    return connection.scalar(select(Contact.customer_id).where(Contact.contact_id == contact_id))


def portfolio_of(connection: Connection, customer_id: str) -> Portfolio:
    """The customer's rows as a portfolio the planner's stages read."""
    return Portfolio(customer_tables(connection, customer_id), pl.DataFrame())


def may_contact(
    tables: Mapping[str, pl.DataFrame],
    policy: Policy,
    contact_id: str,
    at: dt.datetime,
    channel: str = "human_call",
    account_id: str | None = None,
) -> list[dict[str, Any]]:
    """The pre-dial answer, one row per account the question is about."""
    state = PreDial.of(tables, policy.presets, strictest_reach(policy.presets))
    answers = check_one(state, contact_id, at, channel=channel, account_id=account_id)
    return answers.drop("question").to_dicts()


POINT_CHANNEL = {"phone": "human_call", "email": "email", "address": "letter"}
"""The channel a point's status is asked for in the case view."""


def points_now(
    tables: Mapping[str, pl.DataFrame], policy: Policy, at: dt.datetime
) -> dict[str, dict[str, Any]]:
    """Every contact point of the customer: may it be contacted at `at` (one vectorized
    question per point, on the channel its kind is reached by)."""
    contacts = tables["contacts"]
    if contacts.height == 0:
        return {}
    state = PreDial.of(tables, policy.presets, strictest_reach(policy.presets))
    asked = questions(
        [
            {"contact_id": c, "at": at, "channel": POINT_CHANNEL.get(k, "human_call")}
            for c, k in contacts.select("contact_id", "kind").iter_rows()
        ]
    )
    answers = check(state, asked).drop("question")
    out: dict[str, dict[str, Any]] = {}
    for contact_id, rows in answers.group_by("contact_id"):
        out[str(contact_id[0])] = {
            **summary(rows.to_dicts()),
            "channel": rows.get_column("channel")[0],
        }
    return out


def summary(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """One verdict for a contact point: allowed only when every account's answer allows it;
    when refused, the first refusal's rule and the latest of the next allowed times."""
    refused = [a for a in answers if not a["allowed"]]
    if not answers:
        return {
            "allowed": False,
            "rule": "UNKNOWN-CONTACT",
            "detail": "no open account",
            "next_allowed_at": None,
        }
    if not refused:
        first = answers[0]
        return {
            "allowed": True,
            "rule": None,
            "detail": None,
            "next_allowed_at": None,
            "window_end": first.get("window_end"),
        }
    nexts = [a["next_allowed_at"] for a in refused]
    return {
        "allowed": False,
        "rule": refused[0]["rule"],
        "detail": refused[0]["detail"],
        "next_allowed_at": None if any(n is None for n in nexts) else max(nexts),
    }
