"""The case view: one customer as an agent works it — accounts, contact points (masked unless
the role may see them) with whether each may be contacted now, the ledger, promises, payments,
offers, today's planned contacts, and the script for the chosen tone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from arrears.service.guard_now import Policy, points_now
from arrears.service.masking import mask_point
from arrears.service.roles import Principal
from arrears.store.io import customer_tables
from arrears.store.models import PlanAction
from arrears.store.work import OfferRecord, WorkUnit

LEDGER_ROWS = 100


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def case_view(
    connection: Connection, who: Principal, customer_id: str, policy: Policy, *, now: dt.datetime
) -> dict[str, Any] | None:
    tables = customer_tables(connection, customer_id)
    customers = tables["customers"]
    if customers.height == 0:
        return None
    customer = customers.row(0, named=True)
    accounts = tables["accounts"].with_columns(
        (pl.lit(now.date()) - pl.col("due_date")).dt.total_days().clip(lower_bound=0).alias("dpd")
    )
    ids = accounts.get_column("account_id").to_list()
    status = points_now(tables, policy, now)
    contacts = []
    for point in tables["contacts"].to_dicts():
        if not who.sees_pii:
            point["value"] = mask_point(point["kind"], point["value"])
        point["now"] = status.get(point["contact_id"])
        contacts.append(point)
    ledger = tables["attempts"].sort("at", descending=True).head(LEDGER_ROWS)
    actions = connection.execute(
        select(
            PlanAction.action_id, PlanAction.run_date, PlanAction.account_id,
            PlanAction.contact_id, PlanAction.channel, PlanAction.template, PlanAction.step,
            PlanAction.segment, PlanAction.priority, PlanAction.window_start,
            PlanAction.window_end, PlanAction.reason, PlanAction.cancelled_at,
            PlanAction.cancel_reason,
        )
        .where(PlanAction.customer_id == customer_id, PlanAction.run_date == now.date())
        .order_by(PlanAction.priority, PlanAction.window_start)
    ).mappings().all()  # fmt: skip
    offers = connection.execute(
        select(
            OfferRecord.offer_id, OfferRecord.account_id, OfferRecord.made_by,
            OfferRecord.made_at, OfferRecord.status, OfferRecord.summary,
        )
        .where(OfferRecord.account_id.in_(ids))
        .order_by(OfferRecord.made_at.desc())
    ).mappings().all()  # fmt: skip
    unit = connection.execute(select(WorkUnit).where(WorkUnit.customer_id == customer_id)).first()
    return {
        "customer": {
            "customer_id": customer_id,
            "name": customer["name"],
            "country": customer["country"],
            "timezone": customer["timezone"],
            "language": customer["language"],
            "contact_hours": customer["contact_hours"],
        },
        "unit": None
        if unit is None
        else {
            "owner_id": unit.owner_id,
            "team_id": unit.team_id,
            "mode": unit.mode,
            "state": unit.state,
            "claimed_by": unit.claimed_by,
            "claimed_until": unit.claimed_until,
            "unit_value": unit.unit_value,
        },
        "accounts": _records(accounts),
        "contacts": contacts,
        "ledger": _records(ledger),
        "promises": _records(tables["promises"].sort("made_at", descending=True)),
        "payments": _records(tables["payments"].sort("paid_at", descending=True)),
        "offers": [dict(o) for o in offers],
        "plan": [dict(a) for a in actions],
        "suggested": _suggested(actions),
    }


def _suggested(actions: Any) -> dict[str, Any] | None:
    """Today's first pending human call of the plan: its template, step and segment."""
    for action in actions:
        if action["channel"] == "human_call" and action["cancelled_at"] is None:
            return {
                "template": action["template"], "step": action["step"],
                "segment": action["segment"], "account_id": action["account_id"],
            }  # fmt: skip
    return None
