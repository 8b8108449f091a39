"""The dialer floor inside the simulated day (`Knobs.dialer` other than `none`).

Without a floor every slotted call happens at a minute of its slot. With one, the day's voice
calls go through the real dialing code (`arrears.dialing.workday.work_lists`): each list is
worked on its own floor, all floors on one clock, each dial cleared first by the pre-dial
guard through a `Campaign` that sees the whole day's ledger so far (every floor's dials and
the day's other contacts):

- each team's human calls on a floor of the team's active agents (the book's `agents` table),
  in the knob's mode (`progressive`, `predictive` or `preview`); a team with no agents in the
  table (an agency, a team the data lacks) on a floor of its own, as many agents as its
  busiest hour of the list needs at the strategy's calls per agent-hour;
- robot calls on `robot_lines` lines (`robot`, or `robot-then-human`, which hands
  `handover_share` of the robot's conversations to a desk of `handover_agents` agents);
- IVR calls on `ivr_lines` lines (`robot` mode: a recording never waits for an agent).

A call is dialled at most once, from its slot's start until its slot's end (`dial_by`); one the
floor could not place by then (no agent, no line, the guard said not yet) does not happen.
Who answers is the world's: each lead carries the world's keyed answer for its slot (a live
debtor or third party, `contact.plan_calls`) as its chance of a live answer (1 or 0), so both
arms of a comparison still get the same answer to the same call. The floor decides when the
dial goes and whether an agent is there: a live answer with no agent free within the preset's
`live_agent_within_seconds` is abandoned (the ledger's `abandoned`, which the guard then
counts, e.g. GB's 72-hour rest); one taken by an agent is the world's right-party or
third-party conversation. A call nobody answered gets the world's outcome mix without
`abandoned` (only the floor abandons). Handle times are the knobs' `minutes_answered`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from arrears.compliance.predial import PreDial
from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.dialing.campaign import CampaignSettings
from arrears.dialing.schedule import Settings
from arrears.dialing.workday import Floor, Shift, Worked, work_lists
from arrears.generate._common import gather, utc_series
from arrears.generate.history import DEBTOR_OUTCOMES
from arrears.planning.plan import PlanResult
from arrears.simulation.contact import Calls, Dialled
from arrears.simulation.crn import stream
from arrears.simulation.world import World

_C = {name: i for i, name in enumerate(CHANNELS)}
_O = {name: i for i, name in enumerate(OUTCOMES)}
FLOOR_CHANNELS = np.array([_C["human_call"], _C["robot_call"], _C["ivr"]])
COUNTS: tuple[str, ...] = (
    "listed", "dials", "live", "abandoned", "unplaced", "refused", "handovers",
)  # fmt: skip


def _no_abandon_cdf() -> np.ndarray:
    """Per channel, the outcomes of a call nobody answered, without `abandoned`."""
    mix = DEBTOR_OUTCOMES.copy()
    mix[:, [_O["rpc"], _O["third_party"], _O["abandoned"]]] = 0.0
    total = mix.sum(axis=1, keepdims=True)
    return np.cumsum(np.divide(mix, total, out=np.zeros_like(mix), where=total > 0), axis=1)


_NOBODY_CDF = _no_abandon_cdf()
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)


class DayDialer:
    """The floors of one day: `dial_day` is a `contact.Dialer`."""

    def __init__(self, state: PreDial, settings: Settings) -> None:
        self.state = state
        self.settings = settings
        dialer = [p.dialer.get("live_agent_within_seconds") for p in state.presets.values()]
        waits = [float(w) for w in dialer if w is not None]
        self.patience_s = min(waits, default=2.0)

    def __call__(self, world: World, plan: PlanResult, calls: Calls) -> tuple[Calls, Dialled]:
        return self.dial_day(world, plan, calls)

    def dial_day(self, world: World, plan: PlanResult, calls: Calls) -> tuple[Calls, Dialled]:
        """Work the voice calls on the floors; the other calls happen as planned."""
        voice = np.isin(calls.ch, FLOOR_CHANNELS)
        rows = np.flatnonzero(voice)
        if rows.size == 0 or plan.call_lists is None:
            return calls, Dialled.nothing(calls.acc.size)
        leads = _leads(calls, rows, plan.call_lists)
        shifts = self._shifts(world, leads)
        rngs = [stream(world.seed, world.day, "dialer", i) for i in range(len(shifts))]
        others = calls.take(np.flatnonzero(~voice))
        worked = work_lists(
            self.state,
            shifts,
            rngs,
            CampaignSettings(hopper=1000, max_attempts=1),
            _attempts(others),
        )
        return _outcome(world, calls, shifts, worked)

    def _shifts(self, world: World, leads: pl.DataFrame) -> list[Shift]:
        k = world.knobs
        minutes = k.by_channel("minutes_answered")
        handle_s = 60.0 * minutes[_C["human_call"]]
        agents = world.static["agents"].filter(pl.col("active").fill_null(True))
        shifts = []
        humans = leads.filter(pl.col("channel") == "human_call")
        for (team,), calls in sorted(humans.group_by("team"), key=lambda g: str(g[0][0])):
            ids = sorted(agents.filter(pl.col("team_id") == team).get_column("agent_id"))
            n = len(ids) or self._agency_agents(calls)
            floor = Floor(agents=n, p_live=_mean_p(calls), mean_handle_s=handle_s,
                          patience_s=self.patience_s, shift_plan=True)  # fmt: skip
            shifts.append(Shift(f"team {team}", calls, k.dialer, floor, ids or None))
        robot = leads.filter(pl.col("channel") == "robot_call")
        if robot.height:
            floor = Floor(
                agents=k.handover_agents, lines=k.robot_lines, p_live=_mean_p(robot),
                mean_handle_s=handle_s, intent=k.handover_share,
                robot_talk_s=60.0 * minutes[_C["robot_call"]], patience_s=self.patience_s,
            )  # fmt: skip
            shifts.append(Shift("robot", robot, k.robot_dialer, floor))
        ivr = leads.filter(pl.col("channel") == "ivr")
        if ivr.height:
            floor = Floor(agents=0, lines=k.ivr_lines, p_live=_mean_p(ivr),
                          robot_talk_s=60.0 * minutes[_C["ivr"]])  # fmt: skip
            shifts.append(Shift("ivr", ivr, "robot", floor))
        return shifts

    def _agency_agents(self, calls: pl.DataFrame) -> int:
        """Agents enough for the list's busiest hour at the calls per agent-hour it assumed."""
        busiest = calls.group_by(pl.col("slot_start").dt.truncate("1h")).len()["len"].max()
        assert isinstance(busiest, int)
        return max(1, math.ceil(busiest / max(self.settings.calls_per_agent_hour, 1)))


