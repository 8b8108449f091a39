"""The compliance guard asked in real time, on one customer's rows from the database.

The pre-dial check (`compliance.predial`) is the daily plan's own guard; here it reads the
customer's accounts, contact points and ledger from the system of record (`customer_tables`),
so an attempt recorded a minute ago counts against the caps at once. The presets are those of
the strategy that made today's queue (the latest imported plan), else every shipped preset.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from arrears.compliance.predial import PreDial, check, check_one, questions
from arrears.compliance.predial_one import DAY_MEMO, OneCache, cache_of
from arrears.compliance.presets import Preset, presets_for, strictest_reach
from arrears.compliance.rules import rules_for
from arrears.contract.load import Portfolio
from arrears.store.io import CONTRACT_MODELS, customer_tables, read_table
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


GUARD_TABLES = ("customers", "accounts", "contacts", "attempts")
"""The contract tables the pre-dial check reads (`PreDial.of`); `customer_tables` reads every
table, the staff tables whole."""


def guard_tables(connection: Connection, customer_id: str) -> dict[str, pl.DataFrame]:
    """The customer's rows of GUARD_TABLES, as `customer_tables` gives them: the customer,
    its accounts and contact points, and the ledger of its accounts."""
    accounts = CONTRACT_MODELS["accounts"].__table__.c
    own = select(accounts.account_id).where(accounts.customer_id == customer_id)
    out: dict[str, pl.DataFrame] = {}
    for name in GUARD_TABLES:
        columns = CONTRACT_MODELS[name].__table__.c
        if "customer_id" in columns:
            out[name] = read_table(connection, name, columns.customer_id == customer_id)
        else:
            out[name] = read_table(connection, name, columns.account_id.in_(own))
    return out


class Guard:
    """The pre-dial check of one policy, kept by the process across requests.

    A question's customer facts — points, accounts, customer, ledger — are read from the
    database per question (`guard_tables`, in the caller's transaction), so a hold set or an
    attempt recorded a moment ago, by this process or another, counts at once. What depends
    only on the policy and the calendar is worked out once and shared: the rules, the preset
    frame and the null rows of the one-question path (`predial_one._policy`), and the window
    of each (hours key, day) from `hours.day_table` — the bulk of a question's cost when
    rebuilt per request. The windows are dropped when the day (UTC) changes; a new plan
    brings a new `Policy`, hence a new Guard (`ServiceState.guard`)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.reach = strictest_reach(policy.presets)
        self.rules = rules_for(policy.presets)
        self._shared = OneCache()
        self._zones: dict[tuple[Any, ...], pl.DataFrame] = {}
        self._day: dt.date | None = None
        self._lock = threading.Lock()

    def _calendar(self, today: dt.date) -> OneCache:
        """The shared cache, renewed on a new day, and before the one-question path would
        clear its day windows itself (`DAY_MEMO`: a clear under another thread's read)."""
        with self._lock:
            if self._day != today or len(self._shared.days) > DAY_MEMO // 2:
                self._shared = OneCache()
                self._day = today
            if len(self._zones) > DAY_MEMO:
                self._zones = {}
            return self._shared

    def state(self, tables: Mapping[str, pl.DataFrame], today: dt.date) -> PreDial:
        """The customer's PreDial (`tables`: its rows), on the shared calendar cache."""
        fresh = PreDial.of(tables, self.policy.presets, self.reach)
        state = replace(fresh, rules=self.rules, one=OneCache())
        shared = self._calendar(today)
        own = cache_of(state)  # stamps the fresh cache with this state's identity
        own.policy, own.nulls, own.days = shared.policy, shared.nulls, shared.days
        return state

    def may_contact(
        self,
        tables: Mapping[str, pl.DataFrame],
        contact_id: str,
        at: dt.datetime,
        channel: str = "human_call",
        account_id: str | None = None,
        *,
        today: dt.date,
    ) -> list[dict[str, Any]]:
        """`may_contact`'s answer, on the shared cache."""
        state = self.state(tables, today)
        key = _zone_key(state, contact_id)
        own = cache_of(state)
        if key is not None and key in self._zones:
            own.zoned_by_contact[contact_id] = self._zones[key]
        answers = check_one(state, contact_id, at, channel=channel, account_id=account_id)
        if key is not None and contact_id in own.zoned_by_contact:
            self._zones[key] = own.zoned_by_contact[contact_id]
        return answers.drop("question").to_dicts()


ZONE_INPUTS = ("contact_id", "customer_id", "kind", "value", "contact_timezone")
"""What a contact point's zones are worked out from (`predial_one.zones_of_points`), with its
customer's zone and country."""


def _zone_key(state: PreDial, contact_id: str) -> tuple[Any, ...] | None:
    """The zones' inputs of one point as the database holds them now: the key under which
    the guard shares a point's zones between requests (a changed number, zone or customer
    country is a new key). None when the point is not on exactly one row."""
    point = state.points.filter(pl.col("contact_id") == contact_id)
    if point.height != 1:
        return None
    row = point.select(ZONE_INPUTS).row(0)
    customer = state.accounts.filter(pl.col("customer_id") == row[1])
    if customer.height == 0:
        return None
    return (*row, *customer.select("customer_timezone", "customer_country").row(0))


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
