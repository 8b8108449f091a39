"""What channel providers post back: delivery receipts and replies, applied to the system of
record at once (the service's side of `arrears inbound`, with the same words and statuses).

* A **receipt** is appended to `deliveries`; the attempt then reads `delivered` or `failed`
  (`store.io.outcome_as_read`) while its ledger row stays as `send` appended it. The same
  status repeated for a key is recorded once. A receipt may come before `send` has appended
  the attempt (a fast gateway): it is kept, and applies once the attempt is there.
* A **reply** whose whole text is an opt-out word (`channels.words.is_opt_out`: STOP, 退订 …)
  adds its channel to the `opt_out` of the contact point of the key's attempt and of every
  point whose value is the sender's, each change in the audit log; the next pre-dial check,
  the next plan and the next `send` refuse the point with OPT-OUT.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from arrears.channels.contacts import merged, point_value
from arrears.channels.inbound import RECEIPT_STATUSES, Event
from arrears.channels.words import is_opt_out
from arrears.store.models import Attempt, Contact, Delivery
from arrears.store.repository import record_audit


def apply_receipt(connection: Connection, event: Event, now: dt.datetime) -> dict[str, Any]:
    key, status = str(event.key), str(event.status)
    outcome = RECEIPT_STATUSES[status]
    known = connection.execute(select(Attempt.attempt_id).where(Attempt.attempt_id == key))
    attempt_known = known.first() is not None
    latest = connection.execute(
        select(Delivery.status)
        .where(Delivery.attempt_id == key)
        .order_by(Delivery.id.desc())
        .limit(1)
    ).scalar()
    out = {"key": key, "outcome": outcome, "attempt_known": attempt_known}
    if latest == status:
        return {**out, "duplicate": True}
    connection.execute(
        insert(Delivery),
        {"attempt_id": key, "outcome": outcome, "status": status, "at": event.at,
         "received_at": now},
    )  # fmt: skip
    return {**out, "duplicate": False}


def apply_reply(
    connection: Connection, event: Event, now: dt.datetime, actor: str
) -> dict[str, Any]:
    if not is_opt_out(event.text):
        return {"opt_out": False, "contacts": [], "matched": True}
    points = set(_points_of_sender(connection, event.sender)) if event.sender else set()
    if event.key:
        contact = connection.execute(
            select(Attempt.contact_id).where(Attempt.attempt_id == event.key)
        ).scalar()
        if contact is not None:
            points.add(str(contact))
    changed = []
    for contact_id in sorted(points):
        current = connection.execute(
            select(Contact.opt_out).where(Contact.contact_id == contact_id)
        ).scalar()
        value = merged(current, event.channel)
        if value == (current or ""):
            continue
        connection.execute(
            update(Contact).where(Contact.contact_id == contact_id).values(opt_out=value)
        )
        record_audit(
            connection, actor=actor, action="opt_out", entity="contacts", entity_id=contact_id,
            before={"opt_out": current}, after={"opt_out": value, "reply": event.text}, at=now,
        )  # fmt: skip
        changed.append(contact_id)
    return {"opt_out": True, "contacts": changed, "matched": bool(points)}


def _points_of_sender(connection: Connection, sender: str) -> list[str]:
    """The contact points whose value is the sender's, compared as `arrears inbound` does
    (E.164 phones, case-folded addresses)."""
    wanted = point_value(sender)
    rows = connection.execute(
        select(Contact.contact_id, Contact.value).where(
            or_(
                Contact.value == sender,
                Contact.value == wanted,
                func.lower(Contact.value) == wanted.lower(),
            )
        )
    )
    return [str(cid) for cid, value in rows if point_value(str(value)) == wanted]
