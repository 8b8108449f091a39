"""What the service is configured with. Clock and secrets are passed in, so tests set them."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from arrears.store.db import database_url


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=database_url)
    session_hours: float = 12.0
    claim_minutes: float = 30.0
    """A claimed case goes back to the queue when its agent has not finished it by then."""
    login_attempts: int = 5
    login_window_s: float = 300.0
    """At most `login_attempts` failed logins per user name and client in this window."""
    webhook_secret: str = field(
        default_factory=lambda: os.environ.get("ARREARS_WEBHOOK_SECRET") or secrets.token_hex(16)
    )
    secure_cookies: bool = False
    """Set on behind HTTPS (`ARREARS_SECURE_COOKIES=1`)."""
    pool_size: int = 20
    clock: Callable[[], dt.datetime] = utc_now
