"""A discrete-event simulator of one dialing shift: a heap of timed events, one pacer.

Events: a dial's outcome on the switch (live answer, busy, machine, no answer), a waiting live
call's patience runs out, an agent finishes a call's handle time, an hour boundary (agents log
in or out to the profile), an open-loop pacer's own dial. After each, the pacer is asked for new
dials. A live answer takes its reserved agent, else the longest-idle free agent, else waits FIFO
up to `patience_s` (0: lost at once, Erlang's loss system) and is then abandoned (hung up).
Agents told to log out take no new call and leave when their current one ends (free ones leave
at once). Occupancy is handle time / logged-in agent time, both clipped to the shift; counts
stop at its end. A pacer's optional extras (outcome feedback, elapsed and remaining times; see
pacing) are tracked only when it asks for them.

The floor places and ends calls only through the telephony interface (`telephony.Telephony`),
here the simulated switch (`switch.SimSwitch`). With `leads`, each dial takes its number from a
hopper (`Leads.next`; none left: no dial) and every dial's result is handed back
(`Leads.settle`), which is how a campaign asks the compliance guard before each dial and
writes each attempt to the ledger (`campaign`). Leads with an `answer_chance(lead)` method give
each dial its own chance of a live answer (None: the scenario's `p_live`).

`run` is `begin`, `step` while `next_at` is before the shift's end, then `end`: a caller that
works several floors on one clock (`workday.work_lists`) steps them in the order of their
events.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from arrears.dialing.abandonment import worst_window_rate
from arrears.dialing.leads import Lead, Leads
from arrears.dialing.pacing import DialerState, Observer, Pacer, ScheduledPacer
from arrears.dialing.scenario import HOUR_S, Scenario
from arrears.dialing.switch import LIVE, OUTCOME_KIND, Draws, SimSwitch

# (time, "login" | "logout" | "off" | "assign" | "finish" | "handover", agent)
Journal = list[tuple[float, str, int]]

# event kinds; ties at one instant go in the order they were scheduled
_SWITCH, _PATIENCE, _FINISH, _HOUR, _WAKE, _PREVIEW, _TICK = range(7)
_OUTCOME_CODE = {kind: code for code, kind in enumerate(OUTCOME_KIND)}
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


class _LeadSwitch(SimSwitch):
    """The simulated switch, where a dial may bring its own chance of a live answer."""

    p_next: float | None = None  # the next dial's chance (set by the floor, used once)

    def originate(self, call_id: str, number: str) -> None:
        p, self.p_next = self.p_next, None
        if p is None:
            super().originate(call_id, number)
            return
        scenario = self.sc
        self.sc = _with_p_live(scenario, p)
        try:
            super().originate(call_id, number)
        finally:
            self.sc = scenario


@functools.lru_cache(maxsize=256)
def _with_p_live(scenario: Scenario, p: float) -> Scenario:
    return replace(scenario, p_live=p, live_profile=None)


@dataclass(slots=True)
class _Call:
    placed_at: float
    agent: int  # the reserved agent (-1: none), then the agent who took it
    lead: Lead | None


class _Floor:
    """The simulator's state and its event handlers."""

    def __init__(
        self,
        sc: Scenario,
        pacer: Pacer,
        rng: np.random.Generator,
        journal: Journal | None,
        leads: Leads | None = None,
    ) -> None:
        self.sc, self.pacer, self.rng, self.journal, self.leads = sc, pacer, rng, journal, leads
        self.reserves = pacer.reserves_agent
        self.scheduled = pacer if isinstance(pacer, ScheduledPacer) else None
        self.draws = Draws(rng)
        self.switch = _LeadSwitch(sc, self.draws, lambda: self.now, self._wake_switch)
        self.chance: Callable[[Lead], float | None] | None = getattr(leads, "answer_chance", None)
        self.observer = pacer if isinstance(pacer, Observer) else None
        self.oracle = bool(getattr(pacer, "wants_remaining", False))
        self.detail = self.oracle or bool(getattr(pacer, "wants_detail", False))
        self.track = self.detail or self.observer is not None
        self.calls: dict[int, _Call] = {}  # dials placed (or previewed), not yet ended
        self.next_call = 0
        self.preview_s = float(getattr(pacer, "preview_s", 0.0))
        self.ringing: set[int] = set()  # dials not yet answered or failed
        self.talking: dict[int, int] = {}  # agent -> call
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
        self.live_call: list[int] = []  # the dial of each live answer
        self.lost: list[bool] = []
        self.in_flight = self.dials = self.connected = self.abandoned = 0
        self.outcomes = [0, 0, 0, 0]  # by outcome code: live, busy, machine, no answer
        self.agent_s = self.talk_s = 0.0
        self.held_result = "abandoned"  # what a live answer still waiting at the end became
        self.starved = False  # the pacer wanted a dial the hopper had no lead for
        self.wake_at = math.inf  # when the floor asks the hopper again, if nothing else happens

    def push(self, t: float, kind: int, arg: int) -> int:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, arg))
        return self.seq

    def _wake_switch(self, t: float, call: int) -> None:
        self.push(t, _SWITCH, call)

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

    def connect(self, agent: int, call: int) -> None:
        self.status[agent] = _BUSY_AGENT
        self.connected += 1
        self.calls[call].agent = agent
        self.talking[agent] = call
        end = self.now + self.draws.lognormal(self.sc.mean_handle_at(self.now), self.sc.handle_cv)
        self.talk_s += min(end, self.sc.duration_s) - self.now
        self.push(end, _FINISH, agent)
        if self.track:
            self.busy[agent] = (self.now, end)

    def finish(self, agent: int) -> None:
        call = self.talking.pop(agent)
        self.switch.hang_up(str(call))
        self.settle(call, "connected")
        self.log("finish", agent)
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
            live = self.queue.popleft()
            if live in self.waiting:
                self.waiting.remove(live)
                self.take_waiting(agent, live)
                return
        self.status[agent] = _FREE
        self.epoch[agent] += 1
        self.free.append((agent, self.epoch[agent]))
        self.n_free += 1

    def take_waiting(self, agent: int, live: int) -> None:
        """A free agent takes the live answer waiting longest."""
        self.log("assign", agent)
        self.connect(agent, self.live_call[live])

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
    def place_dial(self) -> bool:
        """Dial the next lead (if the hopper has one); False when nothing was dialled. With a
        preview, the reserved agent looks at the case first and the number rings after it."""
        agent = -1
        if self.reserves:
            agent = self.take_free()
            if agent < 0:
                return False  # (a reserving pacer is never offered more than the free agents)
        lead = None
        if self.leads is not None:
            lead = self.leads.next(self.now, self.preview_s)
            if lead is None:
                if agent >= 0:  # back to the head of the idle queue
                    self.free.appendleft((agent, self.epoch[agent]))
                    self.n_free += 1
                self.starved = True
                return False
        if agent >= 0:
            self.status[agent] = _RESERVED
            self.n_reserved += 1
            self.log("assign", agent)
        self.next_call += 1
        call = self.next_call
        self.calls[call] = _Call(self.now, agent, lead)
        if self.preview_s > 0:
            self.push(self.now + self.preview_s, _PREVIEW, call)
        else:
            self.originate(call)
        return True

    def originate(self, call: int) -> None:
        record = self.calls[call]
        record.placed_at = self.now
        self.dials += 1
        self.in_flight += 1
        self.ringing.add(call)
        lead = record.lead
        if lead is not None and self.chance is not None:
            self.switch.p_next = self.chance(lead)
        self.switch.originate(str(call), lead.number if lead is not None else "")

    def on_switch(self) -> None:
        """Handle what the switch reported."""
        for event in self.switch.events():
            code = _OUTCOME_CODE.get(event.kind)
            if code is not None:
                self.resolve(code, int(event.call_id))

    def resolve(self, code: int, call: int) -> None:
        self.in_flight -= 1
        self.ringing.discard(call)
        record = self.calls[call]
        if self.observer is not None:
            waited = self.now - record.placed_at
            self.observer.observe("live" if code == LIVE else "not_live", waited)
        self.outcomes[code] += 1
        agent = record.agent
        if agent >= 0:
            self.n_reserved -= 1
        if code != LIVE:
            self.settle(call, OUTCOME_KIND[code].replace("answered_", ""))
            if agent >= 0:
                self.available(agent)
            return
        self.on_live(call, agent)

    def on_live(self, call: int, agent: int) -> None:
        """A live answer: to its reserved agent, else a free one, else it waits or is lost."""
        live = len(self.live_t)
        self.live_t.append(self.now)
        self.live_call.append(call)
        self.lost.append(False)
        if agent < 0:
            agent = self.take_free()
            if agent >= 0:
                self.log("assign", agent)
        if agent >= 0:
            self.connect(agent, call)
        elif self.sc.patience_s > 0:
            self.waiting.add(live)
            self.queue.append(live)
            self.push(self.now + self.sc.patience_s, _PATIENCE, live)
        else:
            self.abandon(live)

    def abandon(self, live: int) -> None:
        self.lost[live] = True
        self.abandoned += 1
        call = self.live_call[live]
        self.switch.hang_up(str(call))
        self.settle(call, "abandoned")
        if self.observer is not None:
            self.observer.observe("abandoned", self.now - self.live_t[live])

    def settle(self, call: int, result: str) -> None:
        record = self.calls.pop(call)
        if self.leads is not None and record.lead is not None:
            self.leads.settle(record.lead, result, record.placed_at, self.now, record.agent)

    def close(self) -> None:
        """At the shift's end every call still open is settled: a dial still ringing is cut
        (no answer), a live answer still waiting was never taken (`held_result`), any other
        was talking (connected)."""
        held = {self.live_call[live] for live in self.waiting}
        talking = set(self.talking.values())
        for call in list(self.calls):
            if call in self.ringing:
                self.settle(call, "no_answer")
            elif call in held:
                self.settle(call, self.held_result)
            elif call in talking or self.calls[call].agent < 0:
                self.settle(call, "connected")
            # else: still in its preview, never dialled: no attempt
        self.talking.clear()

    def state(self) -> DialerState:
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
                ringing_elapsed=tuple(now - self.calls[c].placed_at for c in self.ringing),
                busy_remaining=tuple(e - now for a, (_, e) in busy.items() if not leaving[a])
                if self.oracle
                else None,
            )
        return state

    def dials_wanted(self) -> int:
        n = self.pacer.dials(self.state())
        if n < 0:
            raise ValueError(f"pacer asked for {n} dials")
        return min(n, self.n_free) if self.reserves else n

    def ask_pacer(self) -> None:
        for _ in range(self.dials_wanted()):
            if not self.place_dial():
                break
        if self.starved and self.leads is not None:
            self.starved = False
            due = self.leads.due_at(self.now)
            if due is not None and self.now < due < self.wake_at:
                self.wake_at = due
                self.push(due, _WAKE, 0)

    def schedule_own_dial(self) -> None:
        if self.scheduled is not None:
            t = self.scheduled.next_dial_at(self.now, self.rng)
            if t is not None:
                if not t >= self.now:
                    raise ValueError(f"pacer scheduled a dial at {t}, before now ({self.now})")
                self.push(t, _TICK, 0)

    def handle(self, kind: int, arg: int) -> None:
        """One event off the heap (a subclass adds its own kinds)."""
        if kind == _SWITCH:
            self.switch.fire(arg)
            self.on_switch()
        elif kind == _FINISH:
            self.finish(arg)
        elif kind == _PATIENCE:
            if arg in self.waiting:
                self.waiting.remove(arg)
                self.abandon(arg)
        elif kind == _HOUR:
            self.staff(self.sc.agents_at(arg))
        elif kind == _PREVIEW:
            self.originate(arg)
        elif kind == _WAKE:
            if self.now >= self.wake_at:
                self.wake_at = math.inf
        else:
            self.place_dial()
            self.schedule_own_dial()

    def begin(self) -> None:
        """Log the first hour's agents in and place the first dials (time 0)."""
        sc = self.sc
        self.staff(sc.agents_at(0))
        if sc.agent_profile is not None:
            for hour in range(1, math.ceil(sc.duration_s / HOUR_S)):
                self.push(hour * HOUR_S, _HOUR, hour)
        self.schedule_own_dial()
        self.ask_pacer()

    def next_at(self) -> float:
        """When the next event happens (inf: none before the shift's end)."""
        heap = self.heap
        return heap[0][0] if heap and heap[0][0] < self.sc.duration_s else math.inf

    def step(self) -> None:
        """Handle the next event, then ask the pacer."""
        t, _, kind, arg = heapq.heappop(self.heap)
        self.advance(t)
        self.handle(kind, arg)
        self.ask_pacer()

    def run(self, window_s: float) -> SimResult:
        self.begin()
        while self.next_at() < math.inf:
            self.step()
        return self.end(window_s)

    def end(self, window_s: float) -> SimResult:
        """Close the shift: settle every open call and count."""
        self.advance(self.sc.duration_s)
        self.close()
        live, busy, machine, no_answer = self.outcomes
        agent_s, talk_s = self.agent_s, self.talk_s
        return SimResult(
            dials=self.dials, live=live, connected=self.connected, abandoned=self.abandoned,
            busy=busy, machine=machine, no_answer=no_answer,
            occupancy=min(1.0, talk_s / agent_s) if agent_s > 0 else 0.0,
            abandon_rate=self.abandoned / live if live else 0.0,
            worst_window_abandon_rate=worst_window_rate(self.live_t, self.lost, window_s),
            agent_seconds=agent_s, talk_seconds=talk_s,
            in_flight_at_end=self.in_flight, waiting_at_end=len(self.waiting),
        )  # fmt: skip


def simulate(
    scenario: Scenario,
    pacer: Pacer,
    rng: np.random.Generator,
    *,
    window_s: float = HOUR_S,
    journal: Journal | None = None,
    leads: Leads | None = None,
) -> SimResult:
    """Run one shift; `journal`, if given, receives every login, logout, off, assignment and
    finish; `leads`, if given, supplies each dial's number and receives each dial's result."""
    if not window_s > 0:
        raise ValueError(f"window_s must be > 0, got {window_s!r}")
    return _Floor(scenario, pacer, rng, journal, leads).run(window_s)
