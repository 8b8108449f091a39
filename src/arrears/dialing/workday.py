"""Work one team's call list for a day on a simulated floor, in one of the dialer modes.

The list's calls go through a `Campaign` (each dial cleared by the pre-dial guard, each attempt
on the ledger) to a floor that dials them in the chosen mode: `predictive` (the predictive
pacer, abandonment held under the cap), `progressive` (one dial per free agent, never
abandons), `preview` (progressive after the agent has read the case for `preview_s`), `robot`
(robot lines only) or `robot-then-human` (the robot hands willing customers over to free
agents). The shift runs from the first slot of the list to an hour after its last (at most a
day); the floor's answer rate and handle time are the caller's assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from arrears.compliance.predial import PreDial
from arrears.dialing.campaign import Campaign, CampaignSettings
from arrears.dialing.limits_of_law import AbandonmentLimit, abandonment_limit
from arrears.dialing.pacing import Pacer, Preview, Progressive
from arrears.dialing.predictive import Predictive
from arrears.dialing.robot import RobotResult, RobotSettings, simulate_robot
from arrears.dialing.scenario import HOUR_S, Scenario
from arrears.dialing.sim import SimResult, simulate

MODES: tuple[str, ...] = ("predictive", "progressive", "preview", "robot", "robot-then-human")


@dataclass(frozen=True)
class Floor:
    """What the simulated floor looks like: agents, robot lines, answer rate, handle time."""

    agents: int = 10
    lines: int = 20
    p_live: float = 0.25
    mean_handle_s: float = 150.0
    preview_s: float = 20.0


@dataclass(frozen=True)
class Worked:
    campaign: Campaign
    start: datetime
    hours: float
    result: SimResult
    robot: RobotResult | None
    limit: AbandonmentLimit


def shift_of(calls: pl.DataFrame) -> tuple[datetime, float]:
    """The first slot's start and the hours to an hour past the last slot's end (≤ 24)."""
    slotted = calls.filter(pl.col("slot_start").is_not_null())
    if slotted.is_empty():
        raise ValueError("the call list has no slotted calls")
    start = slotted.get_column("slot_start").min()
    end = slotted.get_column("slot_end").max()
    assert isinstance(start, datetime) and isinstance(end, datetime)
    return start, min(24.0, (end - start).total_seconds() / HOUR_S + 1.0)


def work_list(
    state: PreDial,
    calls: pl.DataFrame,
    mode: str,
    floor: Floor,
    rng: np.random.Generator,
    settings: CampaignSettings | None = None,
) -> Worked:
    """Dial `calls` (call-list rows) in `mode` on `floor`; the campaign holds the attempts.

    The predictive pacer holds the strictest abandonment rate of the presets in every hour
    (and so in the longer windows the presets name); the result's worst window is measured
    over the longest of those windows."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    start, hours = shift_of(calls)
    limit = abandonment_limit(state.presets)
    # a progressive dial holds its agent: the guard may allow what needs a live agent
    reserving = mode in ("progressive", "preview")
    campaign = Campaign(state, calls, start, settings, agent_reserved=reserving)
    agents = max(floor.agents, 1)
    scenario = Scenario(
        f"{mode} shift", agents, floor.p_live, floor.mean_handle_s, duration_s=hours * HOUR_S
    )
    if mode in ("robot", "robot-then-human"):
        intent = 0.3 if mode == "robot-then-human" and floor.agents > 0 else 0.0
        robot = simulate_robot(
            scenario,
            RobotSettings(lines=floor.lines, intent=intent, pace=intent > 0),
            rng,
            leads=campaign,
        )
        return Worked(campaign, start, hours, robot.floor, robot, limit)
    pacer: Pacer = Progressive()
    if mode == "predictive":
        pacer = Predictive(cap=limit.rate)
    elif mode == "preview":
        pacer = Preview(floor.preview_s)
    result = simulate(scenario, pacer, rng, leads=campaign, window_s=limit.window_s)
    return Worked(campaign, start, hours, result, None, limit)
