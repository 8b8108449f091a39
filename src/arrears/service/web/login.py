"""Log in, log out, each role's start page, and opening a case by its customer ID."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import partial
from typing import Annotated

from fastapi import Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from arrears.service.api import routes_auth
from arrears.service.api.deps import State
from arrears.service.api.schemas import LoginIn
from arrears.service.api.state import ServiceState
from arrears.service.web.common import (
    Page,
    Writer,
    case_url,
    page_router,
    safe_next,
    same,
    see_other,
)
from arrears.service.web.i18n import MESSAGES, translator
from arrears.service.web.rendering import READERS, language, render, say

LOGIN_COOKIE = "arrears_login"
"""The login form's own token (double submit): see `login`."""

router = page_router()


def _login_form(
    request: Request,
    state: ServiceState,
    *,
    status_code: int = 200,
    error: str | None = None,
    user_id: str = "",
    next_url: str = "/",
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        headers=headers,
        login_token=token,
        next_url=safe_next(next_url),
        user_id=user_id,
        error=error,
        title_key="login.title",
    )
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/login",
        secure=state.settings.secure_cookies,
    )  # fmt: skip
    return response


@router.get("/login")
def login_page(request: Request, state: State, next: str = "/") -> Response:
    return _login_form(request, state, next_url=next)


@router.post("/login")
def login(
    request: Request,
    state: State,
    user_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    login_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """There is no session yet, so no session CSRF token. The form carries a random token that
    must equal the `SameSite=Strict` cookie set with it (double submit): another site cannot
    read the cookie, and the browser does not send it on a cross-site POST, so a forged login
    is refused. The login limit (per user and client) then bounds password guessing."""
    t = translator(language(request))
    again = partial(_login_form, request, state, user_id=user_id[:64], next_url=next)
    if not same(login_token, request.cookies.get(LOGIN_COOKIE, "")):
        return again(status_code=403, error=t("login.403"))
    try:
        body = LoginIn(user_id=user_id, password=password)
    except ValidationError:
        return again(status_code=422, error=t("login.422"))
    try:
        session = routes_auth.login_user(state, request, body.user_id, body.password)
    except HTTPException as exc:
        key = f"login.{exc.status_code}"
        return again(
            status_code=exc.status_code,
            error=t(key) if key in MESSAGES else say(request, exc.status_code, exc.detail),
            headers=exc.headers,
        )
    response = see_other(safe_next(next))
    routes_auth.set_cookie(response, state, session.token, int(state.settings.session_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, state: State, who: Writer) -> Response:
    response = see_other("/login?ok=logged_out")
    routes_auth.logout(request, response, state, who)
    return response


@router.get("/")
def home(who: Page) -> Response:
    """Each role's own page."""
    if "agent" in who.roles and who.agent_id:
        return see_other("/work")
    if who.has("supervisor"):
        return see_other("/team")
    if who.has(*READERS):
        return see_other("/strategies")
    return see_other("/cases")


@router.get("/cases")
def lookup(
    request: Request,
    who: Page,
    customer_id: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Open a case by its customer ID (a supervisor's or a compliance officer's way in)."""
    if customer_id.strip():
        return see_other(case_url(customer_id.strip()))
    return render(request, "lookup.html", title_key="lookup.title")
