"""Who is calling, and may they: bearer tokens for API clients, the session cookie for the
pages (with the CSRF header on every write), role checks."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from arrears.service.api.state import ServiceState
from arrears.service.auth import session_principal
from arrears.service.roles import Principal

COOKIE = "arrears_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def state_of(request: Request) -> ServiceState:
    """Async: no I/O, so no hop to the thread pool."""
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(state_of)]


def _token(request: Request) -> tuple[str | None, bool]:
    """The session token and whether it came from the cookie."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(COOKIE)
    return (cookie, True) if cookie else (None, False)


def principal(request: Request, state: State) -> Principal:
    token, from_cookie = _token(request)
    if token is None:
        raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
    with state.engine.connect() as connection:
        who = session_principal(connection, token, now=state.settings.clock())
    if who is None:
        raise HTTPException(
            401, "the session has expired or was closed", headers={"WWW-Authenticate": "Bearer"}
        )
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(sent, who.csrf_token.encode()):
            raise HTTPException(403, f"missing or wrong {CSRF_HEADER}")
    request.state.principal = who
    return who


Who = Annotated[Principal, Depends(principal)]


def role(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency admitting the given roles (and admin)."""

    def check(who: Who) -> Principal:
        if not who.has(*roles):
            raise HTTPException(403, f"this needs the role {' or '.join(roles)}")
        return who

    return check


def webhook_secret(state: State, x_webhook_secret: Annotated[str, Header()] = "") -> None:
    if not x_webhook_secret or not hmac.compare_digest(
        x_webhook_secret, state.settings.webhook_secret
    ):
        raise HTTPException(401, "wrong or missing X-Webhook-Secret")
