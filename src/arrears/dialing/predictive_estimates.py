"""What the predictive pacer knows besides the floor: running lognormal fits, the shift plan."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri


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
