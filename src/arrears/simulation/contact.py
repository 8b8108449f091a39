"""The day's plan carried out in the simulated world: who answered, what it cost, who complained.

Each planned action takes place at its call-list slot (a minute inside the slot hour, inside
its window); an action the call lists could not place (no agent hour, a channel's hourly limit)
does not happen. A voice call is answered by the right party with the world's chance for that
number's rhythm, local hour and weekday (`arrears.generate.dynamics`); a dead number never
connects; another person's number is answered by a third party. Messages are delivered or fail
by the channel's mix. Every draw is keyed (`crn.uniform`), so both arms of a comparison get the
same answer to the same call.

`execute` is `plan_calls` (who is called when, and who would answer), then, with a dialer
floor (`floor.DayDialer`), the voice calls worked on it (placed or not, when, abandoned or
taken by an agent, handed over by the robot), then `consequences` (cost, complaints,
replies). Without a floor every slotted call happens, as before the floor existed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.generate._common import US_PER_SECOND
from arrears.generate.dynamics import BASE_RPC, BY_HOUR, BY_WEEKDAY, MAX_RPC, DayAttempts
from arrears.generate.history import DEBTOR_OUTCOMES, RPC_KEEP_BY_STAGE, _stage
from arrears.planning.plan import PlanResult
from arrears.simulation.crn import uniform
from arrears.simulation.knobs import EARLY_DPD, TONES, Knobs
from arrears.simulation.world import World, rows_of

_C = {name: i for i, name in enumerate(CHANNELS)}
_O = {name: i for i, name in enumerate(OUTCOMES)}
VOICE = np.array([c in ("ivr", "robot_call", "human_call") for c in CHANNELS])
MESSAGE = np.array([c in ("sms", "email") for c in CHANNELS])
UNTIMED = ("letter", "visit")  # not time-slotted: they happen in the window's first hour
_HOUR_US = 3600 * US_PER_SECOND


def _no_person_mix() -> np.ndarray:
    """Per channel, the outcomes of a call nobody answered (the mix without conversations)."""
    mix = DEBTOR_OUTCOMES.copy()
    mix[:, [_O["rpc"], _O["third_party"]]] = 0.0
    total = mix.sum(axis=1, keepdims=True)
    return np.divide(mix, total, out=np.zeros_like(mix), where=total > 0)


_NOBODY = _no_person_mix()
_NOBODY_CDF = np.cumsum(_NOBODY, axis=1)
_CONVERSATIONS = np.array([_O["rpc"], _O["third_party"]])
REACHED = np.array([_O["rpc"], _O["third_party"], _O["delivered"], _O["sent"]])
"""Outcomes in which a person was reached (talked to, or a message delivered or sent)."""


@dataclass
class Executed:
    """The attempts of the day, in arrays (rows follow the attempts) and as contract rows."""

    attempts: DayAttempts
    action_id: pl.Series
    contact_id: pl.Series
    account_id: pl.Series
    customer: np.ndarray  # row of the customers table
    tone: np.ndarray  # index into TONES
    debtor: np.ndarray  # the point is the debtor's own
    local_hour: np.ndarray
    owner: pl.Series  # the case's owner when an agent placed the call (else null)
    cost: np.ndarray
    complaint: np.ndarray  # the attempt led to a complaint
    opt_out: np.ndarray  # the debtor replied STOP to this SMS
    refused: np.ndarray  # the third party refused further contact
    abandoned: np.ndarray  # the dialer floor abandoned the live answer (no agent in time)
    handover: np.ndarray  # the robot handed the customer to an agent
    reserved: np.ndarray  # dialled with an agent held for it (progressive, preview)
    floor: dict[str, int] = field(default_factory=dict)  # the dialer floors' counts

    @property
    def size(self) -> int:
        return int(self.attempts.account.size)


def _timed_actions(plan: PlanResult) -> pl.DataFrame:
    """The actions that take place today, with their slot (start, end) and local hour."""
    actions = plan.actions
    lists = plan.call_lists
    if lists is None or lists.is_empty():
        slotted = actions.clear().with_columns(
            pl.lit(None, pl.Datetime("us", "UTC")).alias("slot_start"),
            pl.lit(None, pl.Datetime("us", "UTC")).alias("slot_end"),
            pl.lit(None, pl.Int8).alias("local_hour"),
            pl.lit(None, pl.Int8).alias("weekday"),
        )
    else:
        slotted = actions.join(
            lists.filter(pl.col("slot_start").is_not_null()).select(
                "action_id", "slot_start", "slot_end", "local_hour", "weekday"
            ),
            on="action_id",
            how="inner",
        )
    untimed = actions.filter(pl.col("channel").is_in(UNTIMED)).with_columns(
        pl.col("window_start").alias("slot_start"),
        pl.min_horizontal(
            pl.col("window_end"), pl.col("window_start") + pl.duration(hours=1)
        ).alias("slot_end"),
        pl.lit(10, pl.Int8).alias("local_hour"),
        (pl.col("window_start").dt.weekday().cast(pl.Int8)).alias("weekday"),
    )
    return pl.concat([slotted, untimed], how="vertical").sort("action_id")


@dataclass
class Calls:
    """The day's timed actions as arrays (row i = action i of `timed`), before what they cause:
    who would pick up (`live`, the world's keyed draw) and the outcome without a dialer."""

    timed: pl.DataFrame
    acc: np.ndarray
    point: np.ndarray
    ch: np.ndarray
    tone: np.ndarray
    debtor: np.ndarray
    hour: np.ndarray
    weekday: np.ndarray
    at: np.ndarray
    dpd: np.ndarray
    cust: np.ndarray
    live: np.ndarray  # a voice call to a live number that a person answers if it is placed
    u_out: np.ndarray  # the keyed uniform of the outcome
    outcome: np.ndarray

    def take(self, rows: np.ndarray) -> Calls:
        """The calls at `rows` (positions), in that order."""
        arrays = {
            name: value[rows] for name, value in vars(self).items() if isinstance(value, np.ndarray)
        }
        return Calls(timed=self.timed[rows], **arrays)


@dataclass
class Dialled:
    """What the dialer floor made of the calls (rows follow `Calls`): abandoned by the floor,
    handed by the robot to an agent, dialled with an agent held (progressive, preview), the
    agent on the call (None: the case's owner, as without a floor), and the floors' counts."""

    abandoned: np.ndarray
    handover: np.ndarray
    reserved: np.ndarray
    agent: pl.Series | None
    counts: dict[str, int]

    @staticmethod
    def nothing(n: int) -> Dialled:
        none = np.zeros(n, dtype=bool)
        return Dialled(none, none, none, None, {})


Dialer = Callable[[World, PlanResult, Calls], tuple[Calls, Dialled]]


def execute(
    world: World, plan: PlanResult, tones: dict[str, str], dialer: Dialer | None = None
) -> Executed:
    """Carry out the day's actions (the state is that of the morning, after the plan); with a
    `dialer` (`floor.dial_day`), voice calls go through the dialer floor first."""
    calls = plan_calls(world, plan, tones)
    dialled = Dialled.nothing(calls.acc.size)
    if dialer is not None:
        calls, dialled = dialer(world, plan, calls)
    return consequences(world, calls, dialled)


def plan_calls(world: World, plan: PlanResult, tones: dict[str, str]) -> Calls:
    """Who is called when (a minute inside the slot), and who would answer."""
    seed, day = world.seed, world.day
    timed = _timed_actions(plan)
    acc = rows_of(world.account_index, timed.get_column("account_id"), "account_id", "row")
    point = rows_of(world.contact_index, timed.get_column("contact_id"), "contact_id", "pos")
    acc, point = acc.astype(np.int64), point.astype(np.int64)
    ch = timed.get_column("channel").cast(pl.Enum(CHANNELS)).to_physical().to_numpy()
    ch = ch.astype(np.int64)
    tone_of_step = {step: TONES.index(t) if t in TONES else 0 for step, t in tones.items()}
    tone = (
        timed.get_column("step").replace_strict(tone_of_step, default=0, return_dtype=pl.Int8)
    ).to_numpy()
    debtor = (timed.get_column("role") == "debtor").to_numpy()
    hour = timed.get_column("local_hour").fill_null(10).to_numpy().astype(np.int64)
    weekday = timed.get_column("weekday").fill_null(1).to_numpy().astype(np.int64)

    # When: a minute inside the slot, before the window (and slot) end.
    start = timed.get_column("slot_start").dt.epoch("us").to_numpy()
    end = timed.get_column("slot_end").dt.epoch("us").to_numpy()
    u_min = uniform(seed, day, "minute", point, hour)
    span = np.maximum(np.minimum(end - start, _HOUR_US) - US_PER_SECOND, 0)
    at = start + (u_min * span).astype(np.int64)

    st, sim = world.state, world.sim
    dpd = st.dpd(day)[acc]
    cust = sim.book.customer[acc]
    p_answer = answer_chance(world, ch, dpd, point, cust, hour, weekday)
    voice = VOICE[ch]
    answered = voice & (uniform(seed, day, "answer", point, hour) < np.minimum(p_answer, MAX_RPC))
    u_out = uniform(seed, day, "outcome", point, hour, ch)
    nobody = np.argmax(u_out[:, None] < _NOBODY_CDF[ch], axis=1)
    outcome = np.where(answered, np.where(debtor, _O["rpc"], _O["third_party"]), nobody)
    visit_met = (ch == _C["visit"]) & (u_out < 0.4)
    outcome = np.where(visit_met, np.where(debtor, _O["rpc"], _O["third_party"]), outcome)
    dead = sim.contacts.dead[point]
    outcome = np.where(dead & voice, _O["no_connect"], outcome)
    outcome = np.where(dead & MESSAGE[ch], _O["failed"], outcome)
    return Calls(timed, acc, point, ch, tone, debtor, hour, weekday, at, dpd, cust,
                 answered & ~dead, u_out, outcome)  # fmt: skip


def answer_chance(
    world: World,
    ch: np.ndarray,
    dpd: np.ndarray,
    point: np.ndarray,
    cust: np.ndarray,
    hour: np.ndarray,
    weekday: np.ndarray,
) -> np.ndarray:
    """The world's chance that a person answers a voice call: the channel's base rate, the
    stage, the number's rhythm by local hour and weekday, the person's reachability."""
    rhythm = world.sim.reach.rhythm[point]
    h = np.clip(hour - 8, 0, BY_HOUR.shape[1] - 1)
    return (
        BASE_RPC[ch]
        * RPC_KEEP_BY_STAGE[_stage(dpd)]
        * BY_HOUR[rhythm, h]
        * BY_WEEKDAY[rhythm, np.clip(weekday - 1, 0, 6)]
        * world.sim.reach.person[cust]
        * world.knobs.rpc_scale
    )


def consequences(world: World, calls: Calls, dialled: Dialled) -> Executed:
    """What the calls made cost and caused: conversations, complaints, replies."""
    k, seed, day = world.knobs, world.seed, world.day
    c, timed, ch = calls, calls.timed, calls.ch
    outcome = np.where(dialled.abandoned, _O["abandoned"], c.outcome)
    conversation = np.isin(outcome, _CONVERSATIONS)
    reached = np.isin(outcome, REACHED)
    agent_talk = k.cost_agent_minute * k.by_channel("minutes_answered")[_C["human_call"]]
    cost = _cost(k, ch, conversation) + np.where(dialled.handover, agent_talk, 0.0)
    complaint = _complaints(world, c, reached, dialled.abandoned)
    u_reply = uniform(seed, day, "reply", c.point, ch)
    debtor = c.debtor
    opt_out = debtor & (ch == _C["sms"]) & (outcome == _O["delivered"]) & (u_reply < k.sms_opt_out)
    refused = (outcome == _O["third_party"]) & (u_reply < k.third_party_refusal)

    owner = timed.get_column("owner") if "owner" in timed.columns else None
    agent_call = timed.get_column("channel") == "human_call"
    owner = (
        pl.select(pl.when(agent_call).then(owner)).to_series()
        if owner is not None
        else pl.Series([None] * timed.height, dtype=pl.String)
    )
    if dialled.agent is not None:
        both = pl.DataFrame({"agent": dialled.agent, "owner": owner}, strict=False)
        owner = both.select(pl.coalesce("agent", "owner")).to_series()
    return Executed(
        attempts=DayAttempts(
            c.acc, c.at, ch.astype(np.int8), outcome.astype(np.int8), c.point, c.dpd
        ),
        action_id=timed.get_column("action_id"),
        contact_id=timed.get_column("contact_id"),
        account_id=timed.get_column("account_id"),
        customer=c.cust,
        tone=c.tone,
        debtor=debtor,
        local_hour=c.hour,
        owner=owner.alias("agent_id"),
        cost=cost,
        complaint=complaint,
        opt_out=opt_out,
        refused=refused,
        abandoned=dialled.abandoned,
        handover=dialled.handover,
        reserved=dialled.reserved,
        floor=dialled.counts,
    )


def _cost(k: Knobs, ch: np.ndarray, conversation: np.ndarray) -> np.ndarray:
    """Per attempt: the message's price, or the call's minutes at the channel's rate."""
    per_minute = np.zeros(len(CHANNELS))
    per_minute[_C["human_call"]] = k.cost_agent_minute
    per_minute[_C["robot_call"]] = k.cost_robot_minute
    per_minute[_C["ivr"]] = k.cost_ivr_minute
    minutes = np.where(conversation, k.by_channel("minutes_answered")[ch], k.minutes_unanswered)
    return k.by_channel("cost_message")[ch] + np.where(VOICE[ch], per_minute[ch] * minutes, 0.0)


def _complaints(world: World, c: Calls, reached: np.ndarray, abandoned: np.ndarray) -> np.ndarray:
    """A person reached may complain: more so when contacted often this week, early or late
    in the day, as a third party, or pressed hard; so may one whose call was abandoned (the
    agent call's chance x `complaint_abandoned`, no tone: nobody spoke)."""
    k = world.knobs
    recent = recent_contacts(world, c.cust)
    load = 1.0 + k.complaint_slope * np.maximum(recent - k.free_contacts, 0)
    bad_hour = np.where((c.hour < 9) | (c.hour >= 20), k.complaint_bad_hour, 1.0)
    third = np.where(c.debtor, 1.0, k.complaint_third_party)
    base = k.by_channel("complaint_base")
    p = (
        np.where(abandoned, base[_C["human_call"]] * k.complaint_abandoned, base[c.ch])
        * world.complaint_trait[c.cust]
        * load
        * bad_hour
        * third
        * np.where(abandoned, 1.0, k.by_tone("tone_complaint")[c.tone])
    )
    u = uniform(world.seed, world.day, "complaint", c.point, (c.at // _HOUR_US) % 24)
    return (reached | abandoned) & (u < p)


def recent_contacts(world: World, cust: np.ndarray) -> np.ndarray:
    """Per attempt, its customer's contacts that reached someone in the 6 days before today
    plus those made today (the attempt itself included)."""
    today = np.bincount(cust, minlength=world.complaint_trait.size)
    return (world.week_reached() + today)[cust]


def lift_of(k: Knobs, ex: Executed, dpd: np.ndarray) -> np.ndarray:
    """Per attempt, the lift it gives the account's payment hazard (0 when nobody was
    reached): by outcome and channel, times the tone's factor for the account's stage."""
    ch = talk_channel(ex)
    out = ex.attempts.outcome
    base = np.where(
        out == _O["rpc"],
        k.by_channel("lift_rpc")[ch],
        np.where(
            out == _O["third_party"],
            k.lift_third_party,
            np.where(
                np.isin(out, [_O["delivered"], _O["sent"]]), k.by_channel("lift_message")[ch], 0.0
            ),
        ),
    )
    factor = np.where(
        dpd <= EARLY_DPD, k.by_tone("tone_early")[ex.tone], k.by_tone("tone_late")[ex.tone]
    )
    return base * factor


def promise_chance(k: Knobs, ex: Executed) -> np.ndarray:
    return k.by_channel("promise_after_rpc")[talk_channel(ex)]


def talk_channel(ex: Executed) -> np.ndarray:
    """Per attempt, the channel the customer talked on: an agent's, for a robot call handed
    over (its promise chance and lift are an agent's), else the attempt's own."""
    return np.where(ex.handover, _C["human_call"], ex.attempts.channel.astype(np.int64))
