"""Writes a client may retry: the `Idempotency-Key` header makes the second call answer what
the first did, with nothing written twice (`service.idempotency`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from arrears.service.api.state import ServiceState
from arrears.service.idempotency import MAX_KEY, KeyReused, remember, replay, request_hash

REPLAYED = "Idempotent-Replayed"


def idempotent(
    state: ServiceState,
    user_id: str,
    key: str | None,
    route: str,
    body: Any,
    work: Callable[[Connection], tuple[int, Any]],
) -> JSONResponse:
    """Run `work` in one transaction; with a key, store its answer in the same transaction
    and give the stored answer to a retry."""
    if key is None:
        with state.transaction() as connection:
            status, out = work(connection)
        return JSONResponse(jsonable_encoder(out), status_code=status)
    if not key or len(key) > MAX_KEY or "\x00" in key:
        raise HTTPException(422, f"Idempotency-Key: 1 to {MAX_KEY} characters")
    digest = request_hash(route, jsonable_encoder(body))
    try:
        with state.transaction() as connection:
            stored = replay(connection, key, user_id, route, digest)
            if stored is None:
                status, out = work(connection)
                encoded = jsonable_encoder(out)
                remember(
                    connection, key, user_id, route, digest, status, encoded, state.settings.clock()
                )
                return JSONResponse(encoded, status_code=status)
    except KeyReused as exc:
        raise HTTPException(422, str(exc)) from None
    except IntegrityError:
        # The same key committed by a concurrent call between our read and our write.
        with state.transaction() as connection:
            try:
                stored = replay(connection, key, user_id, route, digest)
            except KeyReused as exc:
                raise HTTPException(422, str(exc)) from None
        if stored is None:
            raise
    return JSONResponse(stored.body, status_code=stored.status_code, headers={REPLAYED: "true"})
