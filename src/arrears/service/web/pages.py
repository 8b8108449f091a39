"""The service's web pages: the agents' workbench, the supervisors' team view and the strategy
managers' versions, rendered on the server (Jinja2) and made quicker with htmx.

A page is a thin shell over the API: it calls the API's own route function (which calls the
service: `queue.get_next`, `case_view`, `record_promise`, `strategies.activate`,
`kpis.team_kpis` …) and renders its answer, so the role checks, the rule that a case one may not
read is a 404, the pre-dial verdict kept with an attempt and the idempotent replay of a retried
write are the API's, written once. What a page adds is only HTML: forms, redirects after a
write (post/redirect/get), and errors shown on the page they came from.

Every form works without JavaScript. With it, htmx boosts links and forms (`hx-boost` on
<body>: only the body is swapped) and loads the call script for the chosen tone in place.

CSRF: the session cookie is `SameSite=Strict`, and every page POST must also carry the session's
CSRF token, in the form's hidden `csrf_token` field or (htmx) the `X-CSRF-Token` header that
`hx-headers` on <body> adds; it is compared with `hmac.compare_digest`, else 403.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import secrets
from collections.abc import Callable, Coroutine, Mapping
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path, PureWindowsPath
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.service import queue, strategies
from arrears.service.api import routes_auth, routes_cases, routes_ops, routes_strategies
from arrears.service.api.deps import COOKIE, CSRF_HEADER, State, role
from arrears.service.api.routes_cases import CustomerId
from arrears.service.api.schemas import (
    ActivateIn,
    AttemptIn,
    LoginIn,
    OfferIn,
    PromiseIn,
    ReassignIn,
    ReleaseIn,
    RollbackIn,
    StatusIn,
    StrategyIn,
)
from arrears.service.api.state import ServiceState
from arrears.service.auth import session_principal
from arrears.service.outcomes import HOLD_STATUSES, MAX_PROMISE_DAYS
from arrears.service.queue import QueueError
from arrears.service.roles import Principal
from arrears.service.scripts import TONES
from arrears.service.web.i18n import LANGUAGES, MESSAGES, NAMES, choose, label, translator
from arrears.strategy.model import OFFER_KINDS

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CSRF_FIELD = "csrf_token"
LANG_COOKIE = "arrears_lang"
LOGIN_COOKIE = "arrears_login"
"""The login form's own token (double submit): see `login`."""
READERS = ("strategy_manager", "compliance_officer", "supervisor")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
FLASH_VALUE = re.compile(r"^[\w.:@-]{1,64}$")
M = TypeVar("M", bound=BaseModel)

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# ---------------------------------------------------------------- formatting


def _zone(name: str | None) -> dt.tzinfo:
    try:
        return ZoneInfo(name) if name else dt.UTC
    except (ValueError, KeyError, OSError):
        return dt.UTC


def when(value: Any, tz: str | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time in `tz` (UTC when none); a stored time without a zone is UTC."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(_zone(tz)).strftime(fmt)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


env.filters["when"] = when
env.filters["money"] = money
env.filters["seg"] = lambda value: quote(str(value), safe="")


# ---------------------------------------------------------------- who, language, rendering


class LoginNeeded(Exception):
    """No live session: the page sends the browser to the login form."""


class CsrfRefused(Exception):
    """A page POST without the session's CSRF token."""


def _same(sent: str, expected: str) -> bool:
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
    if not any(_same(token, who.csrf_token) for token in sent if token):
        raise CsrfRefused
    return who


Page = Annotated[Principal, Depends(page_user)]
Writer = Annotated[Principal, Depends(page_writer)]


def language(request: Request) -> str:
    who: Principal | None = getattr(request.state, "principal", None)
    return choose(
        [
            request.query_params.get("lang"),
            request.cookies.get(LANG_COOKIE),
            who.language if who else None,
        ],
        request.headers.get("accept-language"),
    )


def _nav(who: Principal | None) -> list[tuple[str, str]]:
    if who is None:
        return []
    links = []
    if "agent" in who.roles and who.agent_id:
        links.append(("/work", "nav.queue"))
    if who.has("supervisor"):
        links.append(("/team", "nav.team"))
    if who.has(*READERS):
        links.append(("/strategies", "nav.strategies"))
    if who.has("supervisor", "compliance_officer"):
        links.append(("/cases", "nav.lookup"))
    return links


def _flash(request: Request, t: Callable[..., str]) -> str | None:
    """The result of the write that redirected here (`?ok=promise`), from the catalogue only."""
    key = request.query_params.get("ok")
    if not key or f"ok.{key}" not in MESSAGES:
        return None
    values = {
        name: value
        for name in ("cid", "id", "date", "rule")
        if (value := request.query_params.get(name)) and FLASH_VALUE.match(value)
    }
    try:
        return t(f"ok.{key}", **values)
    except (KeyError, IndexError):
        return None


def _lang_url(path: str, request: Request, code: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "ok")]
    return path + "?" + urlencode([*query, ("lang", code)])


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    t = translator(lang)
    who: Principal | None = getattr(request.state, "principal", None)
    here = context.pop("here", request.url.path if request.method == "GET" else "/")
    values: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "label": partial(label, lang),
        "who": who,
        "nav": _nav(who),
        "path": request.url.path,
        "languages": [(c, NAMES[c], _lang_url(here, request, c)) for c in LANGUAGES],
        "flash": _flash(request, t),
        "error": None,
        "csrf": who.csrf_token if who else "",
        "new_key": lambda: secrets.token_urlsafe(16),
        "csrf_field": CSRF_FIELD,
    }
    values.update(context)
    html = env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))


