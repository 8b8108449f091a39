"""The forms on the case page: an attempt, a promise, an offer, a dispute or hold, approving an
offer that waits for it, and giving the case back or finishing it. Each calls the API's route
function; then back to the case with the result (post/redirect/get), or the case again with
the refusal and the form's values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Form, HTTPException, Path, Request
from fastapi.responses import Response

from arrears.service.api import routes_cases
from arrears.service.api.deps import State, role
from arrears.service.api.routes_cases import CustomerId
from arrears.service.api.schemas import AttemptIn, OfferIn, PromiseIn, ReleaseIn, StatusIn
from arrears.service.api.state import ServiceState
from arrears.service.queue import QueueError
from arrears.service.roles import Principal
from arrears.service.web.common import (
    Writer,
    body_of,
    case_url,
    form_model,
    key_of,
    page_router,
    refusal,
    see_other,
)
from arrears.service.web.i18n import translator
from arrears.service.web.rendering import language, say
from arrears.service.web.work import case_page_of

router = page_router()
OfferId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
APPROVERS = ("supervisor", "strategy_manager")
"""The roles of `POST /api/v1/offers/{offer_id}/approve` (and admin)."""


def _case_write(
    request: Request,
    state: ServiceState,
    who: Principal,
    customer_id: str,
    sent: Mapping[str, str],
    write: Callable[[], Mapping[str, str]],
    *,
    shown: tuple[int, ...] = (409, 422),
) -> Response:
    """Run a write; then back to the case with its result, or the case again with the error
    when its status is one of `shown` (a 409 or 422: the form's values kept). Other refusals
    (403, 404) are error pages."""
    try:
        flash = write()
    except (HTTPException, QueueError) as exc:
        status, detail = refusal(exc)
        if status not in shown:
            raise
        return case_page_of(
            request, state, who, customer_id, account_id=sent.get("account_id"),
            status_code=status, error=say(request, status, detail), sent=sent,
        )  # fmt: skip
    return see_other(case_url(customer_id, **flash))


@router.post("/work/cases/{customer_id}/attempt")
def attempt(
    customer_id: CustomerId,
    request: Request,
    state: State,
    who: Writer,
    account_id: Annotated[str, Form()] = "",
    contact_id: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    sent = {"form": "attempt", "account_id": account_id, "contact_id": contact_id,
            "channel": channel, "outcome": outcome}  # fmt: skip

    def write() -> dict[str, str]:
        body = form_model(
            AttemptIn, account_id=account_id, contact_id=contact_id, channel=channel,
            outcome=outcome,
        )  # fmt: skip
        out = body_of(routes_cases.attempt(customer_id, body, state, who, key_of(idempotency_key)))
        guard = out.get("guard") or {}
        if guard and not guard.get("allowed"):
            return {"ok": "attempt_refused", "rule": str(guard.get("rule") or "")}
        return {"ok": "attempt"}

    return _case_write(request, state, who, customer_id, sent, write)


@router.post("/work/cases/{customer_id}/promise")
def promise(
    customer_id: CustomerId,
    request: Request,
    state: State,
    who: Writer,
    account_id: Annotated[str, Form()] = "",
    due_date: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    sent = {"form": "promise", "account_id": account_id, "due_date": due_date, "amount": amount}

    def write() -> dict[str, str]:
        body = form_model(PromiseIn, account_id=account_id, due_date=due_date, amount=amount)
        routes_cases.promise(customer_id, body, state, who, key_of(idempotency_key))
        return {"ok": "promise"}

    return _case_write(request, state, who, customer_id, sent, write)


def _fraction(request: Request, percent: str) -> Decimal | None:
    """The form asks a discount in percent; the API takes a fraction."""
    if not percent.strip():
        return None
    try:
        return Decimal(percent.strip()) / 100
    except InvalidOperation:
        t = translator(language(request))
        raise HTTPException(422, t("form.not_a_number", value=percent)) from None


@router.post("/work/cases/{customer_id}/offer")
def offer(
    customer_id: CustomerId,
    request: Request,
    state: State,
    who: Writer,
    account_id: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    discount: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    instalments: Annotated[str, Form()] = "",
    first_due: Annotated[str, Form()] = "",
    every_days: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    sent = {"form": "offer", "account_id": account_id, "kind": kind, "discount": discount,
            "amount": amount, "instalments": instalments, "first_due": first_due,
            "every_days": every_days}  # fmt: skip

    def write() -> dict[str, str]:
        body = form_model(
            OfferIn, account_id=account_id, kind=kind, discount=_fraction(request, discount),
            amount=amount, instalments=instalments, first_due=first_due, every_days=every_days,
        )  # fmt: skip
        routes_cases.offer(customer_id, body, state, who, key_of(idempotency_key))
        return {"ok": "offer"}

    return _case_write(request, state, who, customer_id, sent, write)


@router.post("/work/cases/{customer_id}/offers/{offer_id}/approve")
def approve(
    customer_id: CustomerId,
    offer_id: OfferId,
    request: Request,
    state: State,
    who: Writer,
) -> Response:
    """Approve an offer of this case that waits for a senior role. The API decides it again
    with the approver's authority and records its payments as promises; a refusal (beyond
    the approver's authority: 403, no longer waiting: 409) is shown on the case."""
    role(*APPROVERS)(who)
    sent = {"form": "approve", "offer_id": offer_id}

    def write() -> dict[str, str]:
        offers = routes_cases.view(customer_id, state, who)["offers"]
        if offer_id not in {o["offer_id"] for o in offers}:
            raise HTTPException(404, f"no offer {offer_id} for you")
        routes_cases.approve(offer_id, state, who)
        return {"ok": "approved"}

    return _case_write(request, state, who, customer_id, sent, write, shown=(403, 409, 422))


@router.post("/work/cases/{customer_id}/status")
def account_status(
    customer_id: CustomerId,
    request: Request,
    state: State,
    who: Writer,
    account_id: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    sent = {"form": "status", "account_id": account_id, "status": status, "note": note}

    def write() -> dict[str, str]:
        body = form_model(StatusIn, account_id=account_id, status=status, note=note)
        routes_cases.status(customer_id, body, state, who, key_of(idempotency_key))
        return {"ok": "status"}

    return _case_write(request, state, who, customer_id, sent, write)


@router.post("/work/cases/{customer_id}/release")
def release(
    customer_id: CustomerId,
    state: State,
    who: Writer,
    done: Annotated[str, Form()] = "",
) -> Response:
    """Give the case back, or finish it for today; then the queue."""
    role("agent")(who)
    finished = done == "1"
    routes_cases.release(customer_id, ReleaseIn(done=finished), state, who)
    return see_other("/work?ok=" + ("finished" if finished else "released"))
