"""The predictive pacer: dial while the next dial's live answer would likely find an agent.

Online it learns p_live and the ring durations of live and non-live dials (an outcome counts
once its dial is 35 s old, so quick busy tones do not bias p_live low early on), and a
lognormal handle time (exponentially weighted log moments). After every event it takes each
ringing dial's chance of still turning live within a horizon t given how long it has rung, and
each busy agent's chance of finishing within t + patience given its elapsed handle time (or,
with `oracle=True`, its true remaining time). Supply minus demand at t is a sum of Bernoullis
(plus the uncertainty of p_live): its lower tail is taken from the normal with a skewness
(Edgeworth) correction, and the next dial is abandoned when its own live answer, at a delay t
drawn from five quantiles of the answer delay, finds no agent. It places dials while that
probability stays below a fixed `threshold`.

The cap is held by budgets in expected abandons. New dials' summed risk must fit in
`budget_share` of what the trailing window can still afford, floor(`budget_cap` x cap x L) -
A, less the risk already in flight; while that window reaches back to the start of the shift
and holds under 2 / cap answers, one abandon more is kept in reserve (abandons come in pairs).
Dials that leave no more dials in flight than free agents cannot be abandoned and are always
placed, so it never dials less than a 1:1 ratio without reservation.

The simulator counts every window, and those cut by the end of the shift hold only its last
answers. In the last window before the end the pacer works out their slack: the abandons they
can still take, cap x answers - abandons, the least over the window starting now (only answers
still to come: the agent time left turned into answers at one line per free agent, the least
it dials, `end_z` Poisson deviations low) and those starting at each abandon still in the last
window. Below one abandon of slack it places only dials that cannot be abandoned. Otherwise
the calls in flight must not bring more live answers than the free agents and the slack take,
even if no busy agent finished, but with chance `end_risk`: abandons come in clusters, when
several answers find every agent busy, and the budgets, which count expected abandons, do not
see them.

Given the campaign's shift plan (`ShiftPlan`: agents per hour, the shift end) it knows when the
shift ends, counts agents who log in on the hour as supply for answers after it, and agents
who log out as gone for any answer that could come after it. Without a plan it assumes the
shift may end on any multiple of `end_guard_s`, with the agents it has now, and so treats the
last window before each as the end's.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from arrears.dialing.pacing import DialerState
from arrears.dialing.predictive_estimates import LogMoments, ShiftPlan, answers_ahead, live_tail

__all__ = ["Predictive", "PredictiveOracle", "ShiftPlan"]

LAG_S = 35.0  # an outcome joins the estimates once its dial is this old (cohort complete)
RING_STEP_S, RING_MAX_S = 0.5, 60.0
QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@dataclass
class Predictive:
    """Dials while the next dial's estimated abandonment probability is below a threshold."""

    cap: float = 0.03
    window_s: float = 3600.0
    plan: ShiftPlan | None = None  # the campaign's shift plan, if the dialer is given it
    threshold: float = 0.01  # the highest abandonment probability of a dial it places
    patience_s: float = 2.0
    alpha: float = 1.0 / 400  # weight of a new outcome in the running estimates
    oracle: bool = False
    max_extra: int = 400  # most dials placed at one event
    budget_share: float = 0.05  # of the cap's abandons the trailing window could still afford
    budget_cap: float = 0.8  # the trailing budget counts this share of the cap (a margin)
    floor_risk: float = 0.0  # expected abandons in flight allowed even with no budget
    start_margin: int = 1  # abandons kept in reserve while the window holds the first answers
    end_guard_s: float = 3600.0  # without a plan, shifts may end on a multiple of this
    end_risk: float = 1e-4  # near the end, the chance of more live answers than fit (~1 %
    # over the hundred or so sets of calls in flight an hour, each ~LAG_S)
    end_z: float = 2.0  # the answers still to come are counted this many deviations low
    _p: float = 0.35  # prior p_live, cautious; weight `_n`
    _n: float = 10.0
    _delay: LogMoments = field(default_factory=lambda: LogMoments(15.0, 0.6, 5.0, 1 / 400))
    _handle: LogMoments = field(default_factory=lambda: LogMoments(240.0, 1.0, 10.0, 1 / 300))
    _not_live: np.ndarray = field(default_factory=lambda: np.full(int(RING_MAX_S), 0.2))
    _pending: list[tuple[float, bool, float]] = field(default_factory=list)
    _now: float = 0.0
    _exposure: float = 0.0  # decayed busy agent-seconds and finished calls: their ratio is the
    _finished: float = 0.0  # mean handle in steady state, and too long (cautious) early on
    _built: float = -math.inf
    _tables: tuple[np.ndarray, ...] = ()
    _late: float = 60.0  # the answer delay's 99th percentile
    _answers: deque[tuple[float, int, int]] = field(default_factory=deque)
    _committed: deque[tuple[float, float]] = field(default_factory=deque)
    _committed_sum: float = 0.0
    _marks: deque[tuple[float, int]] = field(default_factory=deque)  # abandons: time, live
    _seen: int = 0  # abandons marked so far
    _live_left: np.ndarray = field(default_factory=lambda: np.full(1, 0.35))  # by ring time
    _p_cautious: float = 0.35

    def __post_init__(self) -> None:
        if not 0.0 < self.cap < 1.0:
            raise ValueError(f"cap must be in (0, 1), got {self.cap!r}")
        if not (self.window_s > 0 and 0 < self.threshold < 1 and 0 < self.budget_cap <= 1):
            raise ValueError("window_s must be > 0, threshold in (0, 1), budget_cap in (0, 1]")

    @property
    def reserves_agent(self) -> bool:
        return False

    @property
    def wants_detail(self) -> bool:
        return True

    @property
    def wants_remaining(self) -> bool:
        return self.oracle

    def observe(self, kind: str, value: float) -> None:
        """Queue dial outcomes until their dial is LAG_S old; learn handle times at once."""
        if kind == "handle":
            self._handle.add(value)
            self._finished += 1.0
        elif kind in ("live", "not_live"):
            heapq.heappush(self._pending, (self._now - value, kind == "live", value))

    def _learn(self) -> None:
        while self._pending and self._pending[0][0] <= self._now - LAG_S:
            _, live, value = heapq.heappop(self._pending)
            self._n += 1.0
            a = max(self.alpha, 1.0 / self._n)
            self._p += a * ((1.0 if live else 0.0) - self._p)
            if live:
                self._delay.add(value)
            else:
                self._not_live *= 1.0 - a
                self._not_live[min(int(value), len(self._not_live) - 1)] += 1.0

    def _build(self) -> None:
        """Tabulate, per elapsed ring time (and horizon), the chance of (still) turning live."""
        p, d = self._p, self._delay
        p = min(1.0, p + 2.0 * math.sqrt(p * (1.0 - p) / self._n))  # cautious while n is small
        t = d.quantiles(QUANTILES)
        e = np.arange(0.0, RING_MAX_S + RING_STEP_S, RING_STEP_S)
        s_d = d.survival(e)
        counts = self._not_live
        cum = np.concatenate(([0.0], np.cumsum(counts))) / counts.sum()
        s_n = 1.0 - np.interp(e, np.arange(len(cum), dtype=float), cum)
        ahead = d.survival(e[:, None] + t[None, :])
        ring = p * (s_d[:, None] - ahead) / (p * s_d + (1 - p) * s_n + 1e-12)[:, None]
        new = p * (1.0 - d.survival(t))
        h = self._handle
        if self._finished >= 5:  # the lognormal's shape from finished calls, its mean from all
            h.mu = math.log(self._exposure / self._finished) - 0.5 * h.var
        self._late = float(d.quantiles((0.99,))[0])
        self._tables = (t, np.clip(ring, 0.0, 1.0), new)
        self._live_left = np.clip(p * s_d / (p * s_d + (1 - p) * s_n + 1e-12), 0.0, 1.0)
        self._p_cautious = p

    def risk(self, state: DialerState, extra: np.ndarray) -> np.ndarray:
        """The estimated abandonment probability of a dial placed after `extra` others now."""
        t, ring, new = self._tables
        zero = np.zeros(len(t))
        fin_mu, fin_var, k3 = zero, zero, zero  # mean, variance, third cumulant of supply
        if self.oracle and state.busy_remaining is not None:
            rem = np.asarray(state.busy_remaining)
            fin_mu = (rem[:, None] <= t[None, :] + self.patience_s).sum(axis=0).astype(float)
        elif state.busy_elapsed:
            el = np.asarray(state.busy_elapsed)[:, None]
            h = self._handle
            alive = np.maximum(h.survival(el), 1e-12)
            q = 1.0 - h.survival(el + t[None, :] + self.patience_s) / alive
            q = np.clip(q, 0.0, 1.0)
            fin_mu, fin_var = q.sum(axis=0), (q * (1 - q)).sum(axis=0)
            k3 = (q * (1 - q) * (1 - 2 * q)).sum(axis=0)
        arr_mu, arr_var = zero, zero
        if state.ringing_elapsed:
            ridx = np.asarray(state.ringing_elapsed) / RING_STEP_S
            r = ring[np.minimum(ridx.astype(int), len(ring) - 1)]
            arr_mu, arr_var = r.sum(axis=0), (r * (1 - r)).sum(axis=0)
            k3 = k3 - (r * (1 - r) * (1 - 2 * r)).sum(axis=0)
        n = extra[:, None].astype(float)
        demand = arr_mu[None, :] + n * new[None, :]
        free = state.free_agents - state.waiting + self._staffing(t)
        mean = free + fin_mu[None, :] - demand
        p = max(self._p, 1e-3)
        p_var = p * (1 - p) / min(self._n, 1.0 / self.alpha)
        var = fin_var + arr_var + n * new * (1 - new) + demand**2 * p_var / (p * p) + 0.05
        sd = np.sqrt(var)
        x = (0.5 - mean) / sd
        skew = (k3[None, :] - n * new * (1 - new) * (1 - 2 * new)) / (var * sd)
        normal = ndtr(x)
        out = normal - skew / 6.0 * (x * x - 1.0) * np.exp(-0.5 * x * x) * _INV_SQRT_2PI
        out = np.clip(out, 0.0, 1.0)
        out = np.maximum.accumulate(out, axis=0)  # more dials, more risk
        return np.asarray(out.mean(axis=1))

    def _staffing(self, t: np.ndarray) -> np.ndarray:
        """Agents the plan logs in (+) by each horizon `t`, or out (-) before a late answer.

        A logout counts at every horizon once it is due before the answer delay's 99th
        percentile (answers in the tail would find the leavers gone); a login only past it.
        """
        plan = self.plan
        if plan is None:
            return np.zeros(len(t))
        now = plan.agents_at(self._now)
        drop = min(0, plan.agents_at(self._now + self._late) - now)
        return np.array([max(plan.agents_at(self._now + x) - now, 0) + drop for x in t], float)

    def dials(self, state: DialerState) -> int:
        dt, self._now = state.now - self._now, state.now
        decay = math.exp(-dt / self.window_s)
        self._exposure = self._exposure * decay + len(state.busy_elapsed) * dt
        self._finished *= decay
        self._learn()
        if state.now - self._built >= (5.0 if state.now < 300 else 30.0):
            self._build()
            self._built = state.now
        for _ in range(state.abandoned - self._seen):  # abandons since the last event
            self._marks.append((state.now, state.live))
        self._seen = state.abandoned
        if state.agents == 0:
            return 0
        cap = min(self.max_extra, 4 * (state.free_agents + len(state.busy_elapsed)) + 16)
        # while dials in flight do not outnumber free agents (less those the plan logs out),
        # no live answer can wait: the approximation overstates such dials' risk, so skip it
        leaving = int(self._staffing(np.zeros(1))[0]) if self.plan is not None else 0
        free = state.free_agents - state.waiting + min(leaving, 0)
        safe = min(cap, max(0, free - state.in_flight))
        budget = self._budget(state)
        rows = min(cap, safe + 32)  # the first rows mostly settle it: all of them if not
        while True:
            risks = self.risk(state, np.arange(rows + 1))
            risks[:safe] = 0.0
            spent = np.cumsum(risks)
            # with no budget left, only dials that cannot wait (a risk may round to 0)
            over = np.flatnonzero((risks >= self.threshold) | (spent >= budget))
            if len(over) or rows == cap:
                break
            rows = cap
        n = max(safe, int(over[0]) if len(over) else cap)
        slack = self._end_slack(state) if n > safe else math.inf
        if slack < 1.0:
            n = safe
        elif slack < math.inf:  # the calls in flight (each with its chance of still turning
            # live) bring no more live answers than the free agents and the slack take
            ridx = np.asarray(state.ringing_elapsed, dtype=float) / RING_STEP_S
            live = self._live_left[np.minimum(ridx.astype(int), len(self._live_left) - 1)]
            room = free + math.floor(slack)
            tail = live_tail(live, self._p_cautious, n, room + 1)
            big = np.flatnonzero(tail[1:] > self.end_risk)
            n = max(safe, int(big[0]) if len(big) else n)
        if n:
            self._committed.append((state.now, float(spent[n - 1])))
            self._committed_sum += float(spent[n - 1])
        return n

    def _budget(self, state: DialerState) -> float:
        """Expected abandons new dials may add: what the trailing window can still afford.

        The trailing window (at the start of the shift, all of it) holds L live answers and A
        abandons; `risk` is the expected abandons of the dials placed in the last LAG_S and of
        the waiting calls. New risk is allowed up to `budget_share` x (floor(`budget_cap` x cap
        x L) - A) - risk (less `start_margin` abandons while the window holds the first
        answers, under 2 / cap), and `floor_risk` - risk at least.
        """
        now = state.now
        ans = self._answers
        if not ans or ans[-1][1] != state.live or ans[-1][2] != state.abandoned:
            ans.append((now, state.live, state.abandoned))
        while len(ans) > 1 and ans[1][0] <= now - self.window_s:
            ans.popleft()
        old = ans[0][0] <= now - self.window_s  # else the window reaches back to the start
        live_w = state.live - (ans[0][1] if old else 0)
        aband_w = state.abandoned - (ans[0][2] if old else 0)
        com = self._committed
        while com and com[0][0] < now - LAG_S:
            self._committed_sum -= com.popleft()[1]
        risk = max(self._committed_sum, 0.0) + 0.5 * state.waiting
        first = not old and live_w * self.cap < self.start_margin + 1
        afford = math.floor(self.budget_cap * self.cap * live_w) - aband_w
        budget = self.budget_share * (afford - (self.start_margin if first else 0)) - risk
        return max(budget, self.floor_risk - risk, 0.0)

    def _end_slack(self, state: DialerState) -> float:
        """The abandons the windows cut by the shift's end can still absorb (inf before them).

        In the last window before the end (the plan's, else the next multiple of
        `end_guard_s`), a window starting at s holds the answers from s on and the abandons
        among them. At s = now it holds only answers to come: at least `answers_ahead` of the
        agent time left (the plan's, else today's agents), `end_z` deviations low. Each earlier
        window that matters starts at an abandon still in the last window. The slack is the
        least of cap x answers - abandons over them.
        """
        now = state.now
        marks = self._marks
        while marks and marks[0][0] <= now - self.window_s:
            marks.popleft()
        if self.plan is not None:
            end = self.plan.end_after(now)
            agent_s = self.plan.agent_seconds(now, end)
        elif self.end_guard_s > 0:
            end = now + self.end_guard_s - now % self.end_guard_s
            agent_s = state.agents * (end - now)
        else:
            return math.inf
        if end - now > self.window_s:
            return math.inf
        counts = self._not_live
        ring_s = float(counts @ (np.arange(len(counts)) + 0.5) / counts.sum())
        p, delay, handle = max(self._p, 1e-3), self._delay.expected(), self._handle.expected()
        ahead = answers_ahead(agent_s, p, ring_s, delay, handle, self.end_z)
        slack = self.cap * ahead
        for j, (t, live) in enumerate(marks):
            if t > end - self.window_s:  # abandons from j on, answers from its own on
                slack = min(slack, self.cap * (state.live - live + 1 + ahead) - (len(marks) - j))
        return slack


def PredictiveOracle(
    cap: float = 0.03, window_s: float = 3600.0, plan: ShiftPlan | None = None
) -> Predictive:
    """The predictive pacer told each busy agent's true remaining handle time (a reference)."""
    return Predictive(cap=cap, window_s=window_s, plan=plan, oracle=True)
