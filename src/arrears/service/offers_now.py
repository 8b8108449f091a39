"""An offer made on a case, decided by the offer engine (`offers.engine.decide`) under the
strategy of today's plan, on the account's features as the planner computes them. An allowed
offer's payments are recorded as promises at once; one that needs approval waits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection, insert

from arrears.contract.load import Portfolio
from arrears.offers.account import account_frame
from arrears.offers.engine import OfferRequest, decide
from arrears.offers.promises import promises_of
from arrears.service.guard_now import Policy
from arrears.service.outcomes import OutcomeError, account_of, new_id
from arrears.service.roles import Principal
from arrears.store.io import customer_tables
from arrears.store.models import Promise
from arrears.store.repository import record_audit
from arrears.store.work import OfferRecord

PROMISE_COLUMNS = ("promise_id", "account_id", "made_at", "due_date", "amount", "status")


def offer_role(who: Principal) -> str:
    """The offer engine's role for the user: its approval limits are by these three."""
    if who.roles & {"strategy_manager", "admin"}:
        return "manager"
    if "supervisor" in who.roles:
        return "supervisor"
    return "agent"


def make_offer(
    connection: Connection,
    policy: Policy,
    who: Principal,
    customer_id: str,
    account_id: str,
    request: OfferRequest,
    *,
    now: dt.datetime,
) -> dict[str, Any]:
    strategy = policy.strategy
    if strategy is None or not strategy.offers:
        raise OutcomeError("today's strategy has no offers: block", 409)
    account_of(connection, customer_id, account_id)
    tables = customer_tables(connection, customer_id)
    features = account_frame(Portfolio(tables, pl.DataFrame()), strategy, account_id, now.date())
    decision = decide(features, request, strategy, on=now.date())
    body = decision.as_dict()
    offer_id = new_id("ofr")
    connection.execute(
        insert(OfferRecord),
        {
            "offer_id": offer_id, "account_id": account_id, "made_by": who.user_id, "made_at": now,
            "status": decision.outcome, "rule": decision.rule_id, "summary": decision.reason,
            "decision": body,
        },
    )  # fmt: skip
    promises: list[dict[str, Any]] = []
    if decision.outcome == "allowed":
        frame = promises_of(decision, now).select(PROMISE_COLUMNS)
        promises = frame.to_dicts()
        connection.execute(insert(Promise), promises)
    record_audit(
        connection, actor=who.user_id, action="make_offer", entity="offers", entity_id=offer_id,
        after={"account_id": account_id, "outcome": decision.outcome, "rule": decision.rule_id,
               "promises": [p["promise_id"] for p in promises]},
        at=now,
    )  # fmt: skip
    return {"offer_id": offer_id, **body, "promises": promises}
