"""A discrete-event simulator of one dialing shift: a heap of timed events, one pacer.

Events: a dial resolves (live answer, busy, machine, no answer), a waiting live call's patience
runs out, an agent finishes a call's handle time, an hour boundary (agents log in or out to the
profile), an open-loop pacer's own dial. After each, the pacer is asked for new dials. A live
answer takes its reserved agent, else the longest-idle free agent, else waits FIFO up to
`patience_s` (0: lost at once, Erlang's loss system) and is then abandoned. Agents told to log
out take no new call and leave when their current one ends (free ones leave at once). Occupancy
is handle time / logged-in agent time, both clipped to the shift; counts stop at its end.
A pacer's optional extras (outcome feedback, elapsed and remaining times; see pacing) are
tracked only when it asks for them.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from arrears.dialing.pacing import DialerState, Observer, Pacer, ScheduledPacer
from arrears.dialing.scenario import (
    BUSY_DELAY_S,
    HOUR_S,
    MACHINE_DELAY_CV,
    MACHINE_DELAY_MEAN_S,
    NO_ANSWER_TIMEOUT_S,
    Scenario,
)

MIN_WINDOW_LIVE = 20
Journal = list[tuple[float, str, int]]  # (time, "login" | "logout" | "off" | "assign", agent)

# event kinds; ties at one instant go in the order they were scheduled
_LIVE, _BUSY, _MACHINE, _NO_ANSWER, _PATIENCE, _FINISH, _HOUR, _TICK = range(8)
# agent states
_OFF, _FREE, _RESERVED, _BUSY_AGENT = range(4)


@dataclass(frozen=True)
class SimResult:
    """Counts over the shift (dials placed, outcomes resolved before its end) and rates."""

    dials: int
    live: int
    connected: int
    abandoned: int
    busy: int
    machine: int
    no_answer: int
    occupancy: float
    abandon_rate: float  # abandoned / live
    worst_window_abandon_rate: float  # 0 when no window holds MIN_WINDOW_LIVE live answers
    agent_seconds: float
    talk_seconds: float
    in_flight_at_end: int  # dials still ringing when the shift ended
    waiting_at_end: int  # live answers still waiting for an agent then


class _Draws:
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


def worst_window_rate(
    times: Sequence[float], lost: Sequence[bool], window_s: float, min_live: int = MIN_WINDOW_LIVE
) -> float:
    """The highest lost / total over every window [s, s + window_s) holding >= min_live times.

    `times` sorted. A window holds a run i..j of them; the runs some window holds exactly are
    those with t[j] − t[i] < window_s and t[j+1] − t[i−1] > window_s (it cannot reach both
    neighbours), not splitting equal times. For each i the ends j lie between two pointers that
    only move forward, and the ranges they leave sum to O(n) over all i, so this is linear.
    """
    n = len(times)
    prefix = [0] * (n + 1)
    for k, flag in enumerate(lost):
        prefix[k + 1] = prefix[k] + (1 if flag else 0)
    best, lo, hi = 0.0, 0, 0  # ends (exclusive) run over [max(lo, i + min_live), hi]
    for i in range(n):
        while hi < n and times[hi] < times[i] + window_s:
            hi += 1
        if i > 0:
            if times[i] == times[i - 1]:  # no window splits equal times
                continue
            while lo < n and times[lo] <= times[i - 1] + window_s:
                lo += 1
        for end in range(max(lo, i + min_live), hi + 1):
            if end == n or times[end] != times[end - 1]:
                best = max(best, (prefix[end] - prefix[i]) / (end - i))
    return best


class _Floor:
    """The simulator's state and its event handlers."""

    def __init__(
        self, sc: Scenario, pacer: Pacer, rng: np.random.Generator, journal: Journal | None
    ) -> None:
        self.sc, self.pacer, self.rng, self.journal = sc, pacer, rng, journal
        self.reserves = pacer.reserves_agent
        self.scheduled = pacer if isinstance(pacer, ScheduledPacer) else None
        self.draws = _Draws(rng)
        self.observer = pacer if isinstance(pacer, Observer) else None
        self.oracle = bool(getattr(pacer, "wants_remaining", False))
        self.detail = self.oracle or bool(getattr(pacer, "wants_detail", False))
        self.track = self.detail or self.observer is not None
        self.ringing: dict[int, float] = {}  # dial (its event's seq) -> placed at, if tracked
        self.busy: dict[int, tuple[float, float]] = {}  # agent -> (call start, end), if tracked
        self.heap: list[tuple[float, int, int, int]] = []
        self.seq = 0
        self.now = self.last = 0.0
        pool = sc.pool
        self.status = [_OFF] * pool
        self.leaving = [False] * pool
        self.epoch = [0] * pool
        self.free: deque[tuple[int, int]] = deque()  # (agent, epoch), stale entries skipped
        self.n_free = self.n_reserved = self.n_logged = self.n_active = 0
        self.queue: deque[int] = deque()  # waiting live answers (indices into live_t)
        self.waiting: set[int] = set()
        self.live_t: list[float] = []
        self.lost: list[bool] = []
        self.in_flight = self.dials = self.connected = self.abandoned = 0
        self.outcomes = [0, 0, 0, 0]  # by kind: live, busy, machine, no answer
        self.agent_s = self.talk_s = 0.0

    def push(self, t: float, kind: int, arg: int) -> int:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, arg))
        return self.seq

    def log(self, what: str, agent: int) -> None:
        if self.journal is not None:
            self.journal.append((self.now, what, agent))

    def advance(self, t: float) -> None:
        self.agent_s += self.n_logged * (t - self.last)
        self.now = self.last = t

    # agents
    def take_free(self) -> int:
        while self.free:
            agent, epoch = self.free.popleft()
            if self.status[agent] == _FREE and self.epoch[agent] == epoch:
                self.n_free -= 1
                return agent
        return -1

    def connect(self, agent: int) -> None:
        self.status[agent] = _BUSY_AGENT
        self.connected += 1
        end = self.now + self.draws.lognormal(self.sc.mean_handle_at(self.now), self.sc.handle_cv)
        self.talk_s += min(end, self.sc.duration_s) - self.now
        self.push(end, _FINISH, agent)
        if self.track:
            self.busy[agent] = (self.now, end)

    def finish(self, agent: int) -> None:
        if self.track:
            start, _ = self.busy.pop(agent)
            if self.observer is not None:
                self.observer.observe("handle", self.now - start)
        self.available(agent)

    def available(self, agent: int) -> None:
        """The agent has just logged in or finished: leave, take a waiting call, or idle."""
        if self.leaving[agent]:
            self.leaving[agent] = False
            self.status[agent] = _OFF
            self.n_logged -= 1
            self.log("off", agent)
            return
        while self.queue:
            call = self.queue.popleft()
            if call in self.waiting:
                self.waiting.remove(call)
                self.log("assign", agent)
                self.connect(agent)
                return
        self.status[agent] = _FREE
        self.epoch[agent] += 1
        self.free.append((agent, self.epoch[agent]))
        self.n_free += 1

    def staff(self, target: int) -> None:
        """Log agents in or out until `target` are logged in and not leaving."""
        pool = range(len(self.status))
        for agent in pool:  # cancel pending logouts first, then log in the lowest ids
            if self.n_active >= target:
                break
            if self.leaving[agent]:
                self.leaving[agent] = False
                self.n_active += 1
                self.log("login", agent)
        for agent in pool:
            if self.n_active >= target:
                break
            if self.status[agent] == _OFF:
                self.n_logged += 1
                self.n_active += 1
                self.log("login", agent)
                self.available(agent)
        for agent in reversed(pool):  # idle agents leave at once, from the highest ids
            if self.n_active <= target:
                break
            if self.status[agent] == _FREE:
                self.status[agent] = _OFF
                self.n_free -= 1
                self.n_logged -= 1
                self.n_active -= 1
                self.log("logout", agent)
                self.log("off", agent)
        for agent in reversed(pool):  # then working ones, after their current call
            if self.n_active <= target:
                break
            if self.status[agent] != _OFF and not self.leaving[agent]:
                self.leaving[agent] = True
                self.n_active -= 1
                self.log("logout", agent)

    # dials
    def place_dial(self) -> None:
        agent = -1
        if self.reserves:
            agent = self.take_free()
            if agent < 0:
                return
            self.status[agent] = _RESERVED
            self.n_reserved += 1
            self.log("assign", agent)
        self.dials += 1
        self.in_flight += 1
        sc, draws = self.sc, self.draws
        u, p = draws.uniform(), sc.p_live_at(self.now)
        if u < p:
            kind, delay = _LIVE, draws.lognormal(sc.answer_delay_mean_s, sc.answer_delay_cv)
        else:
            v = (u - p) / (1.0 - p)  # uniform again, given not live
            if v < sc.busy_share:
                low, high = BUSY_DELAY_S
                kind, delay = _BUSY, low + (high - low) * draws.uniform()
            elif v < sc.busy_share + sc.machine_share:
                kind, delay = _MACHINE, draws.lognormal(MACHINE_DELAY_MEAN_S, MACHINE_DELAY_CV)
            else:
                kind, delay = _NO_ANSWER, NO_ANSWER_TIMEOUT_S
        seq = self.push(self.now + delay, kind, agent)
        if self.track:
            self.ringing[seq] = self.now

    def resolve(self, kind: int, agent: int, seq: int) -> None:
        self.in_flight -= 1
        if self.track:
            placed = self.ringing.pop(seq)
            if self.observer is not None:
                self.observer.observe("live" if kind == _LIVE else "not_live", self.now - placed)
        self.outcomes[kind] += 1
        if agent >= 0:
            self.n_reserved -= 1
        if kind != _LIVE:
            if agent >= 0:
                self.available(agent)
            return
        call = len(self.live_t)
        self.live_t.append(self.now)
        self.lost.append(False)
        if agent < 0:
            agent = self.take_free()
            if agent >= 0:
                self.log("assign", agent)
        if agent >= 0:
            self.connect(agent)
        elif self.sc.patience_s > 0:
            self.waiting.add(call)
            self.queue.append(call)
            self.push(self.now + self.sc.patience_s, _PATIENCE, call)
        else:
            self.abandon(call)

    def abandon(self, call: int) -> None:
        self.lost[call] = True
        self.abandoned += 1
        if self.observer is not None:
            self.observer.observe("abandoned", self.now - self.live_t[call])

    def ask_pacer(self) -> None:
        state = DialerState(
            now=self.now, free_agents=self.n_free, agents=self.n_active,
            in_flight=self.in_flight, reserved=self.n_reserved, waiting=len(self.waiting),
            dials=self.dials, live=len(self.live_t), abandoned=self.abandoned,
        )  # fmt: skip
        if self.detail:
            now, busy, leaving = self.now, self.busy, self.leaving
            state = replace(
                state,
                busy_elapsed=tuple(now - s for a, (s, _) in busy.items() if not leaving[a]),
                ringing_elapsed=tuple(now - t for t in self.ringing.values()),
                busy_remaining=tuple(e - now for a, (_, e) in busy.items() if not leaving[a])
                if self.oracle
                else None,
            )
        n = self.pacer.dials(state)
        if n < 0:
            raise ValueError(f"pacer asked for {n} dials")
        for _ in range(min(n, self.n_free) if self.reserves else n):
            self.place_dial()

    def schedule_own_dial(self) -> None:
        if self.scheduled is not None:
            t = self.scheduled.next_dial_at(self.now, self.rng)
            if t is not None:
                if not t >= self.now:
                    raise ValueError(f"pacer scheduled a dial at {t}, before now ({self.now})")
                self.push(t, _TICK, 0)


