"""Idempotency keys: a client that retries a write (a timeout, a dropped connection) sends the
same `Idempotency-Key` and gets the first answer again, with nothing written twice. The key
is stored in the same transaction as the write, so a write and its key commit together; a
key reused with a different request is refused (422)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from arrears.store.work import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY = 200


class KeyReused(Exception):
    pass


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: Any


def request_hash(route: str, body: Any) -> str:
    text = json.dumps([route, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def replay(
    connection: Connection, key: str, user_id: str, route: str, digest: str
) -> Stored | None:
    row = connection.execute(
        select(
            IdempotencyKey.route,
            IdempotencyKey.request_hash,
            IdempotencyKey.status_code,
            IdempotencyKey.response,
        ).where(IdempotencyKey.key == key, IdempotencyKey.user_id == user_id)
    ).first()
    if row is None:
        return None
    if row.route != route or row.request_hash != digest:
        raise KeyReused(f"Idempotency-Key '{key}' was used for another request")
    return Stored(row.status_code, row.response["body"])


def remember(
    connection: Connection,
    key: str,
    user_id: str,
    route: str,
    digest: str,
    status_code: int,
    body: Any,
    now: dt.datetime,
) -> None:
    connection.execute(
        insert(IdempotencyKey),
        {
            "key": key, "user_id": user_id, "route": route, "request_hash": digest,
            "status_code": status_code,
            "response": {"body": json.loads(json.dumps(body, default=str))},
            "created_at": now,
        },
    )  # fmt: skip
