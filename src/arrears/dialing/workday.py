"""Work one team's call list for a day on a simulated floor, in one of the dialer modes.

The list's calls go through a `Campaign` (each dial cleared by the pre-dial guard, each attempt
on the ledger) to a floor that dials them in the chosen mode: `predictive` (the predictive
pacer, abandonment held under the cap), `progressive` (one dial per free agent, never
abandons), `preview` (progressive after the agent has read the case for `preview_s`), `robot`
(robot lines only) or `robot-then-human` (the robot hands willing customers over to free
agents). The shift runs from the first slot of the list to an hour after its last (at most a
day); the floor's answer rate and handle time are the caller's assumptions.

`work_lists` works several lists at once (one per team, the robot's, the IVR's), each on its own
floor, on one clock: the floors' events are taken in time order, and their campaigns share the
day's ledger (`campaign.DayLedger`), so the guard of each sees every floor's dials and no
customer is on two floors at once; they ask the guard together, one call per batch for every
floor whose batch is over. A list's calls may carry their own answer chance (`p_live`) and a
time they must be dialled by (`dial_by`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from arrears.compliance.predial import PreDial
from arrears.dialing.campaign import Campaign, CampaignSettings, DayLedger
from arrears.dialing.limits_of_law import AbandonmentLimit, abandonment_limit
from arrears.dialing.pacing import Pacer, Preview, Progressive
from arrears.dialing.predictive import Predictive, ShiftPlan
from arrears.dialing.robot import RobotResult, RobotSettings, _RobotFloor, simulate_robot
from arrears.dialing.scenario import HOUR_S, Scenario
from arrears.dialing.sim import SimResult, _Floor, simulate

MODES: tuple[str, ...] = ("predictive", "progressive", "preview", "robot", "robot-then-human")


@dataclass(frozen=True)
class Floor:
    """What the simulated floor looks like: agents, robot lines, answer rate, handle time;
    the robot's talk time and the share of its conversations handed to an agent; how long a
    live answer waits for an agent; the predictive pacer's window (None: an hour) and whether
    it is told the shift's plan (its agents, all the shift, and its end)."""

    agents: int = 10
    lines: int = 20
    p_live: float = 0.25
    mean_handle_s: float = 150.0
    preview_s: float = 20.0
    intent: float = 0.3
    robot_talk_s: float = 45.0
    patience_s: float = 2.0
    pacer_window_s: float | None = None
    shift_plan: bool = False  # tell the predictive pacer the shift plan (agents, end)


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
    scenario = _scenario(mode, floor, hours)
    if mode in ("robot", "robot-then-human"):
        robot = simulate_robot(scenario, _robot(mode, floor), rng, leads=campaign)
        return Worked(campaign, start, hours, robot.floor, robot, limit)
    result = simulate(scenario, _pacer(mode, floor, limit, hours), rng, leads=campaign,
                      window_s=limit.window_s)  # fmt: skip
    return Worked(campaign, start, hours, result, None, limit)


def _scenario(mode: str, floor: Floor, hours: float) -> Scenario:
    return Scenario(
        f"{mode} shift", max(floor.agents, 1), floor.p_live, floor.mean_handle_s,
        patience_s=floor.patience_s, duration_s=hours * HOUR_S,
    )  # fmt: skip


def _robot(mode: str, floor: Floor) -> RobotSettings:
    intent = floor.intent if mode == "robot-then-human" and floor.agents > 0 else 0.0
    return RobotSettings(
        lines=floor.lines, intent=intent, pace=intent > 0, talk_mean_s=floor.robot_talk_s
    )


def _pacer(mode: str, floor: Floor, limit: AbandonmentLimit, hours: float) -> Pacer:
    if mode == "predictive":
        plan = ShiftPlan((max(floor.agents, 1),), hours * HOUR_S) if floor.shift_plan else None
        return Predictive(cap=limit.rate, window_s=floor.pacer_window_s or HOUR_S, plan=plan)
    if mode == "preview":
        return Preview(floor.preview_s)
    return Progressive()


@dataclass(frozen=True)
class Shift:
    """One list of a day worked side by side with others (`work_lists`): its calls, its mode
    and floor, and the names of its agents in the attempts written."""

    name: str
    calls: pl.DataFrame
    mode: str
    floor: Floor
    agent_ids: list[str] | None = None


def work_lists(
    state: PreDial,
    shifts: Sequence[Shift],
    rngs: Sequence[np.random.Generator],
    settings: CampaignSettings | None = None,
    fixed: pl.DataFrame | None = None,
) -> list[Worked]:
    """Work every shift's list on its own floor, all on one clock from the first slot of any
    list to an hour past the last slot's end (at most 48 h: a day's lists over time zones
    span more than a day); `fixed` are the day's other contacts (the `attempts` layout), on
    the shared ledger from the start. One generator per shift."""
    if len(rngs) != len(shifts):
        raise ValueError("one generator per shift")
    for shift in shifts:
        if shift.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {shift.mode!r}")
    slots = pl.concat([s.calls.select("slot_start", "slot_end") for s in shifts])
    start, _ = shift_of(slots)  # a day's lists over several zones may span more than 24 h
    last = slots.get_column("slot_end").max()
    assert isinstance(last, datetime)
    hours = min(48.0, (last - start).total_seconds() / HOUR_S + 1.0)
    limit = abandonment_limit(state.presets)
    contacts = pl.concat([s.calls.get_column("contact_id") for s in shifts])
    day = DayLedger(fixed=fixed, state=state.for_customers(state.customers_of(contacts)))
    floors: list[_Floor] = []
    campaigns: list[Campaign] = []
    for shift, rng in zip(shifts, rngs, strict=True):
        reserving = shift.mode in ("progressive", "preview")
        campaign = Campaign(state, shift.calls, start, settings, shift.agent_ids,
                            agent_reserved=reserving, shared=day)  # fmt: skip
        scenario = _scenario(shift.mode, shift.floor, hours)
        if shift.mode in ("robot", "robot-then-human"):
            floors.append(
                _RobotFloor(scenario, _robot(shift.mode, shift.floor), rng, None, campaign)
            )
        else:
            floors.append(
                _Floor(scenario, _pacer(shift.mode, shift.floor, limit, hours), rng, None, campaign)
            )
        campaigns.append(campaign)
    for f in floors:
        f.begin()
    while True:  # the floors' events in time order (ties: the first floor first)
        at, first = min(((f.next_at(), i) for i, f in enumerate(floors)), default=(math.inf, -1))
        if at == math.inf:
            break
        floors[first].step()
    out = []
    for f, campaign in zip(floors, campaigns, strict=True):
        result = f.end(limit.window_s if not isinstance(f, _RobotFloor) else HOUR_S)
        robot = _robot_result(f, result) if isinstance(f, _RobotFloor) else None
        out.append(Worked(campaign, start, hours, result, robot, limit))
    return out


def _robot_result(f: _RobotFloor, result: SimResult) -> RobotResult:
    """The robot's counts, as `robot.simulate_robot` gives them."""
    sc = f.sc
    return RobotResult(
        floor=result, conversations=f.conversations, wanted_person=f.wanted,
        handovers=f.handovers, callbacks=f.callbacks,
        line_occupancy=min(1.0, f.line_s / (f.robot.lines * sc.duration_s)),
    )  # fmt: skip
