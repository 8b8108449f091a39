"""The day's plan carried out in the simulated world: who answered, what it cost, who complained.

Each planned action takes place at its call-list slot (a minute inside the slot hour, inside
its window); an action the call lists could not place (no agent hour, a channel's hourly limit)
does not happen. A voice call is answered by the right party with the world's chance for that
number's rhythm, local hour and weekday (`arrears.generate.dynamics`); a dead number never
connects; another person's number is answered by a third party. Messages are delivered or fail
by the channel's mix. Every draw is keyed (`crn.uniform`), so both arms of a comparison get the
same answer to the same call.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def execute(world: World, plan: PlanResult, tones: dict[str, str]) -> Executed:
    """Carry out the day's actions (the state is that of the morning, after the plan)."""
    k, seed, day = world.knobs, world.seed, world.day
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
    rhythm = sim.reach.rhythm[point]
    h = np.clip(hour - 8, 0, BY_HOUR.shape[1] - 1)
    p_answer = (
        BASE_RPC[ch]
        * RPC_KEEP_BY_STAGE[_stage(dpd)]
        * BY_HOUR[rhythm, h]
        * BY_WEEKDAY[rhythm, np.clip(weekday - 1, 0, 6)]
        * sim.reach.person[cust]
        * k.rpc_scale
    )
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

    conversation = np.isin(outcome, _CONVERSATIONS)
    reached = np.isin(outcome, REACHED)
    cost = _cost(k, ch, conversation)
    complaint = _complaints(world, cust, point, ch, tone, hour, debtor, reached, at)
    u_reply = uniform(seed, day, "reply", point, ch)
    opt_out = debtor & (ch == _C["sms"]) & (outcome == _O["delivered"]) & (u_reply < k.sms_opt_out)
    refused = (outcome == _O["third_party"]) & (u_reply < k.third_party_refusal)

    owner = timed.get_column("owner") if "owner" in timed.columns else None
    agent_call = timed.get_column("channel") == "human_call"
    owner = (
        pl.select(pl.when(agent_call).then(owner)).to_series()
        if owner is not None
        else pl.Series([None] * timed.height, dtype=pl.String)
    )
    return Executed(
        attempts=DayAttempts(acc, at, ch.astype(np.int8), outcome.astype(np.int8), point, dpd),
        action_id=timed.get_column("action_id"),
        contact_id=timed.get_column("contact_id"),
        account_id=timed.get_column("account_id"),
        customer=cust,
        tone=tone,
        debtor=debtor,
        local_hour=hour,
        owner=owner.alias("agent_id"),
        cost=cost,
        complaint=complaint,
        opt_out=opt_out,
        refused=refused,
    )


def _cost(k: Knobs, ch: np.ndarray, conversation: np.ndarray) -> np.ndarray:
    """Per attempt: the message's price, or the call's minutes at the channel's rate."""
    per_minute = np.zeros(len(CHANNELS))
    per_minute[_C["human_call"]] = k.cost_agent_minute
    per_minute[_C["robot_call"]] = k.cost_robot_minute
    per_minute[_C["ivr"]] = k.cost_ivr_minute
    minutes = np.where(conversation, k.by_channel("minutes_answered")[ch], k.minutes_unanswered)
    return k.by_channel("cost_message")[ch] + np.where(VOICE[ch], per_minute[ch] * minutes, 0.0)


def _complaints(
    world: World,
    cust: np.ndarray,
    point: np.ndarray,
    ch: np.ndarray,
    tone: np.ndarray,
    hour: np.ndarray,
    debtor: np.ndarray,
    reached: np.ndarray,
    at: np.ndarray,
) -> np.ndarray:
    """A person reached may complain: more so when contacted often this week, early or late
    in the day, as a third party, or pressed hard."""
    k = world.knobs
    recent = recent_contacts(world, cust)
    load = 1.0 + k.complaint_slope * np.maximum(recent - k.free_contacts, 0)
    bad_hour = np.where((hour < 9) | (hour >= 20), k.complaint_bad_hour, 1.0)
    third = np.where(debtor, 1.0, k.complaint_third_party)
    p = (
        k.by_channel("complaint_base")[ch]
        * world.complaint_trait[cust]
        * load
        * bad_hour
        * third
        * k.by_tone("tone_complaint")[tone]
    )
    u = uniform(world.seed, world.day, "complaint", point, (at // _HOUR_US) % 24)
    return reached & (u < p)


def recent_contacts(world: World, cust: np.ndarray) -> np.ndarray:
    """Per attempt, its customer's contacts that reached someone in the 6 days before today
    plus those made today (the attempt itself included)."""
    today = np.bincount(cust, minlength=world.complaint_trait.size)
    return (world.week_reached() + today)[cust]


def lift_of(k: Knobs, ex: Executed, dpd: np.ndarray) -> np.ndarray:
    """Per attempt, the lift it gives the account's payment hazard (0 when nobody was
    reached): by outcome and channel, times the tone's factor for the account's stage."""
    ch = ex.attempts.channel.astype(np.int64)
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
    return k.by_channel("promise_after_rpc")[ex.attempts.channel.astype(np.int64)]
