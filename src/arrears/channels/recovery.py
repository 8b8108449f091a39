"""After an interruption: settle the keys left `sending`, and write the ledger rows owed.

`recover` asks each `sending` key's provider whether it holds it (`Provider.status`):
accepted → `sent` (at the moment it was marked `sending`), not there → `pending` (sent again),
cannot be told now → left `sending`, in doubt, for the next run; a provider with no status at
all (UNKNOWN) → `pending`, sent again under the same key.

`flush` writes the attempt rows of `sent` / `failed` keys to the data folder's ledger,
marked `writing` before and `written` after; a batch found `writing` is written again less the
ids the ledger already has. `adopt` marks `sent` the pending keys the ledger already has
(sent from another state file, e.g. after the run folder was planned again).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from arrears.channels.config import ProviderConfig
from arrears.channels.ledger import append, attempt_rows, known_ids
from arrears.channels.model import Provider, Status, StatusUnavailable
from arrears.channels.report import Report
from arrears.channels.state import LEDGER_WRITING, LEDGER_WRITTEN, Done, SendState

if TYPE_CHECKING:
    from arrears.channels.service_ledger import ServiceLedger


class HasProvider(Protocol):
    provider: Provider
    config: ProviderConfig


def recover(
    state: SendState, lanes: Mapping[str, HasProvider], report: Report, now: datetime
) -> None:
    """Settle every key a crash left `sending`, by asking its provider."""
    for row in state.rows(["sending"]):
        lane = lanes.get(row.channel)
        if lane is None:
            report.unresolved.append((row.key, f"in doubt: no provider for {row.channel} now"))
            continue
        try:
            status = lane.provider.status(row.key)
        except StatusUnavailable as exc:
            state.note(row.key, f"in doubt: {exc}", now)
            report.unresolved.append((row.key, f"in doubt: {exc}"))
            continue
        if status is Status.ACCEPTED:
            ref = "accepted before an interruption (the provider's status)"
            done = Done(row.key, "sent", row.sending_at or now, row.tries, lane.config.plugin, ref)
            state.finish([done], now)
            report.recovered["accepted"] += 1
        elif status is Status.NOT_FOUND:
            state.release([row.key], "not accepted before an interruption", now)
            report.recovered["not_accepted"] += 1
        else:
            state.release([row.key], "the provider cannot tell: sent again under the same key", now)
            report.recovered["unknown"] += 1


def adopt(state: SendState, data: Path, now: datetime) -> int:
    """Pending keys already in the data folder's ledger: `sent`, not sent again."""
    pending = [r.key for r in state.rows(["pending"])]
    if not pending:
        return 0
    found = sorted(known_ids(data, pending))
    if found:
        state.adopt(found, now)
    return len(found)


def flush(state: SendState, data: Path, service: ServiceLedger | None = None) -> tuple[int, int]:
    """Append the attempts not yet in the ledger, and to the service's database when given
    (insert-or-skip there, so a batch found `writing` adds nothing twice); returns the rows
    written to the folder's ledger and sent to the database."""
    rows = state.unwritten()
    if not rows:
        return 0, 0
    dedupe = any(r.ledger == LEDGER_WRITING for r in rows)
    keys = [r.key for r in rows]
    state.set_ledger(keys, LEDGER_WRITING)
    frame = attempt_rows(
        [
            {
                "attempt_id": r.key,
                "account_id": r.account_id,
                "contact_id": r.contact_id,
                "channel": r.channel,
                "at": r.at,
                "outcome": r.state,
            }
            for r in rows
        ]
    )
    written = append(data, frame, dedupe=dedupe)
    held = service.append(frame) if service is not None else 0
    state.set_ledger(keys, LEDGER_WRITTEN)
    return written, held
