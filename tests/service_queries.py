"""Reading the system of record in the service tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from arrears.store.db import engine
from arrears.store.models import AuditEntry
from service_book import Book


def rows(book: Book, query: Any) -> list[Any]:
    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            return list(connection.execute(query).all())
    finally:
        eng.dispose()


def audit(book: Book, action: str, entity_id: str | None = None) -> list[Any]:
    query = sa.select(AuditEntry).where(AuditEntry.action == action)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    return rows(book, query)


def next_case(client: TestClient, headers: dict[str, str]) -> str:
    got = client.post("/api/v1/queue/next", headers=headers)
    assert got.status_code == 200, got.text
    assert got.json()["claim"] is not None
    return str(got.json()["claim"]["customer_id"])
