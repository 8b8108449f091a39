"""The predictive pacer: dial while the next dial's live answer would likely find an agent.

Online it learns p_live and the ring durations of live and non-live dials (an outcome counts
once its dial is 35 s old, so quick busy tones do not bias p_live low early on), and a
lognormal handle time (exponentially weighted log moments). After every event it takes each
ringing dial's chance of still turning live within a horizon t given how long it has rung, and
each busy agent's chance of finishing within t + patience given its elapsed handle time (or,
with `oracle=True`, its true remaining time). Supply minus demand at t is then about normal
(sums of Bernoullis, plus the uncertainty of p_live), and the next dial is abandoned when its
own live answer, at a delay t drawn from five quantiles of the answer delay, finds none. It
places dials while that probability stays below a threshold. A slow outer loop, every
`tick_s`, lowers the threshold when the trailing window's abandonment (and the last ten
minutes') is above `target_share` x cap, and raises it slowly when the window is below.

On top, a budget view of the cap: the expected abandons of the new dials (the sum of their
risks) must fit in `budget_share` of what the trailing window can still afford, floor(cap x L)
- A, less the risk already in flight (`floor_risk` at least). With under 34 live answers
(the start of the shift) it affords none. Dials that leave no more dials in flight than free
agents cannot be abandoned and are always placed, so it never dials less than a 1:1 ratio
without reservation. The simulator counts every window, and those cut by the end of the shift
hold only its last answers, but the pacer is not told the end: it assumes shifts end on a
multiple of `end_guard_s` and near one keeps the same budget for the answers expected until
then, less `end_margin` (abandons come in pairs).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr, ndtri

from arrears.dialing.pacing import DialerState

LAG_S = 35.0  # an outcome joins the estimates once its dial is this old (cohort complete)
RING_STEP_S, RING_MAX_S = 0.5, 60.0
QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
SHORT_WINDOW_S = 600.0


@dataclass
class _LogMoments:
    """Exponentially weighted mean and variance of log(x): a lognormal fit."""

    mean: float
    cv: float
    weight: float
    alpha: float
    mu: float = 0.0
    var: float = 0.0

    def __post_init__(self) -> None:
        self.var = math.log1p(self.cv * self.cv)
        self.mu = math.log(self.mean) - 0.5 * self.var

    def add(self, x: float) -> None:
        self.weight += 1.0
        a = max(self.alpha, 1.0 / self.weight)
        d = math.log(max(x, 1e-3)) - self.mu
        self.mu += a * d
        self.var = (1 - a) * (self.var + a * d * d)

    def survival(self, x: np.ndarray) -> np.ndarray:
        sd = math.sqrt(max(self.var, 1e-6))
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - self.mu) / sd
        return np.asarray(1.0 - ndtr(z))

    def quantiles(self, qs: tuple[float, ...]) -> np.ndarray:
        sd = math.sqrt(max(self.var, 1e-6))
        return np.asarray(np.exp(self.mu + sd * ndtri(np.array(qs))))


@dataclass
class Predictive:
    """Dials while the next dial's estimated abandonment probability is below a threshold."""

    cap: float = 0.03
    window_s: float = 3600.0
    target_share: float = 0.12  # the outer loop aims the windowed rate at this share of the cap
    threshold: float = 0.005  # the starting threshold (then trimmed by the outer loop)
    patience_s: float = 2.0
    tick_s: float = 60.0
    alpha: float = 1.0 / 400  # weight of a new outcome in the running estimates
    oracle: bool = False
    max_extra: int = 400  # most dials placed at one event
    _p: float = 0.35  # prior p_live, cautious; weight `_n`
    _n: float = 10.0
    _delay: _LogMoments = field(default_factory=lambda: _LogMoments(15.0, 0.6, 5.0, 1 / 400))
    _handle: _LogMoments = field(default_factory=lambda: _LogMoments(240.0, 1.0, 10.0, 1 / 300))
    _not_live: np.ndarray = field(default_factory=lambda: np.full(int(RING_MAX_S), 0.2))
    _pending: list[tuple[float, bool, float]] = field(default_factory=list)
    _now: float = 0.0
    _exposure: float = 0.0  # decayed busy agent-seconds and finished calls: their ratio is the
    _finished: float = 0.0  # mean handle in steady state, and too long (cautious) early on
    _built: float = -math.inf
    _next_tick: float = 0.0
    _snaps: deque[tuple[float, int, int]] = field(default_factory=deque)
    _tables: tuple[np.ndarray, ...] = ()
    budget_share: float = 0.05  # of the cap's abandons the trailing window could still afford
    floor_risk: float = 0.0005  # expected abandons in flight allowed even with no budget
    end_guard_s: float = 3600.0  # shifts are assumed to end on a multiple of this (0: never)
    end_share: float = 0.15
    end_margin: int = 1  # abandons come in pairs: keep this many in reserve near the end
    _answers: deque[tuple[float, int, int]] = field(default_factory=deque)
    _committed: deque[tuple[float, float]] = field(default_factory=deque)
    _committed_sum: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 < self.cap < 1.0:
            raise ValueError(f"cap must be in (0, 1), got {self.cap!r}")
        if not (self.window_s > 0 and self.tick_s > 0 and 0 < self.threshold < 1):
            raise ValueError("window_s and tick_s must be > 0, threshold in (0, 1)")

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
        """Tabulate, per elapsed time and horizon, the chances of turning live and finishing."""
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
        top = min(7200.0, math.exp(h.mu + 5.0 * math.sqrt(max(h.var, 1e-6))))
        b = np.linspace(0.0, top, 600)
        s_h = np.maximum(h.survival(b), 1e-12)
        done = 1.0 - h.survival(b[:, None] + t[None, :] + self.patience_s) / s_h[:, None]
        step = np.array([b[1]])
        self._tables = (t, np.clip(ring, 0.0, 1.0), new, np.clip(done, 0.0, 1.0), step)

    def _outer(self, state: DialerState) -> None:
        """Every tick: trim the threshold on the trailing window's abandonment."""
        snaps = self._snaps
        snaps.append((state.now, state.live, state.abandoned))
        while snaps and snaps[0][0] < state.now - self.window_s:
            snaps.popleft()
        target = self.target_share * self.cap

        def rate(since: float) -> float | None:
            base = next((s for s in snaps if s[0] >= since), snaps[0])
            live = state.live - base[1]
            return (state.abandoned - base[2]) / live if live >= 20 else None

        window, recent = rate(state.now - self.window_s), rate(state.now - SHORT_WINDOW_S)
        if window is None:
            return
        if window > target and (recent is None or recent > target):
            self.threshold = max(0.002, self.threshold * 0.8)
        elif window < target:
            self.threshold = min(0.3, self.threshold * 1.03)

    def risk(self, state: DialerState, extra: np.ndarray) -> np.ndarray:
        """The estimated abandonment probability of a dial placed after `extra` others now."""
        t, ring, new, done, step = self._tables
        fin_mu = np.zeros(len(t))
        fin_var = np.zeros(len(t))
        if self.oracle and state.busy_remaining is not None:
            rem = np.asarray(state.busy_remaining)
            fin_mu = (rem[:, None] <= t[None, :] + self.patience_s).sum(axis=0).astype(float)
        elif state.busy_elapsed:
            idx = np.minimum((np.asarray(state.busy_elapsed) / step[0]).astype(int), len(done) - 1)
            q = done[idx]
            fin_mu, fin_var = q.sum(axis=0), (q * (1 - q)).sum(axis=0)
        arr_mu = np.zeros(len(t))
        arr_var = np.zeros(len(t))
        if state.ringing_elapsed:
            ridx = np.asarray(state.ringing_elapsed) / RING_STEP_S
            r = ring[np.minimum(ridx.astype(int), len(ring) - 1)]
            arr_mu, arr_var = r.sum(axis=0), (r * (1 - r)).sum(axis=0)
        n = extra[:, None].astype(float)
        demand = arr_mu[None, :] + n * new[None, :]
        mean = state.free_agents - state.waiting + fin_mu[None, :] - demand
        p = max(self._p, 1e-3)
        p_var = p * (1 - p) / min(self._n, 1.0 / self.alpha)
        var = fin_var + arr_var + n * new * (1 - new) + demand**2 * p_var / (p * p) + 0.05
        return np.asarray(ndtr((0.5 - mean) / np.sqrt(var)).mean(axis=1))

    def dials(self, state: DialerState) -> int:
        dt, self._now = state.now - self._now, state.now
        decay = math.exp(-dt / self.window_s)
        self._exposure = self._exposure * decay + len(state.busy_elapsed) * dt
        self._finished *= decay
        if state.now >= self._next_tick:
            self._next_tick = state.now + self.tick_s
            self._outer(state)
        self._learn()
        if state.now - self._built >= (5.0 if state.now < 300 else 30.0):
            self._build()
            self._built = state.now
        if state.agents == 0:
            return 0
        cap = min(self.max_extra, 4 * (state.free_agents + len(state.busy_elapsed)) + 16)
        risks = self.risk(state, np.arange(cap + 1))
        # while dials in flight do not outnumber free agents, no live answer can wait: the
        # normal approximation overstates the risk of such dials with few agents, so skip it
        safe = min(cap, max(0, state.free_agents - state.waiting - state.in_flight))
        risks[:safe] = 0.0
        budget = self._budget(state)
        spent = np.cumsum(risks)
        over = np.flatnonzero((risks >= self.threshold) | (spent > budget))
        n = max(safe, int(over[0]) if len(over) else cap)
        if n:
            self._committed.append((state.now, float(spent[n - 1])))
            self._committed_sum += float(spent[n - 1])
        return n

    def _budget(self, state: DialerState) -> float:
        """Expected abandons new dials may add: what the windows around now can still afford.

        The trailing window (at the start of the shift, all of it) holds L live answers and A
        abandons; `risk` is the expected abandons of the dials placed in the last LAG_S and of
        the waiting calls. A window stays within the cap while A <= cap x L, so new risk is
        allowed up to `budget_share` x (floor(cap x L) - A) - risk, and `floor_risk` - risk at
        least. With `end_guard_s`, the windows that start now and are cut by a shift end at the
        next multiple of it hold only the answers expected after this dial's own (0.8 x the
        trailing rate, to allow for noise), so near it the budget shrinks likewise.
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
        afford = math.floor(self.cap * live_w) - aband_w
        budget = self.budget_share * afford - risk
        if self.end_guard_s > 0:
            span = min(now, self.window_s)
            rate = live_w / span if span > 60 else 0.0
            left = self.end_guard_s - now % self.end_guard_s
            ahead = 0.8 * rate * max(0.0, left - 45.0)  # answers after its own, less noise
            budget = min(
                budget, self.end_share * (math.floor(self.cap * ahead) - self.end_margin) - risk
            )
        return max(budget, self.floor_risk - risk, 0.0)


def PredictiveOracle(cap: float = 0.03, window_s: float = 3600.0) -> Predictive:
    """The predictive pacer told each busy agent's true remaining handle time (a reference)."""
    return Predictive(cap=cap, window_s=window_s, oracle=True)