def simulate(
    scenario: Scenario,
    pacer: Pacer,
    rng: np.random.Generator,
    *,
    window_s: float = HOUR_S,
    journal: Journal | None = None,
) -> SimResult:
    """Run one shift; `journal`, if given, receives every login, logout, off and assignment."""
    if not window_s > 0:
        raise ValueError(f"window_s must be > 0, got {window_s!r}")
    end = scenario.duration_s
    floor = _Floor(scenario, pacer, rng, journal)
    floor.staff(scenario.agents_at(0))
    if scenario.agent_profile is not None:
        for hour in range(1, math.ceil(end / HOUR_S)):
            floor.push(hour * HOUR_S, _HOUR, hour)
    floor.schedule_own_dial()
    floor.ask_pacer()
    heap = floor.heap
    while heap and heap[0][0] < end:
        t, seq, kind, arg = heapq.heappop(heap)
        floor.advance(t)
        if kind <= _NO_ANSWER:
            floor.resolve(kind, arg, seq)
        elif kind == _FINISH:
            floor.finish(arg)
        elif kind == _PATIENCE:
            if arg in floor.waiting:
                floor.waiting.remove(arg)
                floor.abandon(arg)
        elif kind == _HOUR:
            floor.staff(scenario.agents_at(arg))
        else:
            floor.place_dial()
            floor.schedule_own_dial()
        floor.ask_pacer()
    floor.advance(end)
    live, busy, machine, no_answer = floor.outcomes
    agent_s, talk_s = floor.agent_s, floor.talk_s
    return SimResult(
        dials=floor.dials, live=live, connected=floor.connected, abandoned=floor.abandoned,
        busy=busy, machine=machine, no_answer=no_answer,
        occupancy=min(1.0, talk_s / agent_s) if agent_s > 0 else 0.0,
        abandon_rate=floor.abandoned / live if live else 0.0,
        worst_window_abandon_rate=worst_window_rate(floor.live_t, floor.lost, window_s),
        agent_seconds=agent_s, talk_seconds=talk_s,
        in_flight_at_end=floor.in_flight, waiting_at_end=len(floor.waiting),
    )  # fmt: skip
