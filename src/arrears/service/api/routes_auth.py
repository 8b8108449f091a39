"""Log in, log out, who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from arrears.service.api.deps import COOKIE, State, Who
from arrears.service.api.schemas import LoginIn
from arrears.service.auth import authenticate, close_session, open_session

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def client_key(request: Request, user_id: str) -> str:
    host = request.client.host if request.client else "?"
    return f"{user_id.lower()}|{host}"


def login_user(state: State, request: Request, user_id: str, password: str) -> Any:
    """Check the password under the login limit; the new session, or an HTTP error."""
    key = client_key(request, user_id)
    wait = state.limiter.retry_after(key)
    if wait is not None:
        raise HTTPException(
            429,
            "too many failed logins: wait and try again",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    now = state.settings.clock()
    with state.transaction() as connection:
        if not authenticate(connection, user_id, password):
            state.limiter.failed(key)
            raise HTTPException(401, "wrong user name or password")
        state.limiter.succeeded(key)
        return open_session(connection, user_id, now=now, hours=state.settings.session_hours)


def set_cookie(response: Response, state: State, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE, token, max_age=max_age, httponly=True, samesite="strict",
        secure=state.settings.secure_cookies, path="/",
    )  # fmt: skip


@router.post("/login")
def login(body: LoginIn, request: Request, response: Response, state: State) -> dict[str, Any]:
    """A bearer token for API clients (the session cookie is set too, for the pages)."""
    session = login_user(state, request, body.user_id, body.password)
    set_cookie(response, state, session.token, int(state.settings.session_hours * 3600))
    who = session.principal
    return {
        "token": session.token,
        "csrf_token": session.csrf_token,
        "expires_at": session.expires_at,
        "user": {
            "user_id": who.user_id,
            "name": who.name,
            "roles": sorted(who.roles),
            "agent_id": who.agent_id,
        },
    }


@router.post("/logout")
def logout(request: Request, response: Response, state: State, who: Who) -> dict[str, Any]:
    token = request.headers.get("Authorization", "").partition(" ")[
        2
    ].strip() or request.cookies.get(COOKIE, "")
    with state.transaction() as connection:
        close_session(connection, token, now=state.settings.clock())
    response.delete_cookie(COOKIE, path="/")
    return {"logged_out": who.user_id}


@router.get("/me")
def me(who: Who) -> dict[str, Any]:
    return {
        "user_id": who.user_id, "name": who.name, "roles": sorted(who.roles),
        "agent_id": who.agent_id, "agent_team": who.agent_team, "teams": sorted(who.teams),
        "sees_pii": who.sees_pii,
    }  # fmt: skip
