"""Alembic environment: run with the connection `db.upgrade` passes, or from the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from arrears.store import work  # noqa: F401  (the service tables join the metadata)
from arrears.store.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    from arrears.store.db import engine

    eng = engine(config.get_main_option("sqlalchemy.url"))
    try:
        with eng.begin() as conn:
            run(conn)
    finally:
        eng.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
