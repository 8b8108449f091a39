"""A Vicidial-style adaptive pacer: a dial level nudged by the surplus of ready agents.

Like FixedRatio it keeps floor(level x free agents) dials ringing, but the level moves: every
`period_s` of simulated time it adds `gain` x the time-averaged surplus (ready agents minus
live calls waiting) per logged-in agent over the period, clamped to [1, max_level]; and when
the day's drop rate (abandoned / live since the start, once `min_live` answers are in) is above
the cap it halves the level instead. It reads only the counters any dialer has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from arrears.dialing.pacing import DialerState


@dataclass
class Vicidial:
    """The adaptive dial level of a Vicidial-style predictive dialer."""

    cap: float = 0.03
    max_level: float = 4.0
    start_level: float = 1.5
    gain: float = 1.0
    period_s: float = 15.0
    min_live: int = 20
    level: float = 0.0
    halvings: int = 0
    _period_end: float = 0.0
    _last: float = 0.0
    _area: float = 0.0  # integral of the surplus over the period so far
    _surplus: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 < self.cap < 1.0:
            raise ValueError(f"cap must be in (0, 1), got {self.cap!r}")
        if not (self.max_level >= 1.0 and self.period_s > 0):
            raise ValueError("max_level must be >= 1 and period_s > 0")
        self.level = min(max(self.start_level, 1.0), self.max_level)
        self._period_end = self.period_s

    @property
    def reserves_agent(self) -> bool:
        return False

    def _update(self, state: DialerState) -> None:
        """End of a period: halve on the day's drops, else move with the averaged surplus."""
        average = self._area / self.period_s
        self._area = 0.0
        if state.live >= self.min_live and state.abandoned / state.live > self.cap:
            self.level = max(1.0, self.level / 2.0)
            self.halvings += 1
            return
        step = self.gain * average / max(state.agents, 1)
        self.level = min(self.max_level, max(1.0, self.level + step))

    def dials(self, state: DialerState) -> int:
        while state.now >= self._period_end:  # close the periods that ended before this event
            self._area += self._surplus * (self._period_end - self._last)
            self._last = self._period_end
            self._period_end += self.period_s
            self._update(state)
        self._area += self._surplus * (state.now - self._last)
        self._last = state.now
        self._surplus = float(state.free_agents - state.waiting)
        return max(0, math.floor(self.level * state.free_agents) - state.in_flight)
