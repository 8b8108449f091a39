"""The agents' queue and the case: Get Next, claim, release, view, script, and the outcomes
recorded on it (attempts, promises, disputes and holds, offers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from sqlalchemy import select

from arrears.offers.engine import OfferRequest
from arrears.service import queue
from arrears.service.api.deps import State, Who, role
from arrears.service.api.schemas import (
    AttemptIn,
    OfferIn,
    PromiseIn,
    ReassignIn,
    ReleaseIn,
    StatusIn,
)
from arrears.service.api.state import ServiceState
from arrears.service.api.writes import idempotent
from arrears.service.casefile import case_view
from arrears.service.guard_now import guard_tables, summary
from arrears.service.offers_now import approve_offer, make_offer, offer_role
from arrears.service.outcomes import OutcomeError, record_attempt, record_promise, set_status
from arrears.service.roles import Principal
from arrears.service.scripts import TONES, script
from arrears.store.io import customer_tables
from arrears.store.models import Account
from arrears.store.work import OfferRecord

router = APIRouter(prefix="/api/v1", tags=["cases"])
CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Agent = Annotated[Principal, Depends(role("agent"))]


def _lease(state: ServiceState) -> dt.timedelta:
    return dt.timedelta(minutes=state.settings.claim_minutes)


def _visible(state: ServiceState, who: Principal, customer_id: str, *, write: bool) -> None:
    """404 for a case the caller may not see (its existence is not disclosed); 403 for one it
    may see but not change."""
    now = state.settings.clock()
    with state.engine.connect() as connection:
        if write:
            if queue.may_work(connection, who, customer_id, now=now):
                return
            if queue.may_read(connection, who, customer_id, now=now):
                raise HTTPException(403, f"you may read case {customer_id} but not change it")
        elif queue.may_read(connection, who, customer_id, now=now):
            return
    raise HTTPException(404, f"no case {customer_id} for you")


@router.get("/queue")
def my_queue(state: State, who: Agent) -> dict[str, Any]:
    """The cases the agent holds, then those it may take, in Get Next's order."""
    with state.engine.connect() as connection:
        return {"cases": queue.queue_of(connection, who, now=state.settings.clock())}


@router.post("/queue/next")
def get_next(state: State, who: Agent) -> dict[str, Any]:
    """Claim the next case (or get back the one held); `claim` null when the queue is empty."""
    with state.transaction() as connection:
        got = queue.get_next(connection, who, now=state.settings.clock(), lease=_lease(state))
    if got is None:
        return {"claim": None}
    return {
        "claim": {
            "customer_id": got.customer_id,
            "claimed_until": got.claimed_until,
            "resumed": got.resumed,
        }
    }


@router.post("/cases/{customer_id}/claim")
def claim(customer_id: CustomerId, state: State, who: Agent) -> dict[str, Any]:
    with state.transaction() as connection:
        got = queue.claim(
            connection, who, customer_id, now=state.settings.clock(), lease=_lease(state)
        )
    return {
        "customer_id": got.customer_id,
        "claimed_until": got.claimed_until,
        "resumed": got.resumed,
    }


@router.post("/cases/{customer_id}/release")
def release(customer_id: CustomerId, body: ReleaseIn, state: State, who: Agent) -> dict[str, Any]:
    """Give the case back (`done` false) or close it for today (`done` true)."""
    with state.transaction() as connection:
        queue.release(connection, who, customer_id, now=state.settings.clock(), done=body.done)
    return {"customer_id": customer_id, "released": True, "done": body.done}


@router.post("/cases/{customer_id}/reassign")
def reassign(
    customer_id: CustomerId,
    body: ReassignIn,
    state: State,
    who: Annotated[Principal, Depends(role("supervisor"))],
) -> dict[str, Any]:
    with state.transaction() as connection:
        queue.reassign(connection, who, customer_id, body.agent_id, now=state.settings.clock())
    return {"customer_id": customer_id, "owner_id": body.agent_id}


@router.get("/cases/{customer_id}")
def view(customer_id: CustomerId, state: State, who: Who) -> dict[str, Any]:
    """The case: accounts, contact points (masked unless the role may see them) with the
    compliance status of each now, ledger, promises, payments, offers, today's plan."""
    _visible(state, who, customer_id, write=False)
    with state.engine.connect() as connection:
        found = case_view(
            connection, who, customer_id, state.policy(connection), now=state.settings.clock()
        )
    if found is None:
        raise HTTPException(404, f"no case {customer_id} for you")
    return found


@router.get("/cases/{customer_id}/script")
def call_script(
    customer_id: CustomerId,
    state: State,
    who: Who,
    account_id: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[^\x00]+$")],
    tone: Annotated[str, Query(pattern="^(" + "|".join(TONES) + ")$")] = "reminder",
) -> dict[str, Any]:
    """The approved call script for the account's bucket in the chosen tone, rendered."""
    _visible(state, who, customer_id, write=False)
    now = state.settings.clock()
    with state.engine.connect() as connection:
        tables = customer_tables(connection, customer_id)
        policy = state.policy(connection)
    if tables["accounts"].filter(tables["accounts"]["account_id"] == account_id).height == 0:
        raise HTTPException(404, f"account {account_id} is not one of case {customer_id}'s")
    return script(
        tables, policy, state.library(), account_id, tone, on=now.date(), agent_name=who.name
    )


