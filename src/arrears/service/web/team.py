"""The supervisor's page: today's figures of its teams, their agents, and reassigning a case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from arrears.service.api import routes_cases, routes_ops
from arrears.service.api.deps import State, role
from arrears.service.api.schemas import ReassignIn
from arrears.service.api.state import ServiceState
from arrears.service.queue import QueueError
from arrears.service.roles import Principal
from arrears.service.web.common import Page, Writer, form_model, page_router, refusal, see_other
from arrears.service.web.i18n import translator
from arrears.service.web.rendering import language, render, say

router = page_router()


def _team(
    request: Request,
    state: ServiceState,
    who: Principal,
    *,
    status_code: int = 200,
    error: str | None = None,
    sent: Mapping[str, str] | None = None,
) -> HTMLResponse:
    role("supervisor")(who)
    figures = routes_ops.teams(state, who)
    agents = {
        team["team_id"]: routes_ops.team_agents(team["team_id"], state, who)["agents"]
        for team in figures["teams"]
    }
    return render(
        request, "team.html", status_code=status_code, here="/team", day=figures["day"],
        teams=figures["teams"], agents=agents, error=error, sent=dict(sent or {}),
        title_key="team.title",
    )  # fmt: skip


@router.get("/team")
def team(request: Request, state: State, who: Page) -> Response:
    return _team(request, state, who)


@router.post("/team/reassign")
def reassign(
    request: Request,
    state: State,
    who: Writer,
    customer_id: Annotated[str, Form()] = "",
    agent_id: Annotated[str, Form()] = "",
) -> Response:
    role("supervisor")(who)
    customer_id = customer_id.strip()
    try:
        if not 0 < len(customer_id) <= 64 or "\x00" in customer_id:
            t = translator(language(request))
            raise HTTPException(422, t("team.customer_length"))
        body = form_model(ReassignIn, agent_id=agent_id)
        routes_cases.reassign(customer_id, body, state, who)
    except (HTTPException, QueueError) as exc:
        status, detail = refusal(exc)
        sent = {"customer_id": customer_id, "agent_id": agent_id}
        return _team(
            request, state, who, status_code=status, error=say(request, status, detail), sent=sent
        )
    return see_other("/team?" + urlencode({"ok": "reassigned", "cid": customer_id}))
