"""Throwaway databases for the system-of-record tests: a SQLite file, or a fresh database on
the PostgreSQL server at 127.0.0.1:5432 (user postgres). Under CI an unreachable server fails
the test; elsewhere it skips it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from arrears.store.db import upgrade

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def postgres_or_skip() -> None:
    import psycopg

    try:
        psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ).close()
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL is unreachable on 127.0.0.1:5432 ({str(exc).strip()[:120]})"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def fresh_database(kind: str, folder: Path, *, migrate: bool = True) -> Iterator[str]:
    """The URL of a new, empty database of `kind` (sqlite or postgresql), migrated to head
    unless `migrate` is false; a PostgreSQL database is dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'arrears.db'}"
        if migrate:
            upgrade(url)
        yield url
        return
    postgres_or_skip()
    name = f"arrears_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        if migrate:
            upgrade(f"{PG_SERVER}/{name}")
        yield f"{PG_SERVER}/{name}"
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
