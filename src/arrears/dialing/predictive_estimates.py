"""What the predictive pacer knows besides the floor: running lognormal fits, the shift plan, and
the answers a shift's remaining agent time brings at least."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import binom


@dataclass
class LogMoments:
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

    def expected(self) -> float:
        """The fitted lognormal's mean."""
        return math.exp(self.mu + 0.5 * self.var)

    def survival(self, x: np.ndarray) -> np.ndarray:
        sd = math.sqrt(max(self.var, 1e-6))
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - self.mu) / sd
        return np.asarray(1.0 - ndtr(z))

    def quantiles(self, qs: tuple[float, ...]) -> np.ndarray:
        sd = math.sqrt(max(self.var, 1e-6))
        return np.asarray(np.exp(self.mu + sd * ndtri(np.array(qs))))


@dataclass(frozen=True)
class ShiftPlan:
    """The campaign's shift plan: agents scheduled per hour (cycled) and the shift's length.

    This is what a dialer is told by the workforce schedule, not a simulator truth: who logs in
    or out on the hour, and when the shift ends.
    """

    agents: tuple[int, ...]
    duration_s: float
    hour_s: float = 3600.0

    def __post_init__(self) -> None:
        if not self.agents or any(a < 0 for a in self.agents):
            raise ValueError("agents must be a non-empty tuple of counts >= 0")
        if not (self.duration_s > 0 and self.hour_s > 0):
            raise ValueError("duration_s and hour_s must be > 0")

    def agents_at(self, t: float) -> int:
        """Agents scheduled at time `t` (none from the end on)."""
        if t >= self.duration_s:
            return 0
        return self.agents[int(t // self.hour_s) % len(self.agents)]

    def end_after(self, t: float) -> float:
        """When the agents next all leave, from `t` on: the shift end or an empty hour."""
        if not self.agents_at(t):
            return t
        h = int(t // self.hour_s) + 1
        while h * self.hour_s < self.duration_s and self.agents[h % len(self.agents)] > 0:
            h += 1
        return min(self.duration_s, h * self.hour_s)

    def agent_seconds(self, t0: float, t1: float) -> float:
        """Scheduled agent-seconds between `t0` and `t1`."""
        total, t = 0.0, t0
        while t < min(t1, self.duration_s):
            step = min(t1, self.duration_s, (math.floor(t / self.hour_s) + 1) * self.hour_s)
            total += self.agents_at(t) * (step - t)
            t = step
        return total


def answers_ahead(
    agent_s: float, p_live: float, ring_s: float, delay_s: float, handle_s: float, z: float = 0.0
) -> float:
    """The live answers `agent_s` agent-seconds bring at least, less `z` Poisson deviations.

    A floor that dials one line per free agent (the least the predictive pacer places) turns
    each agent's time into cycles of a handle time plus the ringing until a live answer: on
    average (1 - p) / p rings that end otherwise (`ring_s` each) and the live one's delay.
    """
    if agent_s <= 0 or p_live <= 0:
        return 0.0
    cycle = handle_s + (1.0 - p_live) / p_live * ring_s + delay_s
    n = agent_s / cycle
    return max(0.0, n - z * math.sqrt(n))


def live_tail(ringing: np.ndarray, p_new: float, n_max: int, at_least: int) -> np.ndarray:
    """P(at least `at_least` live answers in all) from calls ringing with these chances of
    still turning live and n new dials of chance `p_new`, for n = 0 ... `n_max` (exact)."""
    pmf = np.zeros(len(ringing) + 1)
    pmf[0] = 1.0
    for i, r in enumerate(ringing):  # the ringing calls' count: a sum of Bernoullis
        pmf[1 : i + 2] = pmf[1 : i + 2] * (1.0 - r) + pmf[: i + 1] * r
        pmf[0] *= 1.0 - r
    need = at_least - np.arange(len(pmf))  # live answers the new dials must bring
    n = np.arange(n_max + 1)[:, None]
    return np.asarray((binom.sf(need[None, :] - 1, n, p_new) * pmf[None, :]).sum(axis=1))
