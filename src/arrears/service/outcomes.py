"""What happens on a case during the day: attempts and their outcomes, promises, disputes and
holds, offers, and payments (from the lender's webhook). Each writes the system of record in the
caller's transaction and leaves an audit entry; the contact ledger is only ever appended to."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from arrears.contract.tables import CHANNEL_POINT_KIND, CHANNELS, OUTCOMES
from arrears.store.models import Account, Attempt, Contact, Payment, PlanAction, Promise
from arrears.store.repository import record_audit

HOLD_STATUSES: tuple[str, ...] = (
    "dispute",
    "legal_hold",
    "cease_contact",
    "bankruptcy",
    "deceased",
    "attorney",
)
"""Statuses an agent or officer may set on an account; each stops the day's pending contacts."""
MAX_PROMISE_DAYS = 31


class OutcomeError(Exception):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def account_of(connection: Connection, customer_id: str, account_id: str) -> Any:
    row = connection.execute(
        select(Account).where(Account.account_id == account_id, Account.customer_id == customer_id)
    ).first()
    if row is None:
        raise OutcomeError(f"account {account_id} is not one of customer {customer_id}'s", 404)
    return row


def record_attempt(
    connection: Connection,
    *,
    customer_id: str,
    account_id: str,
    contact_id: str,
    channel: str,
    outcome: str,
    at: dt.datetime,
    agent_id: str | None,
    actor: str,
    guard: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one attempt to the ledger. `guard` is the pre-dial verdict at `at` (before this
    attempt), kept in the audit entry so an attempt the guard would have refused is on record."""
    if channel not in CHANNELS:
        raise OutcomeError(f"channel '{channel}' is not one of {', '.join(CHANNELS)}")
    if outcome not in OUTCOMES:
        raise OutcomeError(f"outcome '{outcome}' is not one of {', '.join(OUTCOMES)}")
    account_of(connection, customer_id, account_id)
    point = connection.execute(
        select(Contact.kind).where(
            Contact.contact_id == contact_id, Contact.customer_id == customer_id
        )
    ).scalar()
    if point is None:
        raise OutcomeError(f"contact {contact_id} is not one of customer {customer_id}'s", 404)
    if CHANNEL_POINT_KIND[channel] != point:
        raise OutcomeError(
            f"channel {channel} needs a {CHANNEL_POINT_KIND[channel]}, "
            f"contact {contact_id} is a {point}"
        )
    attempt_id = new_id("att")
    row = {
        "attempt_id": attempt_id, "account_id": account_id, "contact_id": contact_id,
        "channel": channel, "at": at, "outcome": outcome, "agent_id": agent_id,
    }  # fmt: skip
    connection.execute(insert(Attempt), row)
    record_audit(
        connection, actor=actor, action="record_attempt", entity="attempts",
        entity_id=attempt_id, after={**row, "at": at.isoformat(), "guard": guard}, at=at,
    )  # fmt: skip
    return row


def record_promise(
    connection: Connection,
    *,
    customer_id: str,
    account_id: str,
    due_date: dt.date,
    amount: Decimal,
    now: dt.datetime,
    actor: str,
) -> dict[str, Any]:
    account = account_of(connection, customer_id, account_id)
    if amount <= 0:
        raise OutcomeError("a promise's amount must be positive")
    if amount > account.outstanding_balance:
        raise OutcomeError(
            f"{amount} is more than the outstanding balance {account.outstanding_balance}"
        )
    today = now.date()
    if not today <= due_date <= today + dt.timedelta(days=MAX_PROMISE_DAYS):
        raise OutcomeError(
            f"a promise is due between today and {MAX_PROMISE_DAYS} days on, not {due_date}"
        )
    promise_id = new_id("ptp")
    row = {
        "promise_id": promise_id, "account_id": account_id, "made_at": now,
        "due_date": due_date, "amount": amount, "status": "open",
    }  # fmt: skip
    connection.execute(insert(Promise), row)
    record_audit(
        connection, actor=actor, action="record_promise", entity="promises",
        entity_id=promise_id,
        after={"account_id": account_id, "due_date": due_date.isoformat(), "amount": str(amount)},
        at=now,
    )  # fmt: skip
    return row


def cancel_pending(connection: Connection, account_id: str, reason: str, now: dt.datetime) -> int:
    """Cancel the account's planned contacts that have not been cancelled and whose window
    has not closed (the pending part of today's plan and any later run already imported)."""
    done = connection.execute(
        update(PlanAction)
        .where(
            PlanAction.account_id == account_id,
            PlanAction.cancelled_at.is_(None),
            (PlanAction.window_end.is_(None)) | (PlanAction.window_end > now),
        )
        .values(cancelled_at=now, cancel_reason=reason)
    )
    return int(done.rowcount or 0)


def set_status(
    connection: Connection,
    *,
    customer_id: str,
    account_id: str,
    status: str,
    note: str | None,
    now: dt.datetime,
    actor: str,
) -> dict[str, Any]:
    """A dispute, a hold or a cease request (or `active` again). A hold cancels the pending
    contacts."""
    if status not in (*HOLD_STATUSES, "active"):
        raise OutcomeError(
            f"status '{status}' is not one of {', '.join((*HOLD_STATUSES, 'active'))}"
        )
    before = account_of(connection, customer_id, account_id).status
    connection.execute(
        update(Account).where(Account.account_id == account_id).values(status=status)
    )
    cancelled = (
        cancel_pending(connection, account_id, f"status {status}", now) if status != "active" else 0
    )
    record_audit(
        connection, actor=actor, action="set_status", entity="accounts", entity_id=account_id,
        before={"status": before},
        after={"status": status, "note": note, "cancelled_actions": cancelled},
        at=now,
    )  # fmt: skip
    return {
        "account_id": account_id,
        "status": status,
        "previous": before,
        "cancelled_actions": cancelled,
    }


def record_payment(
    connection: Connection,
    *,
    payment_id: str,
    account_id: str,
    amount: Decimal,
    paid_at: dt.datetime,
    now: dt.datetime,
    actor: str,
) -> dict[str, Any]:
    """A payment from the lender: stored once per `payment_id` (a second delivery is answered
    with the first's result), the balances reduced, open promises it keeps closed as kept,
    and the pending contacts cancelled when the account is cured or a promise was kept."""
    if amount <= 0:
        raise OutcomeError("a payment's amount must be positive")
    account = connection.execute(select(Account).where(Account.account_id == account_id)).first()
    if account is None:
        raise OutcomeError(f"no account {account_id}", 404)
    known = connection.execute(select(Payment).where(Payment.payment_id == payment_id)).first()
    if known is not None:
        if known.account_id != account_id or Decimal(known.amount) != amount:
            raise OutcomeError(f"payment {payment_id} was recorded with other values", 409)
        return {"payment_id": payment_id, "duplicate": True}
    connection.execute(
        insert(Payment),
        {"payment_id": payment_id, "account_id": account_id, "paid_at": paid_at, "amount": amount},
    )
    before = {
        "overdue_amount": str(account.overdue_amount),
        "outstanding_balance": str(account.outstanding_balance),
    }
    overdue = max(Decimal(account.overdue_amount) - amount, Decimal(0))
    outstanding = max(Decimal(account.outstanding_balance) - amount, Decimal(0))
    connection.execute(
        update(Account)
        .where(Account.account_id == account_id)
        .values(overdue_amount=overdue, outstanding_balance=outstanding)
    )
    kept = _keep_promises(connection, account_id, paid_at)
    cancelled = 0
    if overdue == 0 or kept:
        cancelled = cancel_pending(
            connection, account_id, "paid" if overdue == 0 else "promise kept", now
        )
    after = {
        "payment_id": payment_id, "amount": str(amount), "overdue_amount": str(overdue),
        "outstanding_balance": str(outstanding), "kept_promises": kept,
        "cancelled_actions": cancelled,
    }  # fmt: skip
    record_audit(
        connection,
        actor=actor,
        action="record_payment",
        entity="accounts",
        entity_id=account_id,
        before=before,
        after=after,
        at=now,
    )
    return {**after, "duplicate": False}


def _keep_promises(connection: Connection, account_id: str, paid_at: dt.datetime) -> list[str]:
    """Open promises of the account, made before `paid_at`, covered by what was paid since
    they were made: closed as kept, oldest first."""
    open_ = connection.execute(
        select(Promise.promise_id, Promise.made_at, Promise.amount)
        .where(
            Promise.account_id == account_id, Promise.status == "open", Promise.made_at <= paid_at
        )
        .order_by(Promise.made_at)
    ).all()
    kept = []
    for promise in open_:
        paid = connection.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(
                and_(Payment.account_id == account_id, Payment.paid_at >= promise.made_at)
            )
        )
        if Decimal(str(paid)) >= Decimal(promise.amount):
            kept.append(promise.promise_id)
    if kept:
        connection.execute(
            update(Promise).where(Promise.promise_id.in_(kept)).values(status="kept")
        )
    return kept