def _detail(detail: Any) -> str:
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}"
            if isinstance(e, dict)
            else str(e)
            for e in detail
        )
    return "" if detail is None else str(detail)


def error_page(
    request: Request, status: int, detail: Any, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    t = translator(language(request))
    key = f"error.{status}" if f"error.{status}" in MESSAGES else "error.other"
    return render(
        request,
        "error.html",
        status_code=status,
        headers=headers,
        status=status,
        message=t(key),
        detail=_detail(detail),
    )


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


router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ---------------------------------------------------------------- small helpers


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _model(cls: type[M], **values: Any) -> M:
    """The API's own request body, from a form: a field left empty is not sent."""
    try:
        return cls.model_validate({k: v for k, v in values.items() if v not in ("", None)})
    except ValidationError as exc:
        raise HTTPException(422, _detail(exc.errors())) from None


def _json(response: Response) -> Any:
    return json.loads(bytes(response.body))


def _key(value: str) -> str | None:
    return value or None


def _case_url(customer_id: str, **query: str) -> str:
    url = f"/work/cases/{quote(customer_id, safe='')}"
    return url + ("?" + urlencode(query) if query else "")


def _safe_next(target: str) -> str:
    """Only a path on this site (no scheme, no host, no `//`)."""
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\x00\\")
    ):
        return "/"
    return target


def _today(state: ServiceState) -> dt.date:
    return state.settings.clock().date()


# ---------------------------------------------------------------- log in, log out, home


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
        next_url=_safe_next(next_url),
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
    if not _same(login_token, request.cookies.get(LOGIN_COOKIE, "")):
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
            error=t(key) if key in MESSAGES else _detail(exc.detail),
            headers=exc.headers,
        )
    response = see_other(_safe_next(next))
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
        return see_other(_case_url(customer_id.strip()))
    return render(request, "lookup.html", title_key="lookup.title")


# ---------------------------------------------------------------- the agent's queue


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
    return see_other(_case_url(got["customer_id"]))


@router.post("/work/cases/{customer_id}/claim")
def claim(customer_id: CustomerId, state: State, who: Writer) -> Response:
    role("agent")(who)
    routes_cases.claim(customer_id, state, who)
    return see_other(_case_url(customer_id))


# ---------------------------------------------------------------- the case


