"""Inbound events: delivery receipts and replies, applied to the data folder at once.

* A **receipt** (`{"type": "receipt", "key": …, "status": "delivered" | "failed" | …, "at": …}`)
  sets the outcome of the key's attempt in the ledger (`sent` → `delivered` or `failed`; a
  call's `answered_live`, `machine`, `busy`, `no_answer` → `delivered`, `machine`,
  `no_connect`, `no_answer`) and, with a state file, the key's `delivery`.
* A **reply** (`{"type": "reply", "text": …, "from": …, "channel": "sms", "key": …}`) whose
  text is an opt-out word (`words.is_opt_out`: STOP, 退订, TD, T, unsubscribe) adds its channel
  to the `opt_out` of the contact point it came from: the point of the key's attempt when the
  key is given, and every point whose value is the sender's (`from`). The next plan and the
  next send (which re-reads the folder when it changes) refuse the point with OPT-OUT.

Events come as JSON lines (`arrears inbound --events FILE`) or one reply on the command line.
Every applied event is also appended to `inbound_log.csv` in the data folder (not a contract
table: the record of why a point was opted out, for when the next extract overwrites it).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from arrears.channels.contacts import add_opt_outs, points_of
from arrears.channels.files import data_lock, read_table, table_file
from arrears.channels.ledger import set_outcomes
from arrears.channels.model import SEND_CHANNELS
from arrears.channels.state import SendState
from arrears.channels.words import is_opt_out
from arrears.dialing.telephony import LEDGER_OUTCOME

RECEIPT_STATUSES: dict[str, str] = {
    "delivered": "delivered",
    "failed": "failed",
    "undelivered": "failed",
    "rejected": "failed",
    "expired": "failed",
    # An IVR or robot call's outcome, as the switch reports it (`dialing.telephony`): the words
    # were played to a live answer, or the call met a machine, a busy line, no answer.
    "answered_live": "delivered",
    **LEDGER_OUTCOME,
}
"""A receipt's status (as gateways and switches word it) → the ledger's outcome."""
LOG_NAME = "inbound_log.csv"
LOG_COLUMNS = ("received_at", "type", "key", "from", "channel", "text", "status", "applied")


class EventError(ValueError):
    """An event that cannot be read; the message names the line and the field."""


@dataclass(frozen=True)
class Event:
    type: str  # receipt | reply
    key: str | None = None
    status: str | None = None
    text: str | None = None
    sender: str | None = None
    channel: str = "sms"
    at: datetime | None = None


@dataclass
class Applied:
    receipts: int = 0
    receipts_unknown: list[str] = field(default_factory=list)
    opt_outs: list[str] = field(default_factory=list)
    """Contact ids newly opted out."""
    replies_unmatched: list[str] = field(default_factory=list)
    """Opt-out replies whose sender no contact point has."""
    replies_kept: int = 0
    """Replies that are not opt-outs (left for a person)."""


def parse_event(raw: Mapping[str, Any], where: str = "event") -> Event:
    kind = raw.get("type")
    if kind not in ("receipt", "reply"):
        raise EventError(f"{where}: type must be receipt or reply, not {kind!r}")
    at = raw.get("at")
    when = None
    if at:
        try:
            when = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
        except ValueError:
            raise EventError(f"{where}: at {at!r} is not an ISO 8601 timestamp") from None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    channel = str(raw.get("channel") or "sms")
    if channel not in SEND_CHANNELS:
        raise EventError(f"{where}: channel must be one of {', '.join(SEND_CHANNELS)}")
    if kind == "receipt":
        status = str(raw.get("status") or "").lower()
        if not raw.get("key") or status not in RECEIPT_STATUSES:
            raise EventError(
                f"{where}: a receipt needs key and status ({', '.join(RECEIPT_STATUSES)})"
            )
        return Event("receipt", key=str(raw["key"]), status=status, channel=channel, at=when)
    sender = raw.get("from")
    if not raw.get("key") and not sender:
        raise EventError(f"{where}: a reply needs from (the sender) or key")
    return Event(
        "reply",
        key=str(raw["key"]) if raw.get("key") else None,
        text=str(raw.get("text") or ""),
        sender=str(sender) if sender else None,
        channel=channel,
        at=when,
    )


def read_events(path: Path) -> list[Event]:
    """Events from a JSON-lines file (blank lines skipped)."""
    events = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise EventError(f"{path}:{n}: not JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise EventError(f"{path}:{n}: an object is expected")
        events.append(parse_event(raw, f"{path}:{n}"))
    return events


def apply_events(
    data: Path, events: Sequence[Event], now: datetime, state: SendState | None = None
) -> Applied:
    """Apply receipts and replies to the data folder (and the state file when given)."""
    applied = Applied()
    receipts = [e for e in events if e.type == "receipt"]
    if receipts:
        outcomes = {e.key: RECEIPT_STATUSES[e.status or ""] for e in receipts if e.key}
        applied.receipts = set_outcomes(data, outcomes)
        if state is not None:
            state.set_delivery([(k, o, now) for k, o in outcomes.items()])
        have = _attempt_contacts(data, list(outcomes))
        applied.receipts_unknown = sorted(k for k in outcomes if k not in have)
    replies = [e for e in events if e.type == "reply"]
    changes: list[tuple[str, str]] = []
    if replies:
        contacts = read_table(table_file(data, "contacts"))
        by_key = _attempt_contacts(data, [e.key for e in replies if e.key])
        for e in replies:
            if not is_opt_out(e.text):
                applied.replies_kept += 1
                continue
            points = set(points_of(contacts, [e.sender] if e.sender else []))
            if e.key and e.key in by_key:
                points.add(by_key[e.key])
            if not points:
                applied.replies_unmatched.append(e.sender or e.key or "?")
            changes.extend((p, e.channel) for p in sorted(points))
        applied.opt_outs = add_opt_outs(data, changes)
    _log(data, events, now)
    return applied


def _attempt_contacts(data: Path, keys: Iterable[str]) -> dict[str, str]:
    """attempt_id → contact_id for the keys the ledger has."""
    wanted = list(keys)
    path = table_file(data, "attempts")
    if not wanted or not path.exists():
        return {}
    table = read_table(path).select("attempt_id", "contact_id")
    found = table.filter(pl.col("attempt_id").cast(pl.String).is_in(wanted))
    return {str(a): str(c) for a, c in found.iter_rows()}


def _log(data: Path, events: Sequence[Event], now: datetime) -> None:
    if not events:
        return
    path = data / LOG_NAME
    with data_lock(data):
        new = not path.exists()
        with open(path, "a", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(LOG_COLUMNS)
            for e in events:
                opt_out = e.type == "reply" and is_opt_out(e.text)
                writer.writerow(
                    [
                        now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                        e.type,
                        e.key or "",
                        e.sender or "",
                        e.channel,
                        e.text or "",
                        e.status or "",
                        "opt_out" if opt_out else ("outcome" if e.type == "receipt" else ""),
                    ]
                )
