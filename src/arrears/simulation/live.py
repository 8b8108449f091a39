"""The live pre-dial check of the day without a dialer floor (`Knobs.dialer` `none`).

The plan is made in the morning; what a contact finds is known only once it is made. A real
dialer asks the pre-dial check just before each call, with the day's calls so far on the
ledger, and holds back a call the check refuses. The floor does so dial by dial
(`floor.DayDialer`); the floorless day does it here, for the whole day at once, in one of two
ways (`Knobs.live_check`):

- `gate`: what an earlier call of the day *found* can refuse a later one; this covers one
  way: the debtor answered (`rpc`, on any number, about any account), so the debtor is
  no longer unreachable and THIRD-PARTY-GATE refuses the customer's third-party contacts
  after it (an emergency contact planned that morning for 10:44, the debtor reached at
  10:35). `HeldAfterTalk` holds those back, in NumPy, exactly as the gate would (only where
  the customer's preset gates third parties, and not for a deceased debtor's account).
  Holding back a third-party contact cannot make another refused (it counts for nobody's
  reachability), so one pass settles the day.
- `exact` (the default; `gate` misses a machine's or a conversation's rest): every call with
  an earlier call of its customer that day is put to the real check
  (`predial.check`) at its own instant, with the morning's ledger and the day's calls of
  those customers (`ExactCheck`); a call refused there but allowed with the morning's
  ledger alone is held back, and the check is asked again about the later calls of its
  customer (a call held back no longer counts, nor does what it found), until none more is
  held back (`MAX_ROUNDS`; at the last round every call still refused is held back). A round
  settles, per customer, every call up to its earliest refused one, as a call-by-call check
  would. It holds back whatever the day's earlier calls cause, also the plan's own mistakes
  within the day (two calls to one number too close, issue 9), which the verification then
  no longer sees; and it costs about one pre-dial check of the day's later calls (at 5 000
  accounts, 40-65 % of the planner's time; docs/simulation.md).

A call held back is never placed: no attempt, outcome, cost or anything it would cause. A call
the morning's ledger already refuses is the plan's error, not the day's: it is placed, and
the verification (`day._verify`) counts it as a violation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import polars as pl

from arrears.compliance.ledger import ledger_of
from arrears.compliance.person import customer_compliance_columns
from arrears.compliance.predial import QUESTION_SCHEMA, PreDial, check
from arrears.compliance.presets import Preset, preset_key
from arrears.contract.tables import CHANNELS, OUTCOMES, STATUSES
from arrears.generate._common import gather, utc_series
from arrears.planning.plan import PlanResult
from arrears.simulation.contact import Calls, Dialled
from arrears.simulation.world import World

_RPC = OUTCOMES.index("rpc")
_DECEASED = STATUSES.index("deceased")
_NONE = np.iinfo(np.int64).max

MAX_ROUNDS = 4


class HeldAfterTalk:
    """A `contact.Dialer` for the day without a floor (`live_check: gate`): every call
    happens at its minute but a third-party contact after the debtor was reached that day,
    which THIRD-PARTY-GATE would refuse. After a day, `held` counts those by rule."""

    def __init__(self, presets: Mapping[str, Preset]) -> None:
        self.presets = presets
        self.held: dict[str, int] = {}

    def __call__(self, world: World, plan: PlanResult, calls: Calls) -> tuple[Calls, Dialled]:
        gated = _gated_customers(world, self.presets)
        dead = world.state.status[calls.acc] == _DECEASED
        drop = after_talk(calls.cust, calls.at, calls.outcome, calls.debtor) & ~dead
        drop &= gated[calls.cust]
        self.held = {"THIRD-PARTY-GATE": int(drop.sum())} if drop.any() else {}
        return _placed(calls, ~drop)


def after_talk(
    cust: np.ndarray, at: np.ndarray, outcome: np.ndarray, debtor: np.ndarray
) -> np.ndarray:
    """Per call: a contact to a third party of a customer whose debtor was talked to (`rpc`)
    strictly before it that day."""
    talk = outcome == _RPC
    if not talk.any():
        return np.zeros(cust.size, dtype=bool)
    keys, inverse = np.unique(cust, return_inverse=True)
    first = np.full(keys.size, _NONE, dtype=np.int64)
    np.minimum.at(first, inverse[talk], at[talk])
    return ~debtor & (at > first[inverse])


def _gated_customers(world: World, presets: Mapping[str, Preset]) -> np.ndarray:
    """Per customer: whether the preset they fall under keeps third parties for when the
    debtor is unreachable (THIRD-PARTY-GATE; a customer of no preset counts as gated)."""
    n = world.complaint_trait.size
    flags = {key: p.third_party_requires_unreachable for key, p in presets.items()}
    if all(flags.values()) or not any(flags.values()):
        return np.full(n, all(flags.values()), dtype=bool)
    customers = world.static["customers"]  # row i is customer i
    key = customers.select(*customer_compliance_columns(customers.columns)).select(
        preset_key(presets)
    )
    gated = key.get_column("_preset_key").replace_strict(
        flags, default=True, return_dtype=pl.Boolean
    )
    return gated.to_numpy()


class ExactCheck:
    """A `contact.Dialer` for the day without a floor (`live_check: exact`): every call
    happens at its minute but those the real check refuses for the day's earlier calls
    (`hold_back`). After a day, `held` counts them by the rule that refused them."""

    def __init__(self, state: PreDial) -> None:
        self.state = state
        self.held: dict[str, int] = {}

    def __call__(self, world: World, plan: PlanResult, calls: Calls) -> tuple[Calls, Dialled]:
        placed, self.held = hold_back(self.state, calls)
        return _placed(calls, placed)


def _placed(calls: Calls, placed: np.ndarray) -> tuple[Calls, Dialled]:
    kept = calls if placed.all() else calls.take(np.flatnonzero(placed))
    return kept, Dialled.nothing(kept.acc.size)


def hold_back(
    state: PreDial, calls: Calls, rounds: int = MAX_ROUNDS
) -> tuple[np.ndarray, dict[str, int]]:
    """Per call, whether it is placed; and the calls held back, by the refusing rule."""
    placed = np.ones(calls.acc.size, dtype=bool)
    asked = _later_calls(calls)
    if asked.size == 0:
        return placed, {}
    cust = calls.cust
    mine = np.flatnonzero(np.isin(cust, cust[asked]))  # the day's calls of those customers
    day = _attempts(calls, mine)
    state = state.for_customers(state.customers_of(day.get_column("contact_id")))
    morning = np.zeros(calls.acc.size, dtype=np.int8)  # 1: allowed on it alone, -1: refused
    held: list[pl.Series] = []
    for r in range(rounds):
        if asked.size == 0:
            break
        today = ledger_of(day.filter(pl.Series(placed[mine])), state.points)
        now = replace(state, ledger=pl.concat([state.ledger, today]).sort("customer_id"))
        rule = _refused(now, calls, asked)
        refused = rule.is_not_null().to_numpy()
        new = asked[refused & (morning[asked] == 0)]
        if new.size:  # the plan's own errors are not the day's: they are placed
            morning[new] = np.where(_refused(state, calls, new).is_null().to_numpy(), 1, -1)
            refused &= morning[asked] == 1
        if not refused.any():
            break
        drop = refused if r == rounds - 1 else refused & _first(calls, asked, refused)
        placed[asked[drop]] = False
        held.append(rule.filter(pl.Series(drop)))
        asked = asked[_after(calls, asked, drop)]
    if not held:
        return placed, {}
    rules = pl.concat(held).value_counts().iter_rows()
    return placed, {str(name): int(n) for name, n in sorted(rules)}


def _later_calls(calls: Calls) -> np.ndarray:
    """The calls (positions) with an earlier call of the same customer that day, in order
    of customer and time."""
    order = np.lexsort((calls.at, calls.cust))
    cust, at = calls.cust[order], calls.at[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = cust[1:] != cust[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
    return order[at > at[start]]


def _first(calls: Calls, asked: np.ndarray, refused: np.ndarray) -> np.ndarray:
    """Per asked call: it is refused at its customer's earliest refused instant (calls at
    one instant do not see each other, so all refused ones there are settled)."""
    cust, at = calls.cust[asked], calls.at[asked]
    earliest = _earliest_refused(cust, at, refused)
    return refused & (at == earliest)


def _after(calls: Calls, asked: np.ndarray, dropped: np.ndarray) -> np.ndarray:
    """Per asked call: still to be asked, being after a call of its customer held back now."""
    cust, at = calls.cust[asked], calls.at[asked]
    return at > _earliest_refused(cust, at, dropped)


def _earliest_refused(cust: np.ndarray, at: np.ndarray, refused: np.ndarray) -> np.ndarray:
    """Per call: the earliest instant of a refused call of its customer (max int if none)."""
    keys, inverse = np.unique(cust, return_inverse=True)
    earliest = np.full(keys.size, _NONE, dtype=np.int64)
    np.minimum.at(earliest, inverse[refused], at[refused])
    return earliest[inverse]


def _refused(state: PreDial, calls: Calls, rows: np.ndarray) -> pl.Series:
    """Per call at `rows`: the rule that refuses it now (null: allowed)."""
    asked = pl.DataFrame(
        {
            "contact_id": calls.timed.get_column("contact_id").gather(rows),
            "at": utc_series("at", calls.at[rows]),
            "channel": gather(CHANNELS, calls.ch[rows]),
            "account_id": calls.timed.get_column("account_id").gather(rows),
            "agent_reserved": np.zeros(rows.size, dtype=bool),
        },
        schema=QUESTION_SCHEMA,
    )
    answers = check(state, asked)
    first = (
        answers.filter(~pl.col("allowed")).group_by("question").agg(pl.col("rule").sort().first())
    )
    numbered = pl.DataFrame({"question": np.arange(rows.size)}, schema={"question": pl.UInt32})
    joined = numbered.join(first, on="question", how="left", maintain_order="left")
    return joined.get_column("rule")


def _attempts(calls: Calls, rows: np.ndarray) -> pl.DataFrame:
    """The calls at `rows`, in the columns the guard's ledger reads."""
    return pl.DataFrame(
        {
            "account_id": calls.timed.get_column("account_id").gather(rows),
            "contact_id": calls.timed.get_column("contact_id").gather(rows),
            "channel": gather(CHANNELS, calls.ch[rows]),
            "outcome": gather(OUTCOMES, calls.outcome[rows]),
            "at": utc_series("at", calls.at[rows]),
        }
    )