def _case(
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
        here=_case_url(customer_id),
        case=view,
        cid=customer_id,
        tz=view["customer"]["timezone"],
        account_id=chosen,
        tone=tone,
        tones=TONES,
        script=spoken,
        may_write=may_write,
        may_set_status=may_write or "compliance_officer" in who.roles,
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
    return _case(request, state, who, customer_id, account_id=account_id, tone=tone)


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
        return see_other(_case_url(customer_id, account_id=account_id, tone=tone))
    spoken = routes_cases.call_script(customer_id, state, who, account_id, tone)
    return render(request, "_script.html", script=spoken)


def _case_write(
    request: Request,
    state: ServiceState,
    who: Principal,
    customer_id: str,
    sent: Mapping[str, str],
    write: Callable[[], Mapping[str, str]],
) -> Response:
    """Run a write; then back to the case with its result, or the case again with the error
    (a 409 or 422: the form's values kept). Other refusals (403, 404) are error pages."""
    try:
        flash = write()
    except (HTTPException, QueueError) as exc:
        status = exc.status_code if isinstance(exc, HTTPException) else exc.status
        if status not in (409, 422):
            raise
        detail = _detail(exc.detail) if isinstance(exc, HTTPException) else str(exc)
        return _case(
            request, state, who, customer_id, account_id=sent.get("account_id"),
            status_code=status, error=detail, sent=sent,
        )  # fmt: skip
    return see_other(_case_url(customer_id, **flash))


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
        body = _model(
            AttemptIn, account_id=account_id, contact_id=contact_id, channel=channel,
            outcome=outcome,
        )  # fmt: skip
        out = _json(routes_cases.attempt(customer_id, body, state, who, _key(idempotency_key)))
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
        body = _model(PromiseIn, account_id=account_id, due_date=due_date, amount=amount)
        routes_cases.promise(customer_id, body, state, who, _key(idempotency_key))
        return {"ok": "promise"}

    return _case_write(request, state, who, customer_id, sent, write)


def _fraction(percent: str) -> Decimal | None:
    """The form asks a discount in percent; the API takes a fraction."""
    if not percent.strip():
        return None
    try:
        return Decimal(percent.strip()) / 100
    except InvalidOperation:
        raise HTTPException(422, f"discount: '{percent}' is not a number") from None


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
        body = _model(
            OfferIn, account_id=account_id, kind=kind, discount=_fraction(discount),
            amount=amount, instalments=instalments, first_due=first_due, every_days=every_days,
        )  # fmt: skip
        routes_cases.offer(customer_id, body, state, who, _key(idempotency_key))
        return {"ok": "offer"}

    return _case_write(request, state, who, customer_id, sent, write)


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
        body = _model(StatusIn, account_id=account_id, status=status, note=note)
        routes_cases.status(customer_id, body, state, who, _key(idempotency_key))
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


# ---------------------------------------------------------------- the supervisor's teams


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
            raise HTTPException(422, "customer ID: 1 to 64 characters")
        body = _model(ReassignIn, agent_id=agent_id)
        routes_cases.reassign(customer_id, body, state, who)
    except (HTTPException, QueueError) as exc:
        status = exc.status_code if isinstance(exc, HTTPException) else exc.status
        detail = _detail(exc.detail) if isinstance(exc, HTTPException) else str(exc)
        sent = {"customer_id": customer_id, "agent_id": agent_id}
        return _team(request, state, who, status_code=status, error=detail, sent=sent)
    return see_other("/team?" + urlencode({"ok": "reassigned", "cid": customer_id}))


# ---------------------------------------------------------------- strategy versions


def _strategies(
    request: Request,
    state: ServiceState,
    who: Principal,
    *,
    status_code: int = 200,
    error: str | None = None,
    diagnostics: list[dict[str, Any]] | None = None,
    sent: Mapping[str, str] | None = None,
) -> HTMLResponse:
    role(*READERS)(who)
    versions = routes_strategies.list_versions(state, who)["versions"]
    with state.engine.connect() as connection:
        history = strategies.activations(connection)
    try:
        plan = routes_ops.latest_plan(state, who)
    except HTTPException as exc:
        if exc.status_code != 404:
            raise
        plan = None
    today = _today(state)
    dates: dict[int, list[dict[str, Any]]] = {}
    for activation in history:
        dates.setdefault(activation["strategy_version_id"], []).append(
            {**activation, "scheduled": activation["effective_date"] > today}
        )
    return render(
        request, "strategies.html", status_code=status_code, here="/strategies",
        versions=versions, history=list(reversed(history)), dates=dates,
        names=sorted({a["name"] for a in history}), plan=plan, today=today,
        manages=who.has("strategy_manager"), error=error, diagnostics=diagnostics,
        sent=dict(sent or {}), title_key="strategies.title",
    )  # fmt: skip


@router.get("/strategies")
def strategy_list(request: Request, state: State, who: Page) -> Response:
    return _strategies(request, state, who)


@router.post("/strategies/upload")
def upload(
    request: Request,
    state: State,
    who: Writer,
    text: Annotated[str, Form()] = "",
    filename: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A strategy file pasted or chosen; stored as the API stores it, then shown."""
    role("strategy_manager")(who)
    if file is not None and file.filename:
        raw = file.file.read(4_000_001)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _strategies(
                request, state, who, status_code=422, error="the file is not UTF-8 text"
            )
        filename = PureWindowsPath(file.filename).name
    sent = {"text": text, "filename": filename}
    try:
        body = _model(StrategyIn, text=text, filename=filename.strip())
    except HTTPException as exc:
        return _strategies(
            request, state, who, status_code=422, error=_detail(exc.detail), sent=sent
        )
    answer = routes_strategies.upload(body, state, who)
    out = _json(answer)
    if answer.status_code == 422:
        return _strategies(
            request, state, who, status_code=422, error=out["detail"],
            diagnostics=out["diagnostics"], sent=sent,
        )  # fmt: skip
    ok = "uploaded" if answer.status_code == 201 else "known"
    return see_other(f"/strategies/{out['id']}?ok={ok}")


@router.post("/strategies/rollback")
def rollback(
    request: Request, state: State, who: Writer, name: Annotated[str, Form()] = ""
) -> Response:
    role("strategy_manager")(who)
    try:
        out = routes_strategies.rollback(_model(RollbackIn, name=name), state, who)
    except HTTPException as exc:
        return _strategies(
            request, state, who, status_code=exc.status_code, error=_detail(exc.detail)
        )
    return see_other(
        "/strategies?" + urlencode({"ok": "rolled_back", "id": out["strategy_version_id"]})
    )


@router.get("/strategies/diff")
def diff(
    request: Request,
    state: State,
    who: Page,
    from_id: Annotated[int, Query(alias="from", ge=1, le=2**31 - 1)],
    to_id: Annotated[int, Query(alias="to", ge=1, le=2**31 - 1)],
) -> Response:
    role(*READERS)(who)
    found = routes_strategies.diff(state, who, from_id, to_id)
    return render(request, "diff.html", diff=found, title_key="strategies.compare")


def _version(
    request: Request,
    state: ServiceState,
    who: Principal,
    version_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    role(*READERS)(who)
    row = routes_strategies.show(version_id, state, who)
    checked = routes_strategies.validate(version_id, state, who)
    versions = routes_strategies.list_versions(state, who)["versions"]
    same_name = [v for v in versions if v["name"] == row["name"] and v["id"] != version_id]
    # Compared with the version active today, else the one uploaded before it.
    base = next((v["id"] for v in same_name if v["active"]), None) or next(
        (v["id"] for v in same_name if v["id"] < version_id), None
    )
    changes = routes_strategies.diff(state, who, base, version_id) if base else None
    today = _today(state)
    return render(
        request, "strategy.html", status_code=status_code, here=f"/strategies/{version_id}",
        row=row, checked=checked, base=base, changes=changes,
        manages=who.has("strategy_manager"), today=today,
        tomorrow=today + dt.timedelta(days=1), error=error, title_key="strategies.title",
    )  # fmt: skip


@router.get("/strategies/{version_id}")
def version_page(
    version_id: routes_strategies.VersionId,
    request: Request,
    state: State,
    who: Page,
) -> Response:
    return _version(request, state, who, version_id)


@router.post("/strategies/{version_id}/activate")
def activate(
    version_id: routes_strategies.VersionId,
    request: Request,
    state: State,
    who: Writer,
    effective_date: Annotated[str, Form()] = "",
) -> Response:
    role("strategy_manager")(who)
    try:
        body = _model(ActivateIn, effective_date=effective_date)
        routes_strategies.activate(version_id, body, state, who)
    except HTTPException as exc:
        if exc.status_code not in (409, 422):
            raise
        return _version(
            request, state, who, version_id, status_code=exc.status_code,
            error=_detail(exc.detail),
        )  # fmt: skip
    query = {"ok": "activated", "id": str(version_id), "date": body.effective_date.isoformat()}
    return see_other("/strategies?" + urlencode(query))
