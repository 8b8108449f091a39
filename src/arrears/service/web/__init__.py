"""The web pages of the service (server-rendered: Jinja2 + htmx, in zh-CN and en).

A page is a thin shell over the API: it calls the API's own route function (which calls the
service: `queue.get_next`, `case_view`, `record_promise`, `strategies.activate`,
`kpis.team_kpis` …) and renders its answer, so the role checks, the rule that a case one may not
read is a 404, the pre-dial verdict kept with an attempt and the idempotent replay of a retried
write are the API's, written once. What a page adds is only HTML: forms, redirects after a
write (post/redirect/get), and errors shown on the page they came from.

Every form works without JavaScript. With it, htmx boosts links and forms (`hx-boost` on
<body>: only the body is swapped) and loads the call script for the chosen tone in place.

The modules, one job each: `rendering` (templates, language, navigation, flash, error page),
`common` (the session's user, CSRF, the page route class, form and redirect helpers), `login`
(log in and out, start pages, case lookup), `work` (the queue and the case page), `case_forms`
(the writes on a case, approving an offer among them), `team` (the supervisor's page),
`strategies` (the strategy versions), `i18n` (which language), `words` (the catalogue) and
`service_messages` (the service's messages in the pages' languages).

`static/htmx.min.js` is htmx 2.0.11 from the npm registry (package `htmx.org`), under the
Zero-Clause BSD licence kept next to it as `htmx.LICENSE`; nothing is loaded from a CDN.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from arrears.service.web import case_forms, login, strategies, team, work
from arrears.service.web.rendering import STATIC

ROUTERS = (login.router, work.router, case_forms.router, team.router, strategies.router)


def install(app: FastAPI) -> None:
    """Add the pages and their static files to the service's application."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
