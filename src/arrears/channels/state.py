"""The send state: one row per action (its idempotency key), kept in a SQLite file.

States: `pending` → `sending` → `sent` | `failed`, or `cancelled` (never attempted: the guard,
a payment or the words refused it at send time). A key is set to `sending` and committed
*before* its provider is called, so after a crash every key the provider may hold is
`sending`, and only those are in doubt: `recover` asks the provider about each.

The file is in WAL mode with `synchronous=FULL` (a commit survives a power cut, not only a
killed process). One `send` works on a file at a time (`lock`). Every change of state is also
written to `events`, the file's audit trail: why an action was held, cancelled or failed.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

STATES: tuple[str, ...] = ("pending", "sending", "sent", "failed", "cancelled")
DONE: tuple[str, ...] = ("sent", "failed", "cancelled")
LEDGER_TODO, LEDGER_WRITING, LEDGER_WRITTEN = 0, 1, 2
"""`ledger` of a sent or failed key: its attempt row is to be written, being written (a
flush that may not have finished), written."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sends (
    key TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    tries INTEGER NOT NULL DEFAULT 0,
    provider TEXT,
    provider_ref TEXT,
    rule TEXT,
    reason TEXT,
    held_until TEXT,
    sending_at TEXT,
    at TEXT,
    ledger INTEGER,
    delivery TEXT,
    delivery_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sends_state ON sends (state);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL,
    rule TEXT,
    detail TEXT
);
"""


class StateLocked(RuntimeError):
    """Another `arrears send` holds this state file."""


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Row:
    """A key's row (the columns the dispatcher reads)."""

    key: str
    account_id: str
    contact_id: str
    channel: str
    state: str
    tries: int
    provider_ref: str | None
    rule: str | None
    reason: str | None
    held_until: datetime | None
    sending_at: datetime | None
    at: datetime | None
    ledger: int | None


@dataclass(frozen=True)
class Done:
    """The end of one key's send: `sent` or `failed`, when, and what the provider said."""

    key: str
    state: str
    at: datetime
    tries: int
    provider: str
    ref: str = ""
    reason: str = ""


