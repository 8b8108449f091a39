"""How a page is drawn: the templates (Jinja2), their filters, the language a request gets, the
navigation of each role, the result of the last write (the flash), messages of the service in
the page's language, and the error page."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from arrears.service.roles import Principal
from arrears.service.web.i18n import (
    DEFAULT,
    LANGUAGES,
    MESSAGES,
    NAMES,
    choose,
    label,
    translator,
)
from arrears.service.web.service_messages import wording

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CSRF_FIELD = "csrf_token"
LANG_COOKIE = "arrears_lang"
READERS = ("strategy_manager", "compliance_officer", "supervisor")
"""The roles that read the strategy versions."""
FLASH_VALUE = re.compile(r"^[\w.:@-]{1,64}$")

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


# ---------------------------------------------------------------- language, navigation


def language(request: Request) -> str:
    """The query's `lang`, else the switcher's cookie, else the user's, else the browser's."""
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


# ---------------------------------------------------------------- what went wrong


def detail(value: Any) -> str:
    """An error's detail as one line (a validation error's list joined)."""
    if isinstance(value, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}"
            if isinstance(e, dict)
            else str(e)
            for e in value
        )
    return "" if value is None else str(value)


def say(request: Request, status: int, value: Any) -> str:
    """A message of the service in the page's language: its English in English; a known one
    (`service_messages`) in the catalogue's words, else its English."""
    text = detail(value)
    lang = language(request)
    found = wording(status, text) if lang != DEFAULT else None
    if found is None:
        return text
    key, values = found
    column = LANGUAGES.index(lang)
    shown = {name: label(lang, prefix, v) if prefix else v for name, (prefix, v) in values.items()}
    return MESSAGES[key][column].format(**shown)


def error_page(
    request: Request, status: int, value: Any, headers: Mapping[str, str] | None = None
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
        detail=say(request, status, value),
    )
