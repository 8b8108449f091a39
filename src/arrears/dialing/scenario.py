"""A dialing floor to simulate: agents, how dials end, how long calls last, over one shift.

Each dial is answered live by a person with probability `p_live` (after a lognormal delay);
otherwise it is busy (a busy tone after 2–6 s, share `busy_share` of the non-live), an answering
machine (detected after a lognormal ~15 s, share `machine_share`) or not answered (the rest,
ending at a 30 s timeout). A live call with no agent free within `patience_s` is abandoned.
Handle time (talk + wrap) is lognormal. Optional hourly profiles, cycled from the start, scale
`p_live` and set the agents logged in; `handle_drift` grows the mean handle linearly over the
day (+20 % at the end for 0.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOUR_S = 3600.0
BUSY_DELAY_S = (2.0, 6.0)
MACHINE_DELAY_MEAN_S = 15.0
MACHINE_DELAY_CV = 0.3
NO_ANSWER_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Scenario:
    """One stationary or hourly-profiled dialing shift; times in seconds."""

    name: str
    agents: int
    p_live: float
    mean_handle_s: float
    handle_cv: float = 0.9
    answer_delay_mean_s: float = 12.0
    answer_delay_cv: float = 0.5
    busy_share: float = 0.2
    machine_share: float = 0.4
    patience_s: float = 2.0
    duration_s: float = 8 * HOUR_S
    live_profile: tuple[float, ...] | None = None
    agent_profile: tuple[int, ...] | None = None
    handle_drift: float = 0.0

    def __post_init__(self) -> None:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise ValueError(f"scenario {self.name!r}: {what}")

        floats = {
            "p_live": self.p_live, "mean_handle_s": self.mean_handle_s,
            "handle_cv": self.handle_cv, "answer_delay_mean_s": self.answer_delay_mean_s,
            "answer_delay_cv": self.answer_delay_cv, "busy_share": self.busy_share,
            "machine_share": self.machine_share, "patience_s": self.patience_s,
            "duration_s": self.duration_s, "handle_drift": self.handle_drift,
        }  # fmt: skip
        for field, value in floats.items():
            need(math.isfinite(value), f"{field} must be a finite number, got {value!r}")
        need(isinstance(self.agents, int) and self.agents >= 1, "agents must be an int >= 1")
        need(0.0 <= self.p_live <= 1.0, f"p_live must be in [0, 1], got {self.p_live}")
        need(self.mean_handle_s > 0, "mean_handle_s must be > 0")
        need(self.answer_delay_mean_s > 0, "answer_delay_mean_s must be > 0")
        need(self.handle_cv >= 0 and self.answer_delay_cv >= 0, "CVs must be >= 0")
        need(self.busy_share >= 0 and self.machine_share >= 0, "outcome shares must be >= 0")
        need(self.busy_share + self.machine_share <= 1.0, "busy_share + machine_share must be <= 1")
        need(self.patience_s >= 0, "patience_s must be >= 0")
        need(self.duration_s > 0, "duration_s must be > 0")
        need(self.handle_drift > -1.0, "handle_drift must be > -1 (the mean handle stays > 0)")
        if self.live_profile is not None:
            need(len(self.live_profile) > 0, "live_profile must not be empty")
            need(
                all(math.isfinite(m) and m >= 0 for m in self.live_profile),
                "live_profile multipliers must be finite and >= 0",
            )
            need(self.p_live * max(self.live_profile) <= 1.0, "p_live x live_profile exceeds 1")
        if self.agent_profile is not None:
            need(len(self.agent_profile) > 0, "agent_profile must not be empty")
            need(
                all(isinstance(a, int) and a >= 0 for a in self.agent_profile),
                "agent_profile must hold ints >= 0",
            )

    @property
    def pool(self) -> int:
        """How many distinct agents ever log in: the profile's peak, else `agents`."""
        return max(self.agent_profile) if self.agent_profile is not None else self.agents

    def p_live_at(self, t: float) -> float:
        """The probability that a dial placed at time `t` is answered live."""
        if self.live_profile is None:
            return self.p_live
        return self.p_live * self.live_profile[int(t // HOUR_S) % len(self.live_profile)]

    def agents_at(self, hour: int) -> int:
        """Agents logged in during hour `hour` (counted from the start)."""
        if self.agent_profile is None:
            return self.agents
        return self.agent_profile[hour % len(self.agent_profile)]

    def mean_handle_at(self, t: float) -> float:
        """Mean handle time of a call connected at time `t` (linear drift over the shift)."""
        return self.mean_handle_s * (1.0 + self.handle_drift * min(t / self.duration_s, 1.0))


def _grid() -> dict[str, Scenario]:
    out: dict[str, Scenario] = {}
    for agents in (10, 20, 50):
        for p_live in (0.15, 0.30):
            for handle in (120.0, 200.0):
                name = f"n{agents}-p{round(p_live * 100)}-h{round(handle)}"
                out[name] = Scenario(name, agents, p_live, handle)
    return out


SCENARIOS: dict[str, Scenario] = {
    **_grid(),
    "day": Scenario(
        "day",
        agents=30,
        p_live=0.25,
        mean_handle_s=150.0,
        duration_s=9 * HOUR_S,
        live_profile=(0.5, 0.8, 1.0, 1.3, 1.5, 1.3, 1.0, 0.7, 0.5),
        agent_profile=(10, 15, 20, 30, 30, 25, 20, 20, 20),
        handle_drift=0.2,
    ),
}
