"""One simulated day: the book moves, the real pipeline plans, the plan is carried out, the
customers pay (or not), and everything lands in the ledgers the next morning's plan reads.

Order within day t (what a contact causes happens from the next day on, as in the training
history of `arrears.generate.dynamics`):

1. instalments fall due (current accounts pay or miss: new delinquencies roll in); late ones
   are accelerated or written off;
2. `plan_day` plans the morning's book with the strategy under test (segments, steps,
   compliance, assignment, call lists);
3. the plan is carried out (`contact.execute`): with a dialer floor (`Knobs.dialer`), the voice
   calls are worked on it first (`floor`); without one, the calls a live pre-dial check would
   refuse for what the day's earlier calls found are held back (`live`, `Knobs.live_check`);
   optionally each attempt is put to the real pre-dial check at its own time, with the day's
   own earlier attempts on the ledger too (`verify`), and a refusal counts as a violation;
4. payments: promises due today and spontaneous ones, at the self-cure hazard raised by the
   lift of earlier contacts, sized by the account's ability to pay (`ability`);
5. right-party contacts end in promises, kept or not by willingness and ability; today's
   contacts lift tomorrow's hazard; replies (STOP, a third party's refusal) and complaints
   are recorded.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from arrears.compliance.ledger import ledger_of
from arrears.compliance.predial import QUESTION_SCHEMA, PreDial, check
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.contract.load import Portfolio
from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.generate._common import date_series, gather, ids, take, to_contract, utc_series
from arrears.generate.complaints import CATEGORIES
from arrears.generate.dynamics import (
    DayMoney,
    DayPromises,
    age,
    fall_due,
    payments_of_day,
    promises_of_day,
)
from arrears.planning.plan import PlanResult, plan_day
from arrears.simulation import ability
from arrears.simulation.contact import (
    REACHED,
    Dialer,
    Executed,
    execute,
    lift_of,
    promise_chance,
)
from arrears.simulation.crn import stream
from arrears.simulation.floor import DayDialer
from arrears.simulation.live import ExactCheck, HeldAfterTalk
from arrears.simulation.world import World, portfolio_of, rows_of
from arrears.strategy.model import Strategy
from arrears.templates.library import Library


@dataclass
class DayResult:
    """What one day did, for the KPIs (arrays are per account unless said otherwise)."""

    day: int
    recovered: np.ndarray  # collections paid today (promised or spontaneous), per account
    cost: np.ndarray  # contact cost today, per account (agency commission included)
    executed: Executed
    promises: DayPromises
    blocked: dict[str, int]  # rule -> contacts the guard refused in the plan
    held: dict[str, int]  # rule -> calls the floorless day's live check held back (`live`)
    planned: int
    actions: pl.DataFrame  # the plan's actions (for a caller that looks at the words)
    violations: int  # executed attempts the pre-dial check refused (must be 0)
    verified: int  # attempts put to the pre-dial check
    seconds: dict[str, float]


def simulate_day(
    world: World,
    strategy: Strategy,
    *,
    verify: bool = False,
    same_day: bool = True,
    templates: Library | None = None,
    clock: Callable[[], float] | None = None,
) -> DayResult:
    """Move the world on by one day under `strategy` (the world is changed in place). With
    `templates` (the strategy's library), every contact gets its approved words, as in
    `arrears plan`, and one with none fitting is refused (NO-TEMPLATE). The verification
    reads the day's own earlier attempts too (`same_day=False`: the morning's ledger only):
    two calls of one day to one number must keep their rest (issue 9)."""
    tick = clock or time.perf_counter
    laps: dict[str, float] = {}
    t0 = tick()
    seed, day, k, st = world.seed, world.day, world.knobs, world.state
    instalments = fall_due(stream(seed, day, "fall_due"), st, day)
    age(stream(seed, day, "age"), st, day, k.write_off_dpd, k.write_off_share)
    portfolio = portfolio_of(world)
    laps["world"] = tick() - t0

    t0 = tick()
    plan = plan_day(portfolio, strategy, world.date, templates=templates)
    laps["plan"] = tick() - t0

    t0 = tick()
    tones = {step.id: step.tone for step in strategy.steps()}
    state = _state(portfolio, strategy) if k.floor_on or k.live_check == "exact" else None
    dialer = _dialer_of(world, strategy, state)
    ex = execute(world, plan, tones, dialer)
    held = dialer.held if isinstance(dialer, ExactCheck | HeldAfterTalk) else {}
    laps["contact"] = tick() - t0
    t0 = tick()
    violations, verified = (
        _verify(portfolio, strategy, ex, state, same_day=same_day) if verify else (0, 0)
    )
    laps["verify"] = tick() - t0

    t0 = tick()
    n = st.status.size
    if k.ability:
        paid = ability.payments_of_day(
            stream(seed, day, "payments"), st, day, k, world.ability_u, world.lift
        )
    else:
        paid = payments_of_day(
            stream(seed, day, "payments"), st, day, lift=world.lift, cure_hazard=k.cure_table()
        )
    recovered = np.bincount(paid.account, weights=paid.amount, minlength=n)
    commission = recovered * world.agency_rate
    if k.ability:
        promises = ability.promises_of_day(
            stream(seed, day, "promises"), st, day, ex.attempts, promise_chance(k, ex), k,
            world.ability_u,
        )  # fmt: skip
    else:
        promises = promises_of_day(
            stream(seed, day, "promises"), st, day, ex.attempts, promise_chance(k, ex)
        )
    lifts = lift_of(k, ex, ex.attempts.dpd)
    today = np.zeros(n)
    np.maximum.at(today, ex.attempts.account, lifts)
    world.lift = np.maximum(world.lift * k.lift_decay, today)
    cost = np.bincount(ex.attempts.account, weights=ex.cost, minlength=n) + commission
    reached = np.isin(ex.attempts.outcome, REACHED) | ex.abandoned  # an abandoned call counts
    world.reached_log = [
        *world.reached_log[-5:],
        np.bincount(ex.customer[reached], minlength=world.complaint_trait.size),
    ]
    _record(world, ex, [instalments, paid], promises)
    _update_cases(world, plan)
    world.day += 1
    laps["outcomes"] = tick() - t0
    blocked = dict(plan.blocked.group_by("rule").len().iter_rows()) if plan.blocked.height else {}
    return DayResult(
        day=day, recovered=recovered, cost=cost, executed=ex, promises=promises,
        blocked={str(r): int(c) for r, c in blocked.items()}, planned=plan.actions.height,
        actions=plan.actions, held=held,
        violations=violations, verified=verified,
        seconds={name: round(v, 4) for name, v in laps.items()},
    )  # fmt: skip


def _state(portfolio: Portfolio, strategy: Strategy) -> PreDial:
    """The pre-dial check's state of the morning (the day's ledger is added as it grows)."""
    presets = presets_for(strategy.jurisdiction, strategy.house)
    return PreDial.of(portfolio.tables, presets, strictest_reach(presets))


def _dialer_of(world: World, strategy: Strategy, state: PreDial | None) -> Dialer | None:
    """The day's dialer: the floor (`Knobs.dialer`), else the live check of
    `Knobs.live_check` (`live`; `state` is the morning's, given for the floor and `exact`)."""
    k = world.knobs
    if state is not None:
        return _dialer(state, strategy) if k.floor_on else ExactCheck(state)
    if k.live_check == "gate":
        return HeldAfterTalk(presets_for(strategy.jurisdiction, strategy.house))
    return None


def _dialer(state: PreDial, strategy: Strategy) -> DayDialer:
    from arrears.dialing.stage import strategy_settings

    return DayDialer(state, strategy_settings(strategy))


def _verify(
    portfolio: Portfolio,
    strategy: Strategy,
    ex: Executed,
    state: PreDial | None = None,
    *,
    same_day: bool = True,
) -> tuple[int, int]:
    """Ask the real pre-dial check about every attempt at its own time; count refusals. The
    day's attempts are on the ledger too (the check counts those before each one), so a
    contact that breaks a rule for the day's own earlier contacts (two calls to one number
    too close, issue 9; a third party called after the debtor was reached) counts; with a
    floor, a dial made with an agent held says so. `state` is the morning's (built when not
    given); `same_day=False` reads the morning's ledger only.

    The floorless day's live check (`live`) holds back, as a real dialer's would, the calls
    refused for what the day's earlier calls found (`gate`: a third party after the debtor
    was reached; `exact`: any refusal for the day's earlier calls), so a refusal here is the
    plan's error, or a refusal for an outcome that `gate` does not cover."""
    if ex.size == 0:
        return 0, 0
    asked = pl.DataFrame(
        {
            "contact_id": ex.contact_id,
            "at": utc_series("at", ex.attempts.at),
            "channel": gather(CHANNELS, ex.attempts.channel),
            "account_id": ex.account_id,
            "agent_reserved": ex.reserved,
        },
        schema=QUESTION_SCHEMA,
    )
    if state is None:
        state = _state(portfolio, strategy)
    if same_day:
        today = ledger_of(_attempts_of(ex), state.points)
        state = replace(state, ledger=pl.concat([state.ledger, today]).sort("customer_id"))
    answers = check(state, asked)
    refused = answers.filter(~pl.col("allowed"))
    return refused.select("question").n_unique(), ex.size


def _attempts_of(ex: Executed) -> pl.DataFrame:
    """The day's attempts, in the columns the guard's ledger reads."""
    return pl.DataFrame(
        {
            "account_id": ex.account_id,
            "contact_id": ex.contact_id,
            "channel": gather(CHANNELS, ex.attempts.channel),
            "outcome": gather(OUTCOMES, ex.attempts.outcome),
            "at": utc_series("at", ex.attempts.at),
        }
    )


def _record(world: World, ex: Executed, money: list[DayMoney], promises: DayPromises) -> None:
    """Append the day's attempts, payments, promises and complaints to the ledgers, and
    write replies (opt-outs, refusals) onto the contacts."""
    led, book = world.ledgers, world.sim.book
    n = ex.size
    if n:
        led.attempts.append(
            to_contract(
                "attempts",
                {
                    "attempt_id": ids("AT", n, 10, led.next_id("attempts", n)),
                    "account_id": ex.account_id,
                    "contact_id": ex.contact_id,
                    "channel": gather(CHANNELS, ex.attempts.channel),
                    "at": utc_series("at", ex.attempts.at),
                    "outcome": gather(OUTCOMES, ex.attempts.outcome),
                    "agent_id": ex.owner,
                },
            )
        )
    acc = np.concatenate([m.account for m in money])
    at = np.concatenate([m.at for m in money])
    amount = np.concatenate([m.amount for m in money])
    real = amount > 0
    if real.any():
        m = int(real.sum())
        led.payments.append(
            to_contract(
                "payments",
                {
                    "payment_id": ids("PAY", m, 9, led.next_id("payments", m)),
                    "account_id": take(book.account_id, acc[real]),
                    "paid_at": utc_series("paid_at", at[real]),
                    "amount": amount[real],
                },
            )
        )
    p = promises.account.size
    if p:
        led.promises.append(
            to_contract(
                "promises",
                {
                    "promise_id": ids("PR", p, 9, led.next_id("promises", p)),
                    "account_id": take(book.account_id, promises.account),
                    "made_at": utc_series("made_at", promises.made_at),
                    "due_date": date_series("due_date", promises.due_day),
                    "amount": promises.amount,
                    "status": pl.Series([None] * p, dtype=pl.String),
                },
            )
        )
    hit = np.flatnonzero(ex.complaint)
    if hit.size:
        ch = ex.attempts.channel[hit]
        category = np.where(ex.debtor[hit], 0, 2)  # frequency, or third_party
        category = np.where((ex.local_hour[hit] < 9) | (ex.local_hour[hit] >= 20), 3, category)
        led.complaints.append(
            to_contract(
                "complaints",
                {
                    "complaint_id": ids("CP", hit.size, 7, led.next_id("complaints", hit.size)),
                    "account_id": ex.account_id.gather(hit),
                    "received_at": utc_series("received_at", ex.attempts.at[hit] + 3_600_000_000),
                    "owner_id": ex.owner.gather(hit),
                    "channel": gather(CHANNELS, ch),
                    "category": gather(CATEGORIES, category),
                },
            )
        )
    _replies(world, ex)


def _replies(world: World, ex: Executed) -> None:
    """STOP replies become SMS opt-outs; a third party's refusal is dated on the contact."""
    stop = ex.contact_id.filter(pl.Series(ex.opt_out))
    refused = pl.DataFrame(
        {"contact_id": ex.contact_id.filter(pl.Series(ex.refused)),
         "_refused": utc_series("_refused", ex.attempts.at[ex.refused])}
    ).unique("contact_id", keep="first")  # fmt: skip
    if stop.is_empty() and refused.is_empty():
        return
    c = world.contacts
    opted = pl.col("contact_id").is_in(stop.implode())
    has_sms = pl.col("opt_out").fill_null("").str.contains(r"(^|,)\s*sms\s*(,|$)")
    c = c.with_columns(
        pl.when(opted & ~has_sms)
        .then(
            pl.when(pl.col("opt_out").is_null() | (pl.col("opt_out") == ""))
            .then(pl.lit("sms"))
            .otherwise(pl.col("opt_out") + pl.lit(",sms"))
        )
        .otherwise(pl.col("opt_out"))
        .alias("opt_out")
    )
    if not refused.is_empty():
        c = (
            c.join(refused, on="contact_id", how="left", maintain_order="left")
            .with_columns(pl.coalesce("refused_at", "_refused").alias("refused_at"))
            .drop("_refused")
        )
    world.contacts = c


def _update_cases(world: World, plan: PlanResult) -> None:
    """Today's owners become the data's cases (kept owners keep their assignment date); an
    agency's commission applies to what its accounts pay while it holds them."""
    if plan.assignment is None:
        return
    given = plan.assignment.assignments.select(
        "account_id", pl.col("owner").alias("owner_id"), "owner_kind"
    ).filter(pl.col("owner_kind").is_in(["agent", "team", "agency"]))
    since = dt.datetime.combine(world.date, dt.time(1), dt.UTC)
    old = world.cases.select("account_id", "owner_id", "assigned_at", "stay_until")
    cases = given.join(old, on=["account_id", "owner_id"], how="left").with_columns(
        pl.col("assigned_at").fill_null(since)
    )
    world.cases = to_contract(
        "cases", {name: cases.get_column(name) for name in world.cases.columns}
    )
    rates = world.static["teams"].select(
        pl.col("team_id").alias("owner_id"),
        pl.col("commission_rate").fill_null(world.knobs.agency_commission),
    )
    agency = cases.filter(pl.col("owner_kind") == "agency").join(rates, on="owner_id", how="left")
    world.agency_rate[:] = 0.0
    if agency.height:
        rows = rows_of(world.account_index, agency.get_column("account_id"), "account_id", "row")
        world.agency_rate[rows] = agency.get_column("commission_rate").fill_null(0.0).to_numpy()