def _mean_p(calls: pl.DataFrame) -> float:
    mean = calls.get_column("p_live").mean()
    return float(mean) if isinstance(mean, float) else 0.0


def _leads(calls: Calls, rows: np.ndarray, lists: pl.DataFrame) -> pl.DataFrame:
    """The voice calls as call-list rows for the campaigns: the list's team and position, the
    world's answer as the lead's chance, the slot's end as the time to dial by."""
    timed = calls.timed[rows]
    listed = lists.select("action_id", pl.col("team").alias("_team"), "position")
    frame = timed.select(
        "action_id", "account_id", "contact_id", "channel", "slot_start",
        "slot_end", pl.col("slot_end").alias("dial_by"), pl.col("team"),
    ).with_columns(
        pl.Series("p_live", calls.live[rows].astype(np.float64)),
        pl.Series("_row", rows),
    )  # fmt: skip
    frame = frame.join(listed, on="action_id", how="left", maintain_order="left")
    return frame.with_columns(
        pl.coalesce("_team", "team").fill_null("-").alias("team"),
        pl.col("position").fill_null(0),
    ).drop("_team")


def _attempts(calls: Calls) -> pl.DataFrame:
    """The day's other contacts, in the `attempts` layout (for the guard's view of the day)."""
    return pl.DataFrame(
        {
            "attempt_id": pl.Series(np.arange(calls.acc.size)).cast(pl.String),
            "account_id": calls.timed.get_column("account_id"),
            "contact_id": calls.timed.get_column("contact_id"),
            "channel": gather(CHANNELS, calls.ch),
            "at": utc_series("at", calls.at),
            "outcome": gather(OUTCOMES, calls.outcome),
            "agent_id": pl.Series([None] * calls.acc.size, dtype=pl.String),
        }
    )


def _outcome(
    world: World, calls: Calls, shifts: list[Shift], worked: list[Worked]
) -> tuple[Calls, Dialled]:
    """The calls that happened (the others, then the dials), with the floor's times and
    results; the floors' counts."""
    row, at, abandoned, handover, reserved, agent = [], [], [], [], [], []
    counts = dict.fromkeys(COUNTS, 0)
    for shift, w in zip(shifts, worked, strict=True):
        c = w.campaign
        start_us = (w.start - _UNIX) // timedelta(microseconds=1)
        is_robot = w.robot is not None
        names = shift.agent_ids or []
        for index, result, placed_at, who in c.dials:
            row.append(c.rows[index]["_row"])
            at.append(start_us + round(placed_at * 1e6))
            abandoned.append(result == "abandoned")
            handover.append(is_robot and result == "connected" and who >= 0)
            reserved.append(c.agent_reserved)
            agent.append(names[who] if 0 <= who < len(names) else None)
        counts["listed"] += len(c.rows)
        counts["dials"] += w.result.dials
        counts["live"] += w.result.live
        counts["abandoned"] += w.result.abandoned
        counts["unplaced"] += c.never_dialled()
        counts["refused"] += len(c.refusals)
        counts["handovers"] += w.robot.handovers if w.robot is not None else 0
    dialled = np.asarray(row, dtype=np.int64)
    others = np.flatnonzero(~np.isin(calls.ch, FLOOR_CHANNELS))
    kept = calls.take(np.concatenate([others, dialled]))
    n_other = others.size
    kept.at[n_other:] = np.asarray(at, dtype=np.int64)
    # a voice call nobody answered: the world's outcome mix, without `abandoned`
    v = slice(n_other, None)
    nobody = np.argmax(kept.u_out[v, None] < _NOBODY_CDF[kept.ch[v]], axis=1)
    dead = world.sim.contacts.dead[kept.point[v]]
    nobody = np.where(dead, _O["no_connect"], nobody)
    kept.outcome[v] = np.where(kept.live[v], kept.outcome[v], nobody)
    flags = [np.zeros(n_other, dtype=bool)]
    agents = pl.Series("agent", [None] * n_other + agent, dtype=pl.String)
    return kept, Dialled(
        abandoned=np.concatenate([*flags, np.asarray(abandoned, dtype=bool)]),
        handover=np.concatenate([*flags, np.asarray(handover, dtype=bool)]),
        reserved=np.concatenate([*flags, np.asarray(reserved, dtype=bool)]),
        agent=agents,
        counts=counts,
    )
