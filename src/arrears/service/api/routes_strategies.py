"""Strategy versions: upload, validate, compare, activate from a date, roll back."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import select

from arrears.service import strategies
from arrears.service.api.deps import State, role
from arrears.service.api.schemas import ActivateIn, RollbackIn, StrategyIn
from arrears.service.roles import Principal
from arrears.store.models import StrategyVersion
from arrears.strategy.diagnostics import StrategyError

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"])
Manager = Annotated[Principal, Depends(role("strategy_manager"))]
Reader = Annotated[Principal, Depends(role("strategy_manager", "compliance_officer", "supervisor"))]
VersionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Name = Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]


def _version_error(exc: strategies.VersionError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


def _summary(row: Any, active: dict[str, int | None]) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "version": row.version, "content_hash": row.content_hash,
        "created_at": row.created_at, "uploaded_by": row.uploaded_by, "errors": row.errors,
        "active": active.get(row.name) == row.id,
    }  # fmt: skip


@router.get("")
def list_versions(state: State, who: Reader) -> dict[str, Any]:
    """Every stored version, newest first, with the one active today marked."""
    today = state.settings.clock().date()
    with state.engine.connect() as connection:
        rows = connection.execute(select(StrategyVersion).order_by(StrategyVersion.id.desc())).all()
        active = {
            n: strategies.active_version(connection, n, today) for n in {r.name for r in rows}
        }
    return {"versions": [_summary(r, active) for r in rows]}


@router.post("", status_code=201)
def upload(body: StrategyIn, state: State, who: Manager) -> Any:
    """Store a strategy file as a version, with what `arrears validate` finds in it. A file
    that does not parse is refused (422) with every problem, file, line and column."""
    try:
        with state.transaction() as connection:
            got = strategies.upload(
                connection,
                body.text,
                filename=body.filename,
                actor=who.user_id,
                now=state.settings.clock(),
            )
    except StrategyError as exc:
        return JSONResponse(
            {
                "detail": "the strategy does not parse",
                "diagnostics": [strategies.diagnostic_dict(d) for d in exc.diagnostics],
            },
            status_code=422,
        )
    out = {
        "id": got.id, "name": got.name, "version": got.version, "content_hash": got.content_hash,
        "created": got.created,
        "diagnostics": [strategies.diagnostic_dict(d) for d in got.diagnostics],
    }  # fmt: skip
    return JSONResponse(jsonable_encoder(out), status_code=201 if got.created else 200)


@router.get("/active")
def active(
    state: State, who: Reader, name: Name, on: Annotated[dt.date | None, Query()] = None
) -> dict[str, Any]:
    """The version of `name` active on `on` (default today)."""
    day = on or state.settings.clock().date()
    with state.engine.connect() as connection:
        version = strategies.active_version(connection, name, day)
        history = strategies.activations(connection, name)
    if version is None:
        raise HTTPException(404, f"no version of '{name}' is active on {day}")
    return {"name": name, "on": day, "strategy_version_id": version, "activations": history}


@router.get("/diff")
def diff(
    state: State,
    who: Reader,
    from_id: Annotated[int, Query(alias="from", ge=1, le=2**31 - 1)],
    to_id: Annotated[int, Query(alias="to", ge=1, le=2**31 - 1)],
) -> dict[str, Any]:
    """What changed from one version to another: settings added, removed, changed (by path)
    and the text's unified diff."""
    with state.engine.connect() as connection:
        try:
            a = strategies.version_row(connection, from_id)
            b = strategies.version_row(connection, to_id)
        except strategies.VersionError as exc:
            raise _version_error(exc) from None
    try:
        out = strategies.diff(
            a.body or "",
            b.body or "",
            old_label=f"{a.name}@{a.version}",
            new_label=f"{b.name}@{b.version}",
        )
    except ValueError as exc:  # YAML that no longer loads
        raise HTTPException(422, str(exc)) from None
    return {"from": from_id, "to": to_id, **out}


@router.get("/{version_id}")
def show(version_id: VersionId, state: State, who: Reader) -> dict[str, Any]:
    with state.engine.connect() as connection:
        try:
            row = strategies.version_row(connection, version_id)
        except strategies.VersionError as exc:
            raise _version_error(exc) from None
        current = strategies.active_version(connection, row.name, state.settings.clock().date())
    return {**_summary(row, {row.name: current}), "body": row.body}


@router.get("/{version_id}/validate")
def validate(version_id: VersionId, state: State, who: Reader) -> dict[str, Any]:
    """The version checked again, as `arrears validate --strategy` checks a file."""
    with state.engine.connect() as connection:
        try:
            found = strategies.check_version(connection, version_id)
        except strategies.VersionError as exc:
            raise _version_error(exc) from None
    errors = sum(1 for d in found if d.severity == "error")
    return {
        "id": version_id,
        "errors": errors,
        "diagnostics": [strategies.diagnostic_dict(d) for d in found],
    }


@router.post("/{version_id}/activate")
def activate(version_id: VersionId, body: ActivateIn, state: State, who: Manager) -> dict[str, Any]:
    """Make the version active from `effective_date` (today or later); refused while the
    version has errors."""
    try:
        with state.transaction() as connection:
            activation = strategies.activate(
                connection,
                version_id,
                effective=body.effective_date,
                actor=who.user_id,
                now=state.settings.clock(),
            )
    except strategies.VersionError as exc:
        raise _version_error(exc) from None
    return {
        "activation_id": activation,
        "strategy_version_id": version_id,
        "effective_date": body.effective_date,
    }


@router.post("/rollback")
def rollback(body: RollbackIn, state: State, who: Manager) -> dict[str, Any]:
    """Make the version active before today's active again, from today."""
    try:
        with state.transaction() as connection:
            activation = strategies.rollback(
                connection, body.name, actor=who.user_id, now=state.settings.clock()
            )
            version = strategies.active_version(
                connection, body.name, state.settings.clock().date()
            )
    except strategies.VersionError as exc:
        raise _version_error(exc) from None
    return {"activation_id": activation, "name": body.name, "strategy_version_id": version}
