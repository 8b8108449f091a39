"""The pre-dial check, the payment and message webhooks, supervisors' figures, users, audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from sqlalchemy import select

from arrears.channels.inbound import EventError, parse_event
from arrears.service import kpis, queue
from arrears.service.accounts_admin import UserError, create_user
from arrears.service.api.deps import State, Who, role, webhook_secret
from arrears.service.api.schemas import MessageEventIn, PaymentIn, PredialIn, UserIn
from arrears.service.api.writes import idempotent
from arrears.service.guard_now import customer_of, may_contact, summary
from arrears.service.messages import apply_receipt, apply_reply
from arrears.service.outcomes import OutcomeError, record_payment
from arrears.service.roles import Principal
from arrears.store.io import customer_tables
from arrears.store.models import AuditEntry, Plan, Team
from arrears.store.repository import record_audit

router = APIRouter(prefix="/api/v1", tags=["operations"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@router.post("/predial")
def predial(body: PredialIn, state: State, who: Who) -> dict[str, Any]:
    """May this contact point be contacted now (or at `at`) on this channel? If not, the rule
    that refuses it and the next time it may. A refusal is written to the audit log."""
    now = state.settings.clock()
    at = body.at or now
    with state.transaction() as connection:
        customer_id = customer_of(connection, body.contact_id)
        allowed_to_ask = customer_id is not None and (
            who.has("dialer", "compliance_officer")
            or queue.may_read(connection, who, customer_id, now=now)
        )
        if not allowed_to_ask:
            raise HTTPException(404, f"no contact point {body.contact_id} for you")
        assert customer_id is not None
        tables = customer_tables(connection, customer_id)
        answers = may_contact(
            tables, state.policy(connection), body.contact_id, at, body.channel, body.account_id
        )
        verdict = summary(answers)
        if not verdict["allowed"]:
            record_audit(
                connection, actor=who.user_id, action="predial_refused", entity="contacts",
                entity_id=body.contact_id,
                after={"channel": body.channel, "at": at.isoformat(), "rule": verdict["rule"]},
                at=now,
            )  # fmt: skip
    return {
        "contact_id": body.contact_id,
        "channel": body.channel,
        "at": at,
        **verdict,
        "accounts": answers,
    }


@router.post("/webhooks/payments", dependencies=[Depends(webhook_secret)])
def payment(body: PaymentIn, state: State, idempotency_key: IdempotencyKey = None) -> Any:
    """A payment from the lender (authenticated by `X-Webhook-Secret`). It cancels the pending
    contacts of a cured account, closes the promises it keeps, and is recorded once per
    `payment_id` whatever the retries."""

    def work(connection: Any) -> tuple[int, Any]:
        try:
            out = record_payment(
                connection, payment_id=body.payment_id, account_id=body.account_id,
                amount=body.amount, paid_at=body.paid_at, now=state.settings.clock(),
                actor="webhook:payments",
            )  # fmt: skip
        except OutcomeError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        return (200 if out["duplicate"] else 201), out

    return idempotent(
        state, "webhook:payments", idempotency_key, "payment", body.model_dump(mode="json"), work
    )


@router.post("/webhooks/messages", dependencies=[Depends(webhook_secret)])
def message_event(
    body: MessageEventIn, state: State, idempotency_key: IdempotencyKey = None
) -> Any:
    """A channel provider's delivery receipt (`delivered`, `failed`, `undelivered`,
    `rejected`, `expired`) or an inbound reply (authenticated by `X-Webhook-Secret`). A receipt
    sets what the attempt reads as its outcome; a STOP / 退订 reply opts the sender's contact
    points out of the channel at once."""
    try:
        event = parse_event(body.model_dump(mode="json", by_alias=True), "body")
    except EventError as exc:
        raise HTTPException(422, str(exc)) from None

    def work(connection: Any) -> tuple[int, Any]:
        now = state.settings.clock()
        if event.type == "receipt":
            out = apply_receipt(connection, event, now)
            return (200 if out["duplicate"] else 201), out
        return 200, apply_reply(connection, event, now, actor="webhook:messages")

    return idempotent(
        state, "webhook:messages", idempotency_key, "message", body.model_dump(mode="json"), work
    )


Supervisor = Annotated[Principal, Depends(role("supervisor"))]


def _day(state: Any) -> tuple[dt.datetime, dt.datetime]:
    now = state.settings.clock()
    start = dt.datetime.combine(now.date(), dt.time(0), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


@router.get("/supervisor/teams")
def teams(state: State, who: Supervisor) -> dict[str, Any]:
    """Today's figures of the caller's teams (UTC day)."""
    start, end = _day(state)
    with state.engine.connect() as connection:
        mine = who.teams
        if "admin" in who.roles and not mine:
            mine = frozenset(connection.scalars(select(Team.team_id).where(Team.kind == "human")))
        return {"day": start.date(), "teams": kpis.team_kpis(connection, mine, start, end)}


@router.get("/supervisor/teams/{team_id}/agents")
def team_agents(
    team_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")],
    state: State,
    who: Supervisor,
) -> dict[str, Any]:
    if not queue.may_supervise(who, team_id):
        raise HTTPException(404, f"team {team_id} is not yours")
    with state.engine.connect() as connection:
        return {
            "team_id": team_id,
            "agents": kpis.agent_queues(connection, team_id, state.settings.clock()),
        }


@router.get("/audit")
def audit(
    state: State,
    who: Annotated[Principal, Depends(role("compliance_officer"))],
    entity: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    entity_id: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The newest audit entries: who, when, what, before → after."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    with state.engine.connect() as connection:
        rows = connection.execute(query).all()
    return {
        "entries": [
            {"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "entity": r.entity,
             "entity_id": r.entity_id, "before": r.before, "after": r.after}
            for r in rows
        ]
    }  # fmt: skip


@router.post("/users", status_code=201)
def add_user(
    body: UserIn, state: State, who: Annotated[Principal, Depends(role("admin"))]
) -> dict[str, Any]:
    try:
        with state.transaction() as connection:
            create_user(
                connection, user_id=body.user_id, name=body.name, password=body.password,
                roles=body.roles, actor=who.user_id, agent_id=body.agent_id, teams=body.teams,
                email=body.email, language=body.language,
            )  # fmt: skip
    except UserError as exc:
        raise HTTPException(409 if "exists" in str(exc) else 422, str(exc)) from None
    return {"user_id": body.user_id, "roles": sorted(body.roles)}


@router.get("/plans/latest")
def latest_plan(
    state: State,
    who: Annotated[
        Principal, Depends(role("supervisor", "strategy_manager", "compliance_officer"))
    ],
) -> dict[str, Any]:
    """The newest imported plan: its date, strategy and the manifest's counts."""
    with state.engine.connect() as connection:
        plan = connection.execute(
            select(Plan).order_by(Plan.run_date.desc(), Plan.id.desc()).limit(1)
        ).first()
    if plan is None:
        raise HTTPException(404, "no plan has been imported")
    manifest = plan.manifest or {}
    return {
        "plan_id": plan.id, "run_date": plan.run_date, "strategy": plan.strategy_name,
        "strategy_version": plan.strategy_version, "imported_at": plan.imported_at,
        "counts": manifest.get("counts"), "timings": manifest.get("timings"),
    }  # fmt: skip
