"""Leads: where a dialing floor's numbers come from, and where each dial's result goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

RESULTS = ("connected", "abandoned", "busy", "machine", "no_answer")


@dataclass(frozen=True, slots=True)
class Lead:
    """A number to dial, from a campaign's hopper."""

    lead_id: str
    number: str


class Leads(Protocol):
    """Where a floor's dials get their numbers, and where their results go."""

    def next(self, now: float, within_s: float = 0.0) -> Lead | None:
        """The next lead that may be dialled at any moment from `now` to `now + within_s` (an
        agent's preview comes first), or None (then no dial is placed)."""
        ...

    def due_at(self, now: float) -> float | None:
        """When, after `now`, a lead may next be ready (None: not before some call ends)."""
        ...

    def settle(self, lead: Lead, result: str, placed_at: float, now: float, agent: int) -> None:
        """What became of a dial placed at `placed_at`: one of RESULTS; `now` is when the call
        ended (for `connected`, when the agent finished); `agent` took it (-1: none)."""
        ...
