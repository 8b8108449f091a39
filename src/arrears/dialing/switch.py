"""The simulator's switch: a `Telephony` whose calls end by the scenario's laws.

`originate` draws how the dial ends — answered live with probability `p_live` after a lognormal
delay, else busy, an answering machine or no answer — and asks the simulator (`schedule`) to
wake it at that time; `fire` then reports the outcome (and `ended`, for a dial nobody
answered). `hang_up` ends an answered call. The random draws come from one
`numpy.random.Generator`, pulled in blocks, in a fixed order per dial, so a run is repeatable.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from arrears.dialing.scenario import (
    BUSY_DELAY_S,
    MACHINE_DELAY_CV,
    MACHINE_DELAY_MEAN_S,
    NO_ANSWER_TIMEOUT_S,
    Scenario,
)
from arrears.dialing.telephony import CallEvent

# outcome codes, in the order of OUTCOME_EVENTS
LIVE, BUSY, MACHINE, NO_ANSWER = range(4)
OUTCOME_KIND = ("answered_live", "busy", "machine", "no_answer")


class Draws:
    """Uniform and normal variates pulled from the generator in blocks, for speed."""

    def __init__(self, rng: np.random.Generator, block: int = 4096) -> None:
        self._rng, self._block = rng, block
        self._u: list[float] = []
        self._z: list[float] = []

    def uniform(self) -> float:
        if not self._u:
            self._u = self._rng.random(self._block).tolist()
        return self._u.pop()

    def lognormal(self, mean: float, cv: float) -> float:
        """A lognormal variate with this mean and coefficient of variation."""
        if cv == 0:
            return mean
        if not self._z:
            self._z = self._rng.standard_normal(self._block).tolist()
        s2 = math.log1p(cv * cv)
        return mean * math.exp(math.sqrt(s2) * self._z.pop() - 0.5 * s2)


class SimSwitch:
    """A simulated switch on the simulator's clock (`clock()`), waking it via `schedule`.

    `schedule(t, call)` must call `fire(call)` at time `t`. Call ids are the simulator's own
    (decimal integers); `outcome(call)` is the drawn outcome code, for the simulator's books.
    """

    def __init__(
        self,
        scenario: Scenario,
        draws: Draws,
        clock: Callable[[], float],
        schedule: Callable[[float, int], None],
    ) -> None:
        self.sc, self.draws, self.clock, self.schedule = scenario, draws, clock, schedule
        self._outcome: dict[int, int] = {}
        self._live: set[int] = set()  # answered, not yet ended
        self._bridged: dict[int, str] = {}
        self._out: list[CallEvent] = []

    def originate(self, call_id: str, number: str) -> None:
        call, now = int(call_id), self.clock()
        sc, draws = self.sc, self.draws
        u, p = draws.uniform(), sc.p_live_at(now)
        if u < p:
            kind, delay = LIVE, draws.lognormal(sc.answer_delay_mean_s, sc.answer_delay_cv)
        else:
            v = (u - p) / (1.0 - p)  # uniform again, given not live
            if v < sc.busy_share:
                low, high = BUSY_DELAY_S
                kind, delay = BUSY, low + (high - low) * draws.uniform()
            elif v < sc.busy_share + sc.machine_share:
                kind, delay = MACHINE, draws.lognormal(MACHINE_DELAY_MEAN_S, MACHINE_DELAY_CV)
            else:
                kind, delay = NO_ANSWER, NO_ANSWER_TIMEOUT_S
        self._outcome[call] = kind
        self._out.append(CallEvent(call_id, "ringing", now))
        self.schedule(now + delay, call)

    def fire(self, call: int) -> None:
        """The drawn outcome of `call` happens now."""
        kind, now, call_id = self._outcome.pop(call), self.clock(), str(call)
        self._out.append(CallEvent(call_id, OUTCOME_KIND[kind], now))
        if kind == LIVE:
            self._live.add(call)
        else:
            self._out.append(CallEvent(call_id, "ended", now))

    def bridge(self, call_id: str, agent_id: str) -> None:
        if int(call_id) not in self._live:
            raise ValueError(f"call {call_id} is not an answered call on the line")
        self._bridged[int(call_id)] = agent_id

    def hang_up(self, call_id: str) -> None:
        call = int(call_id)
        if call in self._live:
            self._live.discard(call)
            self._bridged.pop(call, None)
            self._out.append(CallEvent(call_id, "ended", self.clock()))

    def events(self) -> list[CallEvent]:
        out, self._out = self._out, []
        return out
