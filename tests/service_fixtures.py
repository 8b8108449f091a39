"""Fixtures of the service tests: a book per back end (SQLite and PostgreSQL), a client, and
logins. Imported by the service test modules (`from service_fixtures import *`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from databases import BACKENDS, fresh_database
from service_book import Book, Clock, build_book, password_of


@pytest.fixture(scope="module", params=BACKENDS)
def book(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Book]:
    folder = tmp_path_factory.mktemp(f"book-{request.param}")
    with fresh_database(request.param, folder) as url:
        yield build_book(url, folder / "demo")


@pytest.fixture()
def client(book: Book) -> Iterator[TestClient]:
    book.clock.now = Clock().now
    with TestClient(book.app()) as c:
        yield c


def login(client: TestClient, user_id: str) -> dict[str, str]:
    """Bearer headers of a fresh session of `user_id`."""
    answer = client.post(
        "/api/v1/auth/login", json={"user_id": user_id, "password": password_of(user_id)}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


__all__ = ["Book", "Path", "book", "client", "login"]