class SendState:
    """The state file. Not shared between threads: the dispatcher writes from one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self._lock: IO[bytes] | None = None

    # -- the file ----------------------------------------------------------------------------

    def lock(self) -> None:
        """Hold the file for this process (released when it exits, even by SIGKILL)."""
        handle = open(f"{self.path}.lock", "ab")  # noqa: SIM115 (held until close)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StateLocked(f"{self.path}: another `arrears send` is working on it") from None
        self._lock = handle

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO meta (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    # -- reading -----------------------------------------------------------------------------

    def rows(self, states: Sequence[str] | None = None) -> list[Row]:
        query = (
            "SELECT key, account_id, contact_id, channel, state, tries, provider_ref, rule, "
            "reason, held_until, sending_at, at, ledger FROM sends"
        )
        args: tuple[Any, ...] = ()
        if states is not None:
            query += f" WHERE state IN ({', '.join('?' * len(states))})"
            args = tuple(states)
        return [_row(r) for r in self.db.execute(query + " ORDER BY key", args)]

    def states(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, state FROM sends").fetchall())

    def held(self) -> dict[str, datetime]:
        found = self.db.execute(
            "SELECT key, held_until FROM sends WHERE state = 'pending' AND held_until IS NOT NULL"
        ).fetchall()
        return {key: parse_iso(until) for key, until in found}

    def unwritten(self) -> list[Row]:
        """Sent or failed keys whose attempt row is not known to be in the ledger."""
        found = self.db.execute(
            "SELECT key, account_id, contact_id, channel, state, tries, provider_ref, rule, "
            "reason, held_until, sending_at, at, ledger FROM sends "
            "WHERE state IN ('sent', 'failed') AND ledger < ? ORDER BY at, key",
            (LEDGER_WRITTEN,),
        )
        return [_row(r) for r in found]

    def counts(self) -> dict[str, int]:
        found = self.db.execute("SELECT state, count(*) FROM sends GROUP BY state").fetchall()
        return {state: int(n) for state, n in found}

    # -- changing ----------------------------------------------------------------------------

    def add(self, actions: Iterable[tuple[str, str, str, str]], now: datetime) -> int:
        """Record the run's actions (key, account_id, contact_id, channel) as `pending`;
        a key already known keeps its state. Returns how many were new."""
        stamp = iso(now)
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO sends (key, account_id, contact_id, channel, state, "
                "updated_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                [(*action, stamp) for action in actions],
            )
            return db.total_changes - before

    def _set(
        self,
        db: sqlite3.Connection,
        keys: Sequence[str],
        state: str,
        now: datetime,
        *,
        rule: str | None = None,
        detail: str | None = None,
        extra: str = "",
        args: tuple[Any, ...] = (),
    ) -> None:
        stamp = iso(now)
        sql = f"UPDATE sends SET state = ?, updated_at = ?{extra} WHERE key = ?"
        db.executemany(sql, [(state, stamp, *args, key) for key in keys])
        db.executemany(
            "INSERT INTO events (key, at, state, rule, detail) VALUES (?, ?, ?, ?, ?)",
            [(key, stamp, state, rule, detail) for key in keys],
        )

    def mark_sending(self, keys: Sequence[str], provider: str, now: datetime) -> None:
        """Committed before the provider is called: after a crash these keys are in doubt."""
        with self.transaction() as db:
            self._set(
                db, keys, "sending", now,
                extra=", provider = ?, sending_at = ?, tries = tries + 1",
                args=(provider, iso(now)),
            )  # fmt: skip

    def finish(self, done: Sequence[Done], now: datetime) -> None:
        """Keys that ended `sent` or `failed`; their attempt rows are now to be written."""
        with self.transaction() as db:
            for d in done:
                self._set(
                    db, [d.key], d.state, now, detail=d.reason or d.ref or None,
                    extra=", at = ?, provider = ?, provider_ref = ?, reason = ?, tries = ?, "
                    "ledger = ?, rule = NULL, held_until = NULL",
                    args=(iso(d.at), d.provider, d.ref or None, d.reason or None, d.tries,
                          LEDGER_TODO),
                )  # fmt: skip

    def cancel(self, refusals: Sequence[tuple[str, str, str]], now: datetime) -> None:
        """Keys refused for good at send time: (key, rule, detail). No attempt was made."""
        with self.transaction() as db:
            for key, rule, detail in refusals:
                self._set(
                    db, [key], "cancelled", now, rule=rule, detail=detail,
                    extra=", rule = ?, reason = ?, held_until = NULL", args=(rule, detail),
                )  # fmt: skip

    def hold(self, holds: Sequence[tuple[str, str, str, datetime]], now: datetime) -> None:
        """Keys refused for now: (key, rule, detail, until); they stay `pending`."""
        with self.transaction() as db:
            for key, rule, detail, until in holds:
                note = f"held until {iso(until)}: {detail}"
                self._set(
                    db, [key], "pending", now, rule=rule, detail=note,
                    extra=", rule = ?, reason = ?, held_until = ?", args=(rule, detail, iso(until)),
                )  # fmt: skip

    def release(self, keys: Sequence[str], reason: str, now: datetime) -> None:
        """`sending` keys the provider does not hold: `pending` again, to be sent."""
        with self.transaction() as db:
            self._set(db, keys, "pending", now, detail=reason, extra=", reason = ?", args=(reason,))

    def note(self, key: str, reason: str, now: datetime) -> None:
        """Keep a `sending` key as it is, saying why it is still in doubt."""
        with self.transaction() as db:
            self._set(
                db, [key], "sending", now, detail=reason, extra=", reason = ?", args=(reason,)
            )

    def adopt(self, keys: Sequence[str], now: datetime) -> None:
        """Pending keys the data folder's ledger already has an attempt for (sent from
        another state file, e.g. a run folder planned again): `sent`, nothing to write."""
        with self.transaction() as db:
            self._set(
                db, keys, "sent", now, detail="already in the ledger",
                extra=", ledger = ?, reason = ?", args=(LEDGER_WRITTEN, "already in the ledger"),
            )  # fmt: skip

    def set_ledger(self, keys: Sequence[str], flag: int) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE sends SET ledger = ? WHERE key = ?", [(flag, k) for k in keys])

    def set_delivery(self, receipts: Sequence[tuple[str, str, datetime]]) -> int:
        """Delivery receipts (key, outcome, at); returns how many keys were known."""
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "UPDATE sends SET delivery = ?, delivery_at = ? WHERE key = ?",
                [(outcome, iso(at), key) for key, outcome, at in receipts],
            )
            return db.total_changes - before


def _row(r: tuple[Any, ...]) -> Row:
    def when(text: str | None) -> datetime | None:
        return parse_iso(text) if text else None

    return Row(
        key=r[0], account_id=r[1], contact_id=r[2], channel=r[3], state=r[4], tries=int(r[5]),
        provider_ref=r[6], rule=r[7], reason=r[8], held_until=when(r[9]), sending_at=when(r[10]),
        at=when(r[11]), ledger=r[12],
    )  # fmt: skip


def default_path(run: Path) -> Path:
    """Beside the run folder, not in it: `arrears plan` replaces the folder whole when it is
    run again, and the record of what was sent must outlive that."""
    resolved = run.resolve()
    return resolved.parent / f"{resolved.name}.send.sqlite"
