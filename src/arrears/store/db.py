"""Where the system of record lives, and bringing its schema up to date.

SQLite file by default (`sqlite:///arrears.db` in the current folder), PostgreSQL in production
(`ARREARS_DATABASE_URL=postgresql://…`). Alembic is configured here in code, so the package
ships its migrations and needs no `alembic.ini`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

ENV_VAR = "ARREARS_DATABASE_URL"
DEFAULT_URL = "sqlite:///arrears.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(explicit: str | None = None) -> str:
    """The database to use: `explicit`, else `$ARREARS_DATABASE_URL`, else `arrears.db` here.

    A bare `postgresql://` URL is given the psycopg 3 driver (SQLAlchemy's default for that
    scheme is psycopg2, which the project does not install).
    """
    url = explicit or os.environ.get(ENV_VAR) or DEFAULT_URL
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys unchecked unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for the database (`database_url` resolves `url`)."""
    eng = create_engine(database_url(url), **kwargs)
    if eng.dialect.name == "sqlite":
        event.listen(eng, "connect", _sqlite_pragmas)
    return eng


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is ConfigParser-based: a literal % must be doubled.
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Run the migrations up to `revision` (head by default); a no-op when up to date."""
    eng = engine(url)
    try:
        with eng.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        eng.dispose()
