"""A dialing campaign: today's call list worked by a floor, every dial cleared by the guard first.

`Campaign` is the floor's hopper (`leads.Leads`). It hands out leads in list order (slot, then
position) once their slot has begun, and only leads the compliance guard allows: before leads
go into the hopper they are asked about in one vectorized pre-dial check
(`compliance.predial.check`) at the start and at the end of the hopper's batch, with the day's
own attempts so far on the ledger. Leads are asked about once per batch (`batch_s`): a lead
that falls due during a batch waits for the next one, unless the batch's hopper was full.

A lead allowed at both ends of its batch may be dialled at any moment between them: every
window, pause and rest the guard applies is an interval of the clock, at least minutes long,
and no attempt of the lead's customer can land on the ledger in between, because the campaign
never works two calls of one customer at once and clears at most one lead per customer per
batch. (So `batch_s` must stay shorter than the shortest pause or rest of the presets: the
default is 5 minutes.) A refused lead comes back when the guard says it may
(`next_allowed_at`), or is dropped with the guard's rule when it may not.

Each dial's result goes on the ledger as an attempt — abandoned calls too, with outcome
`abandoned` — at the time it was dialled. An unanswered lead is tried again after
`retry_gap_s`, at most `max_attempts` times; the guard still decides whether the retry may go.

Optional columns of the calls: `p_live`, the lead's own chance of a live answer (the floor's
switch uses it instead of the scenario's, `answer_chance`), and `dial_by`, the instant after
which the lead is no longer dialled (it expires, `expired`). Campaigns worked side by side on
one clock (one per team, by the day loop of `arrears.simulation`) share a `DayLedger`: each
one's guard then sees every campaign's dials, and a customer on a call, or cleared in a batch,
in one campaign is not cleared by another until the call ends or the batch is over.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from arrears.compliance.ledger import ledger_of
from arrears.compliance.predial import QUESTION_SCHEMA, PreDial, check
from arrears.contract.tables import VOICE_CHANNELS
from arrears.dialing.leads import Lead

UTC_TS = pl.Datetime("us", "UTC")

ATTEMPT_SCHEMA: dict[str, pl.DataType] = {
    "attempt_id": pl.String(),
    "account_id": pl.String(),
    "contact_id": pl.String(),
    "channel": pl.String(),
    "at": UTC_TS,
    "outcome": pl.String(),
    "agent_id": pl.String(),
}
REFUSAL_SCHEMA: dict[str, pl.DataType] = {
    "action_id": pl.String(),
    "contact_id": pl.String(),
    "at": UTC_TS,
    "rule": pl.String(),
    "detail": pl.String(),
    "next_allowed_at": UTC_TS,
    "dropped": pl.Boolean(),
}
# the ledger outcome of each dial result (`connected` depends on who was called)
OUTCOME_OF = {
    "abandoned": "abandoned",
    "busy": "no_connect",
    "machine": "machine",
    "no_answer": "no_answer",
}


@dataclass(frozen=True)
class CampaignSettings:
    batch_s: float = 300.0  # how long the guard's answers for a batch of leads hold
    hopper: int = 200  # leads asked about per batch
    retry_gap_s: float = 1800.0  # the campaign's own wait before retrying an unanswered lead
    max_attempts: int = 3  # dials per lead in the shift

    def __post_init__(self) -> None:
        if not (self.batch_s > 0 and self.hopper >= 1 and self.max_attempts >= 1):
            raise ValueError("batch_s > 0, hopper >= 1 and max_attempts >= 1 are required")
        if not self.retry_gap_s >= 0:
            raise ValueError("retry_gap_s must be >= 0")


@dataclass
class DayLedger:
    """What campaigns worked side by side on one clock share: their dials (the guard's view of
    the day), the customers on a call, and the customers cleared in a batch (until when, by
    which campaign). `fixed` holds the day's other contacts, at their own instants, in the
    contract's `attempts` layout (they are on the ledger from the start)."""

    fixed: pl.DataFrame | None = None
    state: PreDial | None = None  # with it, the campaigns ask the guard together (`refill`)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    busy: set[str] = field(default_factory=set)
    held: dict[str, tuple[int, float]] = field(default_factory=dict)
    campaigns: list[Campaign] = field(default_factory=list)
    checks: int = 0  # guard calls made together
    _frame: pl.DataFrame | None = None
    _framed: int = 0

    def refill(self, now: float, first: Campaign) -> None:
        """Start a batch for `first` and for every campaign whose batch is over with a lead
        due, with one guard call (`state` with the day's ledger so far)."""
        assert self.state is not None
        due = [first, *(c for c in self.campaigns if c is not first and c.batch_over(now))]
        picks = [(c, chosen) for c in due if (chosen := c.choose(now))]
        if not picks:
            return
        asked = pl.concat([c.asked(now, chosen) for c, chosen in picks])
        today = self.frame()
        ledger = self.state.ledger
        if not today.is_empty():
            points = self.state.points.select("contact_id", "customer_id", "role")
            ledger = pl.concat([ledger, ledger_of(today, points)]).sort("customer_id")
        answers = check(replace(self.state, ledger=ledger), asked)
        self.checks += 1
        offset = 0
        for c, chosen in picks:
            size = 2 * len(chosen)
            part = answers.filter(pl.col("question").is_between(offset, offset + size - 1))
            c.apply(now, chosen, part.with_columns(pl.col("question") - offset))
            offset += size

    def frame(self) -> pl.DataFrame:
        """The day's attempts so far (the fixed ones first); each dial is converted once."""
        if self._frame is None:
            fixed = self.fixed if self.fixed is not None else pl.DataFrame(schema=ATTEMPT_SCHEMA)
            self._frame = fixed.select(list(ATTEMPT_SCHEMA)).cast(ATTEMPT_SCHEMA)  # type: ignore[arg-type]
        if self._framed < len(self.attempts):
            new = pl.DataFrame(self.attempts[self._framed :], schema=ATTEMPT_SCHEMA)
            self._frame = pl.concat([self._frame, new], rechunk=False)
            if self._frame.n_chunks() > 16:
                self._frame = self._frame.rechunk()
            self._framed = len(self.attempts)
        return self._frame


