"""The web pages of the service (server-rendered: Jinja2 + htmx, in zh-CN and en).

`static/htmx.min.js` is htmx 2.0.11 from the npm registry (package `htmx.org`), under the
Zero-Clause BSD licence kept next to it as `htmx.LICENSE`; nothing is loaded from a CDN.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from arrears.service.web.pages import STATIC, router


def install(app: FastAPI) -> None:
    """Add the pages and their static files to the service's application."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
