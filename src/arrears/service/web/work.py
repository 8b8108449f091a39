"""The agent's workbench: the queue (Get Next, claiming a pooled case), the case page and its
call script panel. The writes on a case are in `case_forms`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.service import queue
from arrears.service.api import routes_cases
from arrears.service.api.deps import State, role
from arrears.service.api.routes_cases import CustomerId
from arrears.service.api.state import ServiceState
from arrears.service.outcomes import HOLD_STATUSES, MAX_PROMISE_DAYS
from arrears.service.roles import Principal
from arrears.service.scripts import TONES
from arrears.service.web.common import Page, Writer, case_url, page_router, see_other
from arrears.service.web.rendering import render
from arrears.strategy.model import OFFER_KINDS

router = page_router()


# ---------------------------------------------------------------- the queue


@router.get("/work")
def work(request: Request, state: State, who: Page) -> Response:
    role("agent")(who)
    cases = routes_cases.my_queue(state, who)["cases"]
    held = next((c for c in cases if c["claimed_by"] == who.agent_id), None)
    return render(
        request, "work.html", cases=cases, held=held, title_key="queue.title",
    )  # fmt: skip


@router.post("/work/next")
def get_next(state: State, who: Writer) -> Response:
    role("agent")(who)
    got = routes_cases.get_next(state, who)["claim"]
    if got is None:
        return see_other("/work?ok=empty")
    return see_other(case_url(got["customer_id"]))


@router.post("/work/cases/{customer_id}/claim")
def claim(customer_id: CustomerId, state: State, who: Writer) -> Response:
    role("agent")(who)
    routes_cases.claim(customer_id, state, who)
    return see_other(case_url(customer_id))


# ---------------------------------------------------------------- the case


def may_approve(who: Principal, team_id: str | None) -> bool:
    """Who may approve an offer of the case: its team's supervisor, a strategy manager, an
    admin (as `routes_cases.approve` admits them)."""
    return who.has("strategy_manager") or queue.may_supervise(who, team_id)


def case_page_of(
    request: Request,
    state: ServiceState,
    who: Principal,
    customer_id: str,
    *,
    account_id: str | None = None,
    tone: str = "reminder",
    status_code: int = 200,
    error: str | None = None,
    sent: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The case page; after a refused write, with the error and the form's values kept."""
    view = routes_cases.view(customer_id, state, who)
    accounts = [a["account_id"] for a in view["accounts"]]
    suggested = (view["suggested"] or {}).get("account_id")
    chosen = next((a for a in (account_id, suggested) if a in accounts), None)
    if chosen is None and accounts:
        chosen = accounts[0]
    tone = tone if tone in TONES else "reminder"
    spoken = routes_cases.call_script(customer_id, state, who, chosen, tone) if chosen else None
    now = state.settings.clock()
    with state.engine.connect() as connection:
        may_write = queue.may_work(connection, who, customer_id, now=now)
    unit = view["unit"] or {}
    until = unit.get("claimed_until")
    holds = bool(
        who.agent_id
        and unit.get("claimed_by") == who.agent_id
        and isinstance(until, dt.datetime)
        and (until if until.tzinfo else until.replace(tzinfo=dt.UTC)) > now
    )
    today = now.date()
    return render(
        request,
        "case.html",
        status_code=status_code,
        here=case_url(customer_id),
        case=view,
        cid=customer_id,
        tz=view["customer"]["timezone"],
        account_id=chosen,
        tone=tone,
        tones=TONES,
        script=spoken,
        may_write=may_write,
        may_set_status=may_write or "compliance_officer" in who.roles,
        may_approve=may_approve(who, unit.get("team_id")),
        holds=holds,
        channels=CHANNELS,
        outcomes=OUTCOMES,
        statuses=(*HOLD_STATUSES, "active"),
        offer_kinds=OFFER_KINDS,
        today=today,
        last_promise_day=today + dt.timedelta(days=MAX_PROMISE_DAYS),
        tomorrow=today + dt.timedelta(days=1),
        error=error,
        sent=dict(sent or {}),
        title_key="case.title",
    )


@router.get("/work/cases/{customer_id}")
def case_page(
    customer_id: CustomerId,
    request: Request,
    state: State,
    who: Page,
    account_id: Annotated[str | None, Query(max_length=64)] = None,
    tone: Annotated[str, Query(max_length=20)] = "reminder",
) -> Response:
    return case_page_of(request, state, who, customer_id, account_id=account_id, tone=tone)


@router.get("/work/cases/{customer_id}/script")
def script_panel(
    customer_id: CustomerId,
    request: Request,
    state: State,
    who: Page,
    account_id: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[^\x00]+$")],
    tone: Annotated[str, Query(pattern="^(" + "|".join(TONES) + ")$")] = "reminder",
) -> Response:
    """The script for the tone, as a fragment for htmx; a plain request gets the case page."""
    if not request.headers.get("HX-Request"):
        return see_other(case_url(customer_id, account_id=account_id, tone=tone))
    spoken = routes_cases.call_script(customer_id, state, who, account_id, tone)
    return render(request, "_script.html", script=spoken)