class Campaign:
    """The hopper of one shift: `start` is the shift's first instant (UTC); floor time is
    seconds from it. `calls` are call-list rows (action_id, account_id, contact_id, channel,
    slot_start, position); `agent_ids` name the floor's agents in the attempts written;
    `agent_reserved` tells the guard each dial has a live agent waiting (rules that ask for
    one, such as a repeat call after an answering machine, may then allow it); `shared` is the
    day's ledger of campaigns worked side by side (`DayLedger`)."""

    def __init__(
        self,
        state: PreDial,
        calls: pl.DataFrame,
        start: datetime,
        settings: CampaignSettings | None = None,
        agent_ids: list[str] | None = None,
        *,
        agent_reserved: bool = False,
        shared: DayLedger | None = None,
    ) -> None:
        self.settings = settings or CampaignSettings()
        self.start = start
        self.agent_ids = agent_ids
        self.agent_reserved = agent_reserved  # each dial holds a free agent (progressive)
        self.shared = shared
        if shared is not None:
            shared.campaigns.append(self)
        voice = calls.filter(
            pl.col("channel").is_in(VOICE_CHANNELS) & pl.col("slot_start").is_not_null()
        ).sort("slot_start", "position", "action_id")
        self.state = state.for_customers(state.customers_of(voice.get_column("contact_id")))
        points = self.state.points.select("contact_id", "customer_id", "role", "value")
        rows = voice.join(points, on="contact_id", how="inner", maintain_order="left")
        self.rows: list[dict[str, Any]] = rows.to_dicts()
        self.base_ledger = self.state.ledger
        self.pending: list[tuple[float, int]] = [
            (max(0.0, self.seconds(r["slot_start"])), i) for i, r in enumerate(self.rows)
        ]
        heapq.heapify(self.pending)
        self.dial_by: list[float] | None = None  # per lead: no dial from this floor time on
        if "dial_by" in rows.columns:
            self.dial_by = [
                float("inf") if r["dial_by"] is None else self.seconds(r["dial_by"])
                for r in self.rows
            ]
        self.cleared: list[int] = []  # leads allowed until `valid_until`, next first (reversed)
        self.valid_until = -1.0
        self.full = False  # the last batch took as many leads as the hopper holds
        # customers with a call on the floor (on every floor that shares the day's ledger)
        self.busy: set[str] = shared.busy if shared is not None else set()
        self.tries = [0] * len(self.rows)
        self.attempts: list[dict[str, Any]] = []
        self.dials: list[tuple[int, str, float, int]] = []  # (lead, result, placed_at, agent)
        self.refusals: list[dict[str, Any]] = []
        self.checks = 0  # vectorized guard calls made
        self.expired = 0  # leads past their `dial_by` before they were dialled

    def seconds(self, instant: datetime) -> float:
        return (instant - self.start).total_seconds()

    def instant(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    # the floor's side (leads.Leads)
    def next(self, now: float, within_s: float = 0.0) -> Lead | None:
        if within_s >= self.settings.batch_s:
            raise ValueError(f"a lead is cleared for {self.settings.batch_s} s, not {within_s}")
        if now + within_s >= self.valid_until or (not self.cleared and self.full):
            self.refill(now)  # the batch is over, or its hopper ran dry with leads left
        elif not self.cleared:
            return None  # leads due since wait for the next batch: one guard call per batch
        index = self._next_cleared(now)
        if index < 0:
            return None
        row = self.rows[index]
        self.busy.add(row["customer_id"])
        self.tries[index] += 1
        return Lead(str(index), row["value"])

    def _next_cleared(self, now: float) -> int:
        """The next cleared lead not past its `dial_by` (-1: none); expired ones are dropped."""
        while self.cleared:
            index = self.cleared.pop()
            if self.dial_by is None or now < self.dial_by[index]:
                return index
            self.expired += 1
        return -1

    def answer_chance(self, lead: Lead) -> float | None:
        """The lead's own chance of a live answer (the calls' `p_live`), if they give one."""
        value = self.rows[int(lead.lead_id)].get("p_live")
        return None if value is None else float(value)

    def due_at(self, now: float) -> float | None:
        if self.cleared:
            return now
        if not self.pending:
            return None  # what is left comes back when a call ends
        return max(self.pending[0][0], self.valid_until)

    def settle(self, lead: Lead, result: str, placed_at: float, now: float, agent: int) -> None:
        index = int(lead.lead_id)
        row = self.rows[index]
        self.busy.discard(row["customer_id"])
        if result == "connected":
            outcome = "rpc" if row["role"] == "debtor" else "third_party"
        else:
            outcome = OUTCOME_OF[result]
        attempt = {
            "attempt_id": f"{row['action_id']}#{self.tries[index]}",
            "account_id": row["account_id"],
            "contact_id": row["contact_id"],
            "channel": row["channel"],
            "at": self.instant(placed_at),
            "outcome": outcome,
            "agent_id": self._agent(agent),
        }
        self.attempts.append(attempt)
        self.dials.append((index, result, placed_at, agent))
        if self.shared is not None:
            self.shared.attempts.append(attempt)
        if result != "connected" and self.tries[index] < self.settings.max_attempts:
            heapq.heappush(self.pending, (now + self.settings.retry_gap_s, index))

    def _agent(self, agent: int) -> str | None:
        if agent < 0:
            return None
        if self.agent_ids is not None and agent < len(self.agent_ids):
            return self.agent_ids[agent]
        return f"floor-{agent}"

    # the guard's side
    def ledger(self) -> pl.DataFrame:
        """The ledger as the guard sees it now: the data's attempts and today's dials."""
        today = self.attempts_frame() if self.shared is None else self.shared.frame()
        if today.is_empty():
            return self.base_ledger
        points = self.state.points.select("contact_id", "customer_id", "role")
        return pl.concat([self.base_ledger, ledger_of(today, points)]).sort("customer_id")

    def refill(self, now: float) -> None:
        """Ask the guard about the next due leads, at most one per customer, at both ends of
        the batch; the allowed ones fill the hopper. Campaigns sharing a `DayLedger` refill
        together: one guard call for every one whose batch is over and has leads due."""
        if self.shared is not None and self.shared.state is not None:
            self.shared.refill(now, self)
            return
        chosen = self.choose(now)
        if chosen:
            answers = check(replace(self.state, ledger=self.ledger()), self.asked(now, chosen))
            self.checks += 1
            self.apply(now, chosen, answers)

    def batch_over(self, now: float) -> bool:
        """The hopper's batch is over and a lead is due."""
        return now >= self.valid_until and bool(self.pending) and self.pending[0][0] <= now

    def choose(self, now: float) -> list[int]:
        """Start a batch at `now`: the due leads to ask the guard about (at most one per
        customer, none of a customer on a call or cleared elsewhere)."""
        for index in self.cleared:  # not dialled in time: due again now
            heapq.heappush(self.pending, (now, index))
        self.cleared = []
        self.valid_until = now + self.settings.batch_s
        chosen: list[int] = []
        held: list[tuple[float, int]] = []
        customers: set[str] = set()
        while self.pending and self.pending[0][0] <= now and len(chosen) < self.settings.hopper:
            due, index = heapq.heappop(self.pending)
            if self.dial_by is not None and now >= self.dial_by[index]:
                self.expired += 1
                continue
            customer = self.rows[index]["customer_id"]
            if customer in self.busy or customer in customers or self._held(customer, now):
                held.append((due, index))
            else:
                chosen.append(index)
                customers.add(customer)
        for item in held:
            heapq.heappush(self.pending, item)
        self.full = len(chosen) == self.settings.hopper
        if self.shared is not None:
            for customer in customers:
                self.shared.held[customer] = (id(self), self.valid_until)
        return chosen

    def asked(self, now: float, chosen: list[int]) -> pl.DataFrame:
        """The guard's questions: each chosen lead at both ends of the batch (all the
        leads at its start, then all at its end)."""
        ends = (self.instant(now), self.instant(self.valid_until))
        return pl.DataFrame(
            [
                {
                    "contact_id": self.rows[i]["contact_id"],
                    "at": at,
                    "channel": self.rows[i]["channel"],
                    "account_id": self.rows[i]["account_id"],
                    "agent_reserved": self.agent_reserved,
                }
                for at in ends
                for i in chosen
            ],
            schema=QUESTION_SCHEMA,
        )

    def apply(self, now: float, chosen: list[int], answers: pl.DataFrame) -> None:
        """The guard's answers (questions numbered as `asked` put them) fill the hopper; a
        refused lead comes back when allowed, or is dropped."""
        n = len(chosen)
        verdict = (
            answers.with_columns((pl.col("question") % n).alias("_lead"))
            .group_by("_lead")
            .agg(
                pl.col("allowed").all(),
                pl.col("rule").drop_nulls().first(),
                pl.col("detail").drop_nulls().first(),
                pl.col("next_allowed_at").max(),
            )
            .sort("_lead")
        )
        allowed = []
        for lead, ok, rule, detail, next_at in verdict.iter_rows():
            index = chosen[lead]
            if ok:
                allowed.append(index)
                continue
            later = next_at is not None and self.seconds(next_at) > now
            self.refusals.append(
                {
                    "action_id": self.rows[index]["action_id"],
                    "contact_id": self.rows[index]["contact_id"],
                    "at": self.instant(now),
                    "rule": rule,
                    "detail": detail,
                    "next_allowed_at": next_at,
                    "dropped": not later,
                }
            )
            if later:
                heapq.heappush(self.pending, (self.seconds(next_at), index))
        self.cleared = allowed[::-1]

    def _held(self, customer: str, now: float) -> bool:
        """Another campaign on the shared clock has cleared the customer for a batch not over."""
        if self.shared is None:
            return False
        owner, until = self.shared.held.get(customer, (id(self), 0.0))
        return owner != id(self) and now < until

    # results
    def never_dialled(self) -> int:
        """Calls of the list the shift did not dial (held back by the guard, or out of time)."""
        return sum(1 for tries in self.tries if tries == 0)

    def attempts_frame(self) -> pl.DataFrame:
        """Today's dials in the contract's `attempts` layout."""
        return pl.DataFrame(self.attempts, schema=ATTEMPT_SCHEMA)

    def refusals_frame(self) -> pl.DataFrame:
        """Every refusal of the guard: the lead, when, the rule, and whether it was dropped."""
        return pl.DataFrame(self.refusals, schema=REFUSAL_SCHEMA)
