"""Pacers: how many numbers the dialer calls now, given the floor as it stands.

The simulator asks `Pacer.dials(state)` after every event and places that many dials at once.
A pacer with `reserves_agent` (progressive, preview) ties a free agent to each dial until it
resolves, so its live answers always find their agent and it never abandons; the others dial
ahead of free agents and a live answer takes whichever agent is free, or waits and may be
abandoned. An open-loop pacer ignores the floor and dials at its own Poisson times: it also
implements `ScheduledPacer.next_dial_at`, which the simulator calls at the start and after
each such dial to schedule the next one (`None` stops it); its `dials` returns 0.

A pacer with a `preview_s` attribute (`Preview`) holds each reserved agent that long on the
case before its number rings.

Optional extras, looked up once per run: a pacer with an `observe(kind, value)` method
(`Observer`) is told each outcome as it happens ("live" with the answer delay, "not_live" with
the ring duration, "handle" with a finished call's handle time, "abandoned" with the wait); one
with `wants_detail = True` gets the elapsed times of busy agents and ringing dials in the
state, and one with `wants_remaining = True` also each busy agent's true remaining handle time
(an oracle, for an upper reference). Normal runs compute none of these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True, slots=True)
class DialerState:
    """What the pacer sees: the floor now and running counters since the start."""

    now: float  # seconds since the start
    free_agents: int  # logged in, idle, not reserved
    agents: int  # logged in (not counting those logging out after their current call)
    in_flight: int  # dials placed, still ringing
    reserved: int  # agents held for a ringing dial of a reserving pacer
    waiting: int  # live answers waiting for an agent
    dials: int
    live: int
    abandoned: int
    # filled only for a pacer with `wants_detail` (`busy_remaining`: `wants_remaining`); busy
    # agents logging out after their call are left out, since they will not come back free
    busy_elapsed: tuple[float, ...] = ()
    ringing_elapsed: tuple[float, ...] = ()
    busy_remaining: tuple[float, ...] | None = None


@runtime_checkable
class Pacer(Protocol):
    """Decides, after every event, how many new dials to place."""

    @property
    def reserves_agent(self) -> bool:
        """Whether each dial holds a free agent until it resolves (no abandonment)."""
        ...

    def dials(self, state: DialerState) -> int:
        """How many dials to place now (>= 0; a reserving pacer gets at most `free_agents`)."""
        ...


@runtime_checkable
class Observer(Protocol):
    """A pacer that learns from outcomes: the simulator calls `observe` as they happen."""

    def observe(self, kind: str, value: float) -> None:
        """`kind`: "live", "not_live", "handle" or "abandoned"; `value`: its duration in s."""
        ...


@runtime_checkable
class ScheduledPacer(Pacer, Protocol):
    """A pacer that also dials at times of its own choosing (open loop)."""

    def next_dial_at(self, now: float, rng: np.random.Generator) -> float | None:
        """The time of its next own dial after `now`, or None for no more."""
        ...


@dataclass(frozen=True)
class Progressive:
    """One dial per free agent, each reserving its agent: never abandons, agents idle on rings."""

    @property
    def reserves_agent(self) -> bool:
        return True

    def dials(self, state: DialerState) -> int:
        return state.free_agents


@dataclass(frozen=True)
class Preview:
    """The agent sees the case for `preview_s` seconds, then the number rings (progressive
    after a preview; manual dialing is a long preview). The agent is held from the preview
    to the call's end: never abandons, and agents wait through the previews and the rings."""

    preview_s: float = 20.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.preview_s) and self.preview_s >= 0):
            raise ValueError(f"preview_s must be a finite number >= 0, got {self.preview_s!r}")

    @property
    def reserves_agent(self) -> bool:
        return True

    def dials(self, state: DialerState) -> int:
        return state.free_agents


@dataclass(frozen=True)
class FixedRatio:
    """Keeps about `ratio` dials ringing per free agent; no reservation."""

    ratio: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.ratio) and self.ratio > 0):
            raise ValueError(f"ratio must be a finite number > 0, got {self.ratio!r}")

    @property
    def reserves_agent(self) -> bool:
        return False

    def dials(self, state: DialerState) -> int:
        return max(0, math.floor(self.ratio * state.free_agents) - state.in_flight)


@dataclass(frozen=True)
class OpenLoop:
    """Dials at Poisson times of rate `rate_per_s`, whatever the agents are doing."""

    rate_per_s: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate_per_s) and self.rate_per_s >= 0):
            raise ValueError(f"rate_per_s must be a finite number >= 0, got {self.rate_per_s!r}")

    @property
    def reserves_agent(self) -> bool:
        return False

    def dials(self, state: DialerState) -> int:
        return 0

    def next_dial_at(self, now: float, rng: np.random.Generator) -> float | None:
        if self.rate_per_s == 0:
            return None
        return now + float(rng.exponential(1.0 / self.rate_per_s))
