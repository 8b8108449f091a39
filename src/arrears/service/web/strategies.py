"""The strategy managers' pages: the versions and their activations, the latest plan, one
version with its validation and its changes, the diff of two, and the writes (upload, activate
from a date, roll back) that only a strategy manager makes; supervisors and compliance officers
read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import PureWindowsPath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from arrears.service import strategies
from arrears.service.api import routes_ops, routes_strategies
from arrears.service.api.deps import State, role
from arrears.service.api.schemas import ActivateIn, RollbackIn, StrategyIn
from arrears.service.api.state import ServiceState
from arrears.service.roles import Principal
from arrears.service.web.common import (
    Page,
    Writer,
    body_of,
    form_model,
    page_router,
    see_other,
    today,
)
from arrears.service.web.i18n import translator
from arrears.service.web.rendering import READERS, language, render, say

router = page_router()


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
    day = today(state)
    dates: dict[int, list[dict[str, Any]]] = {}
    for activation in history:
        dates.setdefault(activation["strategy_version_id"], []).append(
            {**activation, "scheduled": activation["effective_date"] > day}
        )
    return render(
        request, "strategies.html", status_code=status_code, here="/strategies",
        versions=versions, history=list(reversed(history)), dates=dates,
        names=sorted({a["name"] for a in history}), plan=plan, today=day,
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
            t = translator(language(request))
            return _strategies(request, state, who, status_code=422, error=t("strategies.not_utf8"))
        filename = PureWindowsPath(file.filename).name
    sent = {"text": text, "filename": filename}
    try:
        body = form_model(StrategyIn, text=text, filename=filename.strip())
    except HTTPException as exc:
        return _strategies(
            request, state, who, status_code=422, error=say(request, 422, exc.detail), sent=sent
        )
    answer = routes_strategies.upload(body, state, who)
    out = body_of(answer)
    if answer.status_code == 422:
        return _strategies(
            request, state, who, status_code=422, error=say(request, 422, out["detail"]),
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
        out = routes_strategies.rollback(form_model(RollbackIn, name=name), state, who)
    except HTTPException as exc:
        return _strategies(
            request, state, who, status_code=exc.status_code,
            error=say(request, exc.status_code, exc.detail),
        )  # fmt: skip
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
    day = today(state)
    return render(
        request, "strategy.html", status_code=status_code, here=f"/strategies/{version_id}",
        row=row, checked=checked, base=base, changes=changes,
        manages=who.has("strategy_manager"), today=day,
        tomorrow=day + dt.timedelta(days=1), error=error, title_key="strategies.title",
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
        body = form_model(ActivateIn, effective_date=effective_date)
        routes_strategies.activate(version_id, body, state, who)
    except HTTPException as exc:
        if exc.status_code not in (409, 422):
            raise
        return _version(
            request, state, who, version_id, status_code=exc.status_code,
            error=say(request, exc.status_code, exc.detail),
        )  # fmt: skip
    query = {"ok": "activated", "id": str(version_id), "date": body.effective_date.isoformat()}
    return see_other("/strategies?" + urlencode(query))
