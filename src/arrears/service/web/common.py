"""What every page route shares: the user of the session cookie, the CSRF check of a page
POST, the route class that turns errors into pages, and the small helpers of a form's write
(the API's request body from a form, post/redirect/get).

CSRF: the session cookie is `SameSite=Strict`, and every page POST must also carry the session's
CSRF token, in the form's hidden `csrf_token` field or (htmx) the `X-CSRF-Token` header that
`hx-headers` on <body> adds; it is compared with `hmac.compare_digest`, else 403.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from arrears.service.api.deps import COOKIE, CSRF_HEADER, State
from arrears.service.api.state import ServiceState
from arrears.service.auth import session_principal
from arrears.service.queue import QueueError
from arrears.service.roles import Principal
from arrears.service.web.i18n import LANGUAGES, translator
from arrears.service.web.rendering import CSRF_FIELD, LANG_COOKIE, detail, error_page, language

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------- who: the session principal


class LoginNeeded(Exception):
    """No live session: the page sends the browser to the login form."""


class CsrfRefused(Exception):
    """A page POST without the session's CSRF token."""


def same(sent: str, expected: str) -> bool:
    """Two tokens equal, in constant time (an empty expected token equals nothing)."""
    # Bytes: compare_digest refuses non-ASCII str, and a header may carry any latin-1.
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def page_user(request: Request, state: State) -> Principal:
    """The user of the session cookie (pages take no bearer token)."""
    token = request.cookies.get(COOKIE)
    if token:
        with state.engine.connect() as connection:
            who = session_principal(connection, token, now=state.settings.clock())
        if who is not None:
            request.state.principal = who
            return who
    raise LoginNeeded


async def _sent_tokens(request: Request) -> tuple[str, str]:
    """The CSRF token of the form's hidden field and of the htmx header."""
    form = await request.form()
    field = form.get(CSRF_FIELD)
    return (field if isinstance(field, str) else "", request.headers.get(CSRF_HEADER, ""))


def page_writer(
    request: Request, state: State, sent: Annotated[tuple[str, str], Depends(_sent_tokens)]
) -> Principal:
    who = page_user(request, state)
    if not any(same(token, who.csrf_token) for token in sent if token):
        raise CsrfRefused
    return who


Page = Annotated[Principal, Depends(page_user)]
Writer = Annotated[Principal, Depends(page_writer)]


# ---------------------------------------------------------------- errors as pages


def _to_login(request: Request) -> Response:
    target = request.url.path if request.method == "GET" else "/"
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    url = "/login?" + urlencode({"next": target})
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


class PageRoute(APIRoute):
    """A route whose errors are pages: a missing session goes to the login form, a refused
    CSRF token is a 403 page, an API error (HTTPException, QueueError) is shown with its status.
    Every answer gets the pages' security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            response: Response
            try:
                response = await handler(request)
            except LoginNeeded:
                response = _to_login(request)
            except CsrfRefused:
                t = translator(language(request))
                response = error_page(request, 403, t("error.csrf"))
            except StarletteHTTPException as exc:
                response = error_page(request, exc.status_code, exc.detail, exc.headers)
            except QueueError as exc:
                response = error_page(request, exc.status, str(exc))
            except RequestValidationError as exc:
                response = error_page(request, 422, list(exc.errors()))
            response.headers.update(SECURITY_HEADERS)
            if request.method != "GET" and not 300 <= response.status_code < 400:
                # A form shown again with its error: the address stays the page's, not the
                # POST's (htmx would put the POST's path in the history).
                response.headers["HX-Push-Url"] = "false"
            chosen = request.query_params.get("lang")
            if chosen in LANGUAGES:
                response.set_cookie(
                    LANG_COOKIE,
                    chosen,
                    max_age=365 * 86400,
                    httponly=True,
                    samesite="lax",
                    path="/",
                )
            return response

        return run


def page_router() -> APIRouter:
    """A router of pages: PageRoute's errors and headers, left out of the API's schema."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


def refusal(exc: HTTPException | QueueError) -> tuple[int, Any]:
    """The status and detail of an API refusal."""
    if isinstance(exc, HTTPException):
        return exc.status_code, exc.detail
    return exc.status, str(exc)


# ---------------------------------------------------------------- forms and redirects


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def form_model(cls: type[M], **values: Any) -> M:
    """The API's own request body, from a form: a field left empty is not sent."""
    try:
        return cls.model_validate({k: v for k, v in values.items() if v not in ("", None)})
    except ValidationError as exc:
        raise HTTPException(422, detail(exc.errors())) from None


def body_of(response: Response) -> Any:
    """The JSON body of an API route's own Response."""
    return json.loads(bytes(response.body))


def key_of(value: str) -> str | None:
    """A form's idempotency key (none when empty)."""
    return value or None


def case_url(customer_id: str, **query: str) -> str:
    url = f"/work/cases/{quote(customer_id, safe='')}"
    return url + ("?" + urlencode(query) if query else "")


def safe_next(target: str) -> str:
    """Only a path on this site (no scheme, no host, no `//`)."""
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\x00\\")
    ):
        return "/"
    return target


def today(state: ServiceState) -> dt.date:
    return state.settings.clock().date()
