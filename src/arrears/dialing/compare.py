"""The pacers side by side on one scenario, over the same seeds.

Six rows: progressive 1:1; open loop at the Erlang B rate for the cap (closed form from the
scenario's true parameters, hour by hour when it has profiles); the best fixed ratio in
hindsight (the grid 1.0, 1.1 … 4.0, searched with the same seeds: the highest mean occupancy
whose worst-window abandonment is within the cap in every seed; feasibility is taken as
monotone in the ratio, so a bisection plus its neighbours); the Vicidial-style pacer; the
predictive pacer, given the campaign's shift plan (agents per hour and the shift end, which a
real dialer is told; never the answer rates or handle times); and the same told the remaining
handle times (an upper reference). Pooled
abandonment is Σ abandoned / Σ live over the seeds; the worst window is the max over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from arrears.dialing.erlang import open_loop_rate_for
from arrears.dialing.pacing import FixedRatio, Pacer, Progressive
from arrears.dialing.predictive import Predictive, PredictiveOracle, ShiftPlan
from arrears.dialing.scenario import HOUR_S, Scenario
from arrears.dialing.sim import SimResult, simulate
from arrears.dialing.vicidial import Vicidial

RATIOS = tuple(round(1.0 + 0.1 * k, 1) for k in range(31))
PACERS = ("progressive", "open-loop Erlang B", "best fixed ratio", "vicidial", "predictive",
          "predictive oracle")  # fmt: skip
Progress = Callable[[str], None]  # told after each simulated shift


@dataclass(frozen=True)
class Row:
    """One pacer's figures over the seeds."""

    pacer: str
    occupancy: float  # mean over seeds
    abandon_rate: float  # pooled
    worst_window: float  # max over seeds
    dials_per_agent_hour: float
    note: str = ""


@dataclass(frozen=True)
class HourlyOpenLoop:
    """Poisson dials at a rate set per hour (the last one repeats)."""

    rates_per_s: tuple[float, ...]

    @property
    def reserves_agent(self) -> bool:
        return False

    def dials(self, state: object) -> int:
        return 0

    def next_dial_at(self, now: float, rng: np.random.Generator) -> float | None:
        rate = self.rates_per_s[min(int(now // HOUR_S), len(self.rates_per_s) - 1)]
        return now + float(rng.exponential(1.0 / rate)) if rate > 0 else now + 60.0


def erlang_open_loop(scenario: Scenario, cap: float) -> HourlyOpenLoop:
    """Each hour, the Erlang B rate at the cap for that hour's agents, p_live and handle."""
    rates = []
    for hour in range(max(1, int(np.ceil(scenario.duration_s / HOUR_S)))):
        mid = (hour + 0.5) * HOUR_S
        agents, p = scenario.agents_at(hour), scenario.p_live_at(mid)
        ok = agents >= 1 and p > 0
        handle = scenario.mean_handle_at(mid)
        rates.append(open_loop_rate_for(cap, agents, p, handle) if ok else 0.0)
    return HourlyOpenLoop(tuple(rates))


def shift_plan(scenario: Scenario) -> ShiftPlan:
    """What the campaign schedules: agents per hour over the shift, and its end (no truths)."""
    hours = max(1, math.ceil(scenario.duration_s / HOUR_S))
    agents = tuple(scenario.agents_at(h) for h in range(hours))
    return ShiftPlan(agents, scenario.duration_s, HOUR_S)


def _row(name: str, results: list[SimResult], note: str = "") -> Row:
    live = sum(r.live for r in results)
    agent_s = sum(r.agent_seconds for r in results)
    return Row(
        pacer=name,
        occupancy=float(np.mean([r.occupancy for r in results])),
        abandon_rate=sum(r.abandoned for r in results) / live if live else 0.0,
        worst_window=max(r.worst_window_abandon_rate for r in results),
        dials_per_agent_hour=sum(r.dials for r in results) / agent_s * HOUR_S if agent_s else 0.0,
        note=note,
    )


def compare(
    scenario: Scenario,
    seeds: int = 5,
    cap: float = 0.03,
    *,
    window_s: float = HOUR_S,
    progress: Progress | None = None,
    ratios: tuple[float, ...] = RATIOS,
) -> list[Row]:
    """The six pacers' rows on `scenario`, each run with seeds 0 … seeds − 1."""
    if seeds < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")

    def run(name: str, make: Callable[[], Pacer]) -> list[SimResult]:
        out = []
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            out.append(simulate(scenario, make(), rng, window_s=window_s))
            if progress is not None:
                progress(name)
        return out

    tried: dict[float, list[SimResult]] = {}

    def feasible(k: int) -> bool:
        ratio = ratios[k]
        if ratio not in tried:
            tried[ratio] = run(f"fixed ratio {ratio}", lambda: FixedRatio(ratio))
        return all(r.worst_window_abandon_rate <= cap for r in tried[ratio])

    lo, hi = 0, len(ratios) - 1  # largest feasible index, if feasibility rises then falls
    if feasible(hi):
        lo = hi
    elif feasible(lo):
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if feasible(mid) else (lo, mid)
        for k in (lo - 1, lo + 1):  # the neighbours, against noise in the bisection
            if 0 <= k < len(ratios):
                feasible(k)
    ok = [r for r in tried if all(x.worst_window_abandon_rate <= cap for x in tried[r])]
    best = max(ok, key=lambda r: np.mean([x.occupancy for x in tried[r]]), default=ratios[0])
    note = f"ratio {best}" + ("" if ok else " (none within the cap)")
    plan = shift_plan(scenario)  # the campaign's schedule, which a real dialer is given
    rows = [
        _row(PACERS[0], run(PACERS[0], Progressive)),
        _row(PACERS[1], run(PACERS[1], lambda: erlang_open_loop(scenario, cap))),
        _row(PACERS[2], tried[best], note),
        _row(PACERS[3], run(PACERS[3], lambda: Vicidial(cap=cap))),
        _row(PACERS[4], run(PACERS[4], lambda: Predictive(cap, window_s, plan=plan))),
        _row(PACERS[5], run(PACERS[5], lambda: PredictiveOracle(cap, window_s, plan))),
    ]
    return rows


def expected_runs(seeds: int) -> int:
    """About how many shifts `compare` simulates (five pacers and ~six ratios, per seed)."""
    return seeds * 11
