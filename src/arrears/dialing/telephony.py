"""The telephony interface: what a dialer asks of a switch, and what the switch reports back.

A dialer (the simulator's floor, or a live campaign) places calls through a `Telephony`:
`originate` rings a number, `bridge` connects an answered call to an agent, `hang_up` ends a
call (a live answer no agent took in time is hung up: abandoned). The switch reports what
happens as `CallEvent`s, in the order they happen: `ringing`, then one of `answered_live`,
`machine`, `busy` or `no_answer`, and `ended` when the line is released. `events()` hands over
the events reported since the last call.

Two implementations: the simulator's switch (`sim`, where the events are scheduled on the
event heap with the scenario's outcome laws) and the HTTP adapter skeleton for a real dialer or
CTI server (`http_adapter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

EVENT_KINDS: tuple[str, ...] = (
    "ringing",
    "answered_live",
    "machine",
    "busy",
    "no_answer",
    "ended",
)
# The events that settle a dial's outcome (exactly one per dial).
OUTCOME_EVENTS: tuple[str, ...] = ("answered_live", "machine", "busy", "no_answer")
# The ledger's outcome for each: a live answer becomes `rpc`, `third_party`, `wrong_party` or
# `abandoned` once the call is handled; the others are final.
LEDGER_OUTCOME: dict[str, str] = {
    "machine": "machine",
    "busy": "no_connect",
    "no_answer": "no_answer",
}


class TelephonyError(RuntimeError):
    """The switch refused or failed a request (the message says which and why); `status` is
    the HTTP status the switch answered, when it answered one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One thing the switch reports about one call."""

    call_id: str
    kind: str  # one of EVENT_KINDS
    at: float  # seconds on the dialer's clock (simulated, or epoch seconds for a live switch)
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {', '.join(EVENT_KINDS)}: {self.kind!r}")


@runtime_checkable
class Telephony(Protocol):
    """A switch that places and ends calls and reports what happens to them."""

    def originate(self, call_id: str, number: str) -> None:
        """Ring `number` (E.164); `call_id` keys every later event of this call."""
        ...

    def bridge(self, call_id: str, agent_id: str) -> None:
        """Connect the answered call to the agent (a hand-over from a robot, or a pick-up)."""
        ...

    def hang_up(self, call_id: str) -> None:
        """End the call (a no-op when it has already ended)."""
        ...

    def events(self) -> list[CallEvent]:
        """The events reported since the last call, oldest first."""
        ...
