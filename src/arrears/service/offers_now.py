"""An offer made on a case, decided by the offer engine (`offers.engine.decide`) under the
strategy of today's plan, on the account's features as the planner computes them. An allowed
offer's payments are recorded as promises at once; one that needs approval waits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection, insert, select, update

from arrears.contract.load import Portfolio
from arrears.offers.account import account_frame
from arrears.offers.engine import OfferRequest, decide
from arrears.offers.promises import promises_of
from arrears.service.guard_now import Policy
from arrears.service.outcomes import OutcomeError, account_of, new_id
from arrears.service.roles import Principal
from arrears.store.io import customer_tables
from arrears.store.models import Account, Promise
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
    body = {**decision.as_dict(), "request": _request_dict(request)}
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
        promises = _promises(decision, now, offer_id)
        connection.execute(insert(Promise), promises)
    record_audit(
        connection, actor=who.user_id, action="make_offer", entity="offers", entity_id=offer_id,
        after={"account_id": account_id, "outcome": decision.outcome, "rule": decision.rule_id,
               "promises": [p["promise_id"] for p in promises]},
        at=now,
    )  # fmt: skip
    return {"offer_id": offer_id, **body, "promises": promises}


def _promises(decision: Any, now: dt.datetime, offer_id: str) -> list[dict[str, Any]]:
    """The offer's payments as promises, numbered after the offer (two equal offers made in the
    same instant are still two offers)."""
    frame = promises_of(decision, now).select(PROMISE_COLUMNS)
    ids = pl.format("{}-{}", pl.lit(offer_id), pl.int_range(1, pl.len() + 1))
    return frame.with_columns(ids.alias("promise_id")).to_dicts()


def _request_dict(request: OfferRequest) -> dict[str, Any]:
    return {
        "kind": request.kind,
        "discount": None if request.discount is None else str(request.discount),
        "amount": None if request.amount is None else str(request.amount),
        "instalments": request.instalments,
        "first_due": None if request.first_due is None else request.first_due.isoformat(),
        "every_days": request.every_days,
    }


def approve_offer(
    connection: Connection, policy: Policy, who: Principal, offer_id: str, *, now: dt.datetime
) -> dict[str, Any]:
    """A senior role approves an offer that needed it: the offer engine decides the same
    request again with the approver's role (today's rules and balance), and an allowed
    decision's payments are recorded as promises."""
    row = connection.execute(
        select(OfferRecord.account_id, OfferRecord.status, OfferRecord.decision).where(
            OfferRecord.offer_id == offer_id
        )
    ).first()
    if row is None:
        raise OutcomeError(f"no offer {offer_id}", 404)
    if row.status != "needs_approval":
        raise OutcomeError(f"offer {offer_id} is {row.status}, not waiting for approval", 409)
    strategy = policy.strategy
    if strategy is None or not strategy.offers:
        raise OutcomeError("today's strategy has no offers: block", 409)
    asked = row.decision["request"]
    request = OfferRequest(
        kind=asked["kind"], role=offer_role(who), discount=asked["discount"],
        amount=asked["amount"], instalments=asked["instalments"],
        first_due=dt.date.fromisoformat(asked["first_due"]) if asked["first_due"] else None,
        every_days=asked["every_days"],
    )  # fmt: skip
    customer_id = connection.scalar(
        select(Account.customer_id).where(Account.account_id == row.account_id)
    )
    tables = customer_tables(connection, str(customer_id))
    features = account_frame(
        Portfolio(tables, pl.DataFrame()), strategy, row.account_id, now.date()
    )
    decision = decide(features, request, strategy, on=now.date())
    if decision.outcome != "allowed":
        raise OutcomeError(f"not within your authority: {decision.reason}", 403)
    promises = _promises(decision, now, offer_id)
    connection.execute(insert(Promise), promises)
    connection.execute(
        update(OfferRecord)
        .where(OfferRecord.offer_id == offer_id)
        .values(status="approved", decision={**row.decision, "approved_by": who.user_id})
    )
    record_audit(
        connection, actor=who.user_id, action="approve_offer", entity="offers",
        entity_id=offer_id, before={"status": row.status},
        after={"status": "approved", "promises": [p["promise_id"] for p in promises]}, at=now,
    )  # fmt: skip
    return {"offer_id": offer_id, "status": "approved", "promises": promises}
