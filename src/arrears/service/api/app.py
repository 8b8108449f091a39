"""The service's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from arrears.service.api import routes_auth, routes_cases, routes_ops, routes_strategies
from arrears.service.api.state import ServiceState
from arrears.service.auth import LoginLimiter
from arrears.service.nodelay import nodelay_listeners
from arrears.service.queue import QueueError
from arrears.service.settings import Settings
from arrears.service.web import install as install_pages
from arrears.store.db import engine as make_engine

API_VERSION = "1"


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """At startup, before a uvicorn worker listens: Nagle off on its listener
    (`service.nodelay`: else ~40 ms a keep-alive response behind `--workers N`)."""
    nodelay_listeners()
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application over the database of `settings` (migrated beforehand: `arrears serve`
    runs the migrations)."""
    settings = settings or Settings()
    kwargs: dict[str, object] = {"pool_pre_ping": True}
    if settings.database_url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs |= {"pool_size": settings.pool_size, "max_overflow": settings.pool_size}
    engine = make_engine(settings.database_url, **kwargs)
    app = FastAPI(
        title="arrears",
        version=API_VERSION,
        description="Post-loan collection: the agents' queue, cases and outcomes, the pre-dial "
        "compliance check, payments, strategy versions. Log in at /api/v1/auth/login and send "
        "the token as `Authorization: Bearer …`.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = ServiceState(
        settings=settings,
        engine=engine,
        limiter=LoginLimiter(settings.login_attempts, settings.login_window_s, settings.clock),
    )

    @app.exception_handler(QueueError)
    def queue_error(_request: Request, exc: QueueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    for module in (routes_auth, routes_cases, routes_ops, routes_strategies):
        app.include_router(module.router)

    @app.get("/api/health", tags=["operations"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    install_pages(app)  # the web pages and their static files
    return app