def _outcome(exc: OutcomeError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@router.post("/cases/{customer_id}/attempts", status_code=201)
def attempt(
    customer_id: CustomerId,
    body: AttemptIn,
    state: State,
    who: Who,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Append an attempt and its outcome to the ledger. The answer carries what the pre-dial
    check said at that time, before the attempt: a refused one is recorded, and flagged."""
    if not who.has("agent", "supervisor", "dialer"):
        raise HTTPException(403, "this needs the role agent, supervisor or dialer")
    if "dialer" not in who.roles:
        _visible(state, who, customer_id, write=True)
    now = state.settings.clock()
    at = body.at or now

    def work(connection: Any) -> tuple[int, Any]:
        tables = guard_tables(connection, customer_id)
        if tables["contacts"].filter(tables["contacts"]["contact_id"] == body.contact_id).height:
            guard = summary(
                state.guard(connection).may_contact(
                    tables, body.contact_id, at, body.channel, body.account_id, today=now.date()
                )
            )
        else:
            guard = None
        try:
            row = record_attempt(
                connection, customer_id=customer_id, account_id=body.account_id,
                contact_id=body.contact_id, channel=body.channel, outcome=body.outcome, at=at,
                agent_id=who.agent_id, actor=who.user_id, guard=guard,
            )  # fmt: skip
        except OutcomeError as exc:
            raise _outcome(exc) from None
        return 201, {**row, "guard": guard}

    return idempotent(
        state,
        who.user_id,
        idempotency_key,
        f"attempt:{customer_id}",
        body.model_dump(mode="json"),
        work,
    )


@router.post("/cases/{customer_id}/promises", status_code=201)
def promise(
    customer_id: CustomerId,
    body: PromiseIn,
    state: State,
    who: Who,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    _visible(state, who, customer_id, write=True)

    def work(connection: Any) -> tuple[int, Any]:
        try:
            return 201, record_promise(
                connection, customer_id=customer_id, account_id=body.account_id,
                due_date=body.due_date, amount=body.amount, now=state.settings.clock(),
                actor=who.user_id,
            )  # fmt: skip
        except OutcomeError as exc:
            raise _outcome(exc) from None

    return idempotent(
        state,
        who.user_id,
        idempotency_key,
        f"promise:{customer_id}",
        body.model_dump(mode="json"),
        work,
    )


@router.post("/cases/{customer_id}/status")
def status(
    customer_id: CustomerId,
    body: StatusIn,
    state: State,
    who: Who,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """A dispute, hold or cease request on an account (or active again). A compliance officer
    may set it on any case."""
    if "compliance_officer" not in who.roles:
        _visible(state, who, customer_id, write=True)

    def work(connection: Any) -> tuple[int, Any]:
        try:
            return 200, set_status(
                connection, customer_id=customer_id, account_id=body.account_id, status=body.status,
                note=body.note, now=state.settings.clock(), actor=who.user_id,
            )  # fmt: skip
        except OutcomeError as exc:
            raise _outcome(exc) from None

    return idempotent(
        state,
        who.user_id,
        idempotency_key,
        f"status:{customer_id}",
        body.model_dump(mode="json"),
        work,
    )


@router.post("/cases/{customer_id}/offers", status_code=201)
def offer(
    customer_id: CustomerId,
    body: OfferIn,
    state: State,
    who: Who,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """An offer decided by the offer engine under today's strategy: allowed (its payments
    become promises), needs a senior role's approval, or refused with the reason."""
    _visible(state, who, customer_id, write=True)
    try:
        request = OfferRequest(
            kind=body.kind, role=offer_role(who), discount=body.discount, amount=body.amount,
            instalments=body.instalments, first_due=body.first_due, every_days=body.every_days,
        )  # fmt: skip
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None

    def work(connection: Any) -> tuple[int, Any]:
        try:
            out = make_offer(
                connection,
                state.policy(connection),
                who,
                customer_id,
                body.account_id,
                request,
                now=state.settings.clock(),
            )
        except OutcomeError as exc:
            raise _outcome(exc) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return 201, out

    return idempotent(
        state,
        who.user_id,
        idempotency_key,
        f"offer:{customer_id}",
        body.model_dump(mode="json"),
        work,
    )


@router.post("/offers/{offer_id}/approve")
def approve(
    offer_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")],
    state: State,
    who: Annotated[Principal, Depends(role("supervisor", "strategy_manager"))],
) -> Any:
    """Approve an offer that needed a senior role: decided again with the approver's role; the
    payments of an allowed one become promises. A supervisor approves its teams' cases."""
    now = state.settings.clock()
    with state.transaction() as connection:
        account = connection.scalar(
            select(OfferRecord.account_id).where(OfferRecord.offer_id == offer_id)
        )
        customer = connection.scalar(
            select(Account.customer_id).where(Account.account_id == account)
        )
        if customer is None or not (
            who.has("strategy_manager") or queue.may_work(connection, who, customer, now=now)
        ):
            raise HTTPException(404, f"no offer {offer_id} for you")
        try:
            return approve_offer(connection, state.policy(connection), who, offer_id, now=now)
        except OutcomeError as exc:
            raise _outcome(exc) from None
