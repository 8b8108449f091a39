"""Day-by-day dynamics of a book for the training history (`snapshots.generate_history`).

Each simulated day every account moves at once (arrays, no loop over accounts):

1. instalments fall due: a current account pays it or misses it (a new delinquency, M0 → M1);
   an account already in arrears adds it to the overdue amount;
2. the shop contacts accounts (rate by DPD, as the 30-day ledger of `history.py`); a call
   reaches the debtor (right-party contact) with a probability that depends on the phone's
   daily rhythm — some people answer mornings, others evenings or weekends — and on the day;
3. accounts pay: a spontaneous hazard that falls steeply with DPD (self-cure), raised for a
   few days after a right-party contact (the effect of contact), plus the payments of promises
   made on earlier calls (kept in full, or broken with a part or nothing paid);
4. a right-party contact may end in a promise to pay within 1-7 days.

Unpaid accounts simply age, so they roll into later buckets; late ones are accelerated (the
whole balance falls due) and some written off. Every event of day t lies inside UTC day t and
what a call causes happens on a later day, so an extract taken at 00:00 UTC of day s (a
snapshot) is exactly the state after the events timestamped before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arrears.contract.tables import CHANNELS, OUTCOMES, STATUSES
from arrears.generate._common import US_PER_DAY, US_PER_SECOND, local_to_utc, pick_rows
from arrears.generate.accounts import MAX_DPD, Book
from arrears.generate.contacts import ContactBook
from arrears.generate.geo import ZONES
from arrears.generate.history import (
    CHANNEL_MIX,
    DEBTOR_OUTCOMES,
    PRE_DUE_DAYS,
    PRE_DUE_RATE,
    RPC_KEEP_BY_STAGE,
    STATUS_RATE,
    TEXT_HOURS,
    VOICE_HOURS,
    _stage,
    rate_curve,
)

CYCLE_DAYS = 30
_S = {name: i for i, name in enumerate(STATUSES)}
_O = {name: i for i, name in enumerate(OUTCOMES)}
_C = {name: i for i, name in enumerate(CHANNELS)}

# -- contactability --------------------------------------------------------------------------
# Each debtor phone has a daily rhythm; the relative odds of a right-party contact by local
# hour 08..20 (rows) and weekday Monday..Sunday (WEEKDAY rows) for each rhythm.
RHYTHMS: tuple[str, ...] = ("morning", "daytime", "evening", "anytime")
RHYTHM_SHARE = np.array([0.2, 0.2, 0.45, 0.15])
BY_HOUR = np.array(
    [
        [1.9, 2.1, 1.9, 1.5, 1.0, 0.7, 0.6, 0.5, 0.4, 0.4, 0.3, 0.3, 0.3],  # morning
        [0.6, 1.0, 1.3, 1.4, 1.2, 1.0, 1.3, 1.4, 1.3, 1.0, 0.7, 0.5, 0.4],  # daytime
        [0.3, 0.2, 0.2, 0.2, 0.7, 0.4, 0.2, 0.2, 0.4, 1.2, 2.2, 2.4, 2.0],  # evening (workers)
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],  # anytime
    ]
)
BY_WEEKDAY = np.array(
    [
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.7],
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8],
        [0.9, 0.9, 0.9, 0.9, 0.8, 1.6, 1.7],  # workers are easier to reach at weekends
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    ]
)
# Right-party rate of a live debtor phone at odds 1, by channel (voice channels only).
BASE_RPC = np.array([0.0, 0.11, 0.11, 0.19, 0.0, 0.0, 0.0])
MAX_RPC = 0.9
# The shop works less at weekends (Monday..Sunday multipliers of the attempt rate).
SHOP_WEEKDAY = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.45])
QUIET_WHILE_PROMISED = 0.3  # attempt rate while a promise is open

# -- payments --------------------------------------------------------------------------------
# Daily hazard of a spontaneous payment (self-cure) by dpd band (upper bounds; last open).
CURE_BANDS = np.array([3, 7, 15, 30, 60, 90, 180])
CURE_HAZARD = np.array([0.200, 0.100, 0.060, 0.035, 0.020, 0.010, 0.004, 0.002])
CONTACT_LIFT = 2.0  # hazard x (1 + lift) in the days after a right-party contact
LIFT_DAYS = 7
# Share of payments that clear the whole overdue amount, by the same dpd bands.
FULL_SHARE = np.array([0.85, 0.85, 0.8, 0.75, 0.6, 0.5, 0.35, 0.2])
PAY_STATUS = {"active": 1.0, "dispute": 0.3, "written_off": 0.5, "attorney": 0.3}
RENEW_SHARE = 0.7  # loans paid off while current that are drawn again
MISS_BASE = 0.3  # chance a current account misses an instalment (propensity 1)
PROMISE_AFTER_RPC = 0.5
KEEP_BASE = np.array([0.70, 0.70, 0.70, 0.65, 0.55, 0.45, 0.40, 0.35])
BROKEN_PART = 0.3  # broken promises with a partial payment
ACCELERATE_AT = 91  # half the accounts still in arrears at 91 dpd are accelerated, all at 181
WRITE_OFF_AT = 181
WRITE_OFF_SHARE = 0.3
_NEVER = -(10**6)


@dataclass
class State:
    """Every account's position at the start of a day (row i = account i)."""

    overdue: np.ndarray
    balance: np.ndarray
    principal: np.ndarray  # the balance a renewed loan starts from
    instalment: np.ndarray
    due_day: np.ndarray  # oldest unpaid due date (day number), -1 when current
    next_due: np.ndarray  # next instalment (day number), -1 when none
    status: np.ndarray  # index into STATUSES
    accelerated: np.ndarray  # the whole balance is due; no further instalments
    propensity: np.ndarray  # latent willingness to pay, mean about 1
    promise_due: np.ndarray  # due day of the open promise, -1 when none
    sched_day: np.ndarray  # day of a promised payment to come, -1 when none
    sched_amount: np.ndarray
    last_rpc: np.ndarray  # day of the last right-party contact

    def dpd(self, day: int) -> np.ndarray:
        return np.where(self.due_day >= 0, day - self.due_day, 0)


@dataclass
class Reach:
    """Who answers when: per contact row a rhythm, per customer a reachability factor."""

    rhythm: np.ndarray  # per contact row, index into RHYTHMS
    person: np.ndarray  # per customer, mean 1


@dataclass
class DayAttempts:
    account: np.ndarray
    at: np.ndarray  # UTC microseconds
    channel: np.ndarray
    outcome: np.ndarray
    point: np.ndarray  # contact row
    dpd: np.ndarray


@dataclass
class DayMoney:
    account: np.ndarray
    at: np.ndarray
    amount: np.ndarray


def _cents(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def _whole(amount: np.ndarray, owed: np.ndarray) -> np.ndarray:
    """Nobody leaves less than one unit of currency owing: such a payment pays it all."""
    return np.where(owed - amount < 1.0, owed, amount)


def band(dpd: np.ndarray) -> np.ndarray:
    """Index into the CURE_* / FULL_SHARE / KEEP_BASE tables."""
    return np.searchsorted(CURE_BANDS, dpd, side="left")


def initial_state(rng: np.random.Generator, book: Book, start_day: int) -> State:
    """The book drawn by `generate_accounts` at `start_day`, with its instalment schedule."""
    n = book.size
    dpd = book.dpd
    terms = np.select(
        [book.product == 0, book.product == 1], [rng.uniform(3, 12, n), rng.uniform(10, 20, n)],
        rng.uniform(2, 4, n),
    )  # fmt: skip
    overdue = book.overdue.copy()
    balance = book.balance.copy()
    late = dpd > 0
    accelerated = late & (overdue >= balance - 0.005)
    missed = dpd // CYCLE_DAYS + 1
    instalment = np.where(late & ~accelerated, overdue / missed, balance / terms)
    next_due = np.where(
        late & ~accelerated, start_day + CYCLE_DAYS - dpd % CYCLE_DAYS, book.next_due
    )
    next_due = np.where(accelerated, -1, next_due)
    status = book.status.copy()
    settled = status == _S["settled"]
    overdue[settled] = 0.0
    balance[settled] = 0.0
    next_due[settled] = -1
    propensity = rng.lognormal(-0.18, 0.6, n)
    return State(
        overdue=_cents(overdue),
        balance=_cents(balance),
        principal=_cents(book.balance),
        instalment=_cents(np.maximum(instalment, 1.0)),
        due_day=np.where(late & ~settled, start_day - dpd, -1).astype(np.int64),
        next_due=next_due.astype(np.int64),
        status=status,
        accelerated=accelerated & ~settled,
        propensity=propensity,
        promise_due=np.full(n, -1, dtype=np.int64),
        sched_day=np.full(n, -1, dtype=np.int64),
        sched_amount=np.zeros(n),
        last_rpc=np.full(n, _NEVER, dtype=np.int64),
    )


def draw_reach(rng: np.random.Generator, contacts: ContactBook, customers: int) -> Reach:
    rows = contacts.dead.size
    rhythm = np.searchsorted(np.cumsum(RHYTHM_SHARE), rng.random(rows), side="right")
    return Reach(np.minimum(rhythm, len(RHYTHMS) - 1), rng.gamma(4.0, 0.25, customers))


def _within_day(rng: np.random.Generator, day: int, n: int) -> np.ndarray:
    return day * US_PER_DAY + rng.integers(0, 86_400, n) * US_PER_SECOND


def fall_due(rng: np.random.Generator, st: State, day: int) -> DayMoney:
    """Instalments due today: current accounts pay them or miss them; arrears grow."""
    due = st.next_due == day
    current = due & (st.due_day < 0)
    miss_p = np.clip(MISS_BASE / st.propensity, 0.02, 0.7)
    miss = current & (rng.random(st.status.size) < miss_p)
    paying = np.flatnonzero(current & ~miss)
    amount = _whole(_cents(np.minimum(st.instalment[paying], st.balance[paying])),
                    st.balance[paying])  # fmt: skip
    st.balance[paying] = _cents(st.balance[paying] - amount)
    # A loan paid off is mostly renewed (a new draw on the line, a repeat loan), else closed.
    off = paying[st.balance[paying] <= 0.005]
    renew = rng.random(off.size) < RENEW_SHARE
    st.balance[off[renew]] = _cents(st.principal[off[renew]] * rng.uniform(0.8, 1.2, renew.sum()))
    closed = off[~renew]
    st.balance[closed] = 0.0
    st.status[closed] = _S["settled"]

    late = np.flatnonzero(miss | (due & (st.due_day >= 0)))
    st.due_day[late] = np.where(st.due_day[late] < 0, day, st.due_day[late])
    st.overdue[late] = _cents(
        st.overdue[late] + np.minimum(st.instalment[late], st.balance[late] - st.overdue[late])
    )
    st.next_due[due] = st.next_due[due] + CYCLE_DAYS
    st.next_due[closed] = -1
    full = late[st.overdue[late] >= st.balance[late] - 0.005]
    st.accelerated[full] = True
    st.next_due[full] = -1
    return DayMoney(paying, _within_day(rng, day, paying.size), amount)


def age(
    rng: np.random.Generator,
    st: State,
    day: int,
    write_off_at: int = WRITE_OFF_AT,
    write_off_share: float = WRITE_OFF_SHARE,
) -> None:
    """Late accounts are accelerated (whole balance due) and, at `write_off_at` dpd, a share
    `write_off_share` of the active ones written off."""
    dpd = st.dpd(day)
    n = dpd.size
    acc = ~st.accelerated & (st.due_day >= 0)
    acc &= ((dpd == ACCELERATE_AT) & (rng.random(n) < 0.5)) | (dpd >= write_off_at)
    st.accelerated[acc] = True
    st.overdue[acc] = st.balance[acc]
    st.next_due[acc] = -1
    wo = (dpd == write_off_at) & (st.status == _S["active"]) & (rng.random(n) < write_off_share)
    st.status[wo] = _S["written_off"]


def _status_table(values: dict[str, float]) -> np.ndarray:
    out = np.zeros(len(STATUSES))
    for name, v in values.items():
        out[STATUSES.index(name)] = v
    return out


_RATE_BY_STATUS = _status_table(STATUS_RATE)
_PAY_BY_STATUS = _status_table(PAY_STATUS)
_RATE = rate_curve()


def attempts_of_day(
    rng: np.random.Generator,
    st: State,
    day: int,
    customer: np.ndarray,
    zone: np.ndarray,
    contacts: ContactBook,
    reach: Reach,
) -> DayAttempts:
    """The day's contact attempts and their outcomes (the state is that of the morning)."""
    dpd = st.dpd(day)
    late = st.due_day >= 0
    to_due = st.next_due - day
    pre = ~late & (st.next_due >= 0) & (to_due >= 0) & (to_due <= PRE_DUE_DAYS)
    lam = np.where(late, _RATE[np.minimum(dpd, MAX_DPD)], np.where(pre, PRE_DUE_RATE, 0.0))
    lam = lam * _RATE_BY_STATUS[st.status] * SHOP_WEEKDAY[(day + 3) % 7]
    lam = lam * np.where(st.promise_due >= day, QUIET_WHILE_PROMISED, 1.0)
    acc = np.repeat(np.arange(dpd.size), rng.poisson(lam))
    a_dpd = dpd[acc]
    stage = _stage(a_dpd)
    cust = customer[acc]
    channel = pick_rows(rng, CHANNEL_MIX, stage)
    channel = np.where((channel == _C["email"]) & (contacts.email_pos[cust] < 0), 0, channel)
    voice = (channel >= 1) & (channel <= 3)

    # Local time of day: the shop's hour profile; the local date is today or, west of UTC,
    # yesterday, whichever puts the call inside UTC day `day`.
    hour = pick_rows(rng, np.stack([VOICE_HOURS, TEXT_HOURS]), (~voice).astype(np.int64))
    sec = (8 + hour) * 3600 + rng.integers(0, 3600, acc.size)
    z = zone[cust]
    local_day = np.full(acc.size, day, dtype=np.int64)
    at = local_to_utc(z, local_day, sec, ZONES)
    spill = at >= (day + 1) * US_PER_DAY
    local_day[spill] = day - 1
    at[spill] = local_to_utc(z[spill], local_day[spill], sec[spill], ZONES)

    n_ph = contacts.n_phone[cust]
    alt = rng.integers(0, 3, acc.size) % n_ph
    phone = contacts.phone_start[cust] + np.where(rng.random(acc.size) < 0.75, 0, alt)
    point = np.where(channel == _C["email"], contacts.email_pos[cust], phone)
    point = np.where(channel == _C["letter"], contacts.address_pos[cust], point)

    # Outcomes: the channel's mix without rpc, then rpc by the phone's rhythm and the day.
    no_rpc = DEBTOR_OUTCOMES.copy()
    no_rpc[:, _O["rpc"]] = 0.0
    outcome = pick_rows(rng, no_rpc, channel)
    weekday = (local_day + 3) % 7
    rhythm = reach.rhythm[point]
    p_rpc = (
        BASE_RPC[channel]
        * RPC_KEEP_BY_STAGE[stage]
        * BY_HOUR[rhythm, hour]
        * BY_WEEKDAY[rhythm, weekday]
        * reach.person[cust]
    )
    rpc = voice & (rng.random(acc.size) < np.minimum(p_rpc, MAX_RPC))
    outcome = np.where(rpc, _O["rpc"], outcome)
    dead = contacts.dead[point]
    outcome = np.where(dead & voice, _O["no_connect"], outcome)
    outcome = np.where(dead & ~voice & (channel != _C["letter"]), _O["failed"], outcome)
    return DayAttempts(acc, at, channel.astype(np.int8), outcome.astype(np.int8), point, a_dpd)


def pay(st: State, acc: np.ndarray, amount: np.ndarray) -> None:
    """Apply payments (one per account) to overdue accounts: the overdue amount falls, the
    oldest unpaid due date moves on by the instalments covered, a cleared balance settles."""
    st.balance[acc] = _cents(np.maximum(st.balance[acc] - amount, 0.0))
    st.overdue[acc] = _cents(np.maximum(st.overdue[acc] - amount, 0.0))
    left = st.overdue[acc]
    owed = np.ceil(left / st.instalment[acc] - 1e-9).astype(np.int64)
    moved = np.maximum(st.next_due[acc] - CYCLE_DAYS * owed, st.due_day[acc])
    keep = st.accelerated[acc] | (st.next_due[acc] < 0)
    st.due_day[acc] = np.where(left <= 0.005, -1, np.where(keep, st.due_day[acc], moved))
    done = acc[st.balance[acc] <= 0.005]
    st.status[done] = _S["settled"]
    st.balance[done] = 0.0
    st.overdue[done] = 0.0
    st.due_day[done] = -1
    st.next_due[done] = -1
    st.promise_due[done] = -1
    st.sched_day[done] = -1


def payments_of_day(
    rng: np.random.Generator,
    st: State,
    day: int,
    lift: np.ndarray | None = None,
    cure_hazard: np.ndarray = CURE_HAZARD,
) -> DayMoney:
    """Promised payments due today and spontaneous ones (self-cure, raised after contact).

    `lift` (per account, >= 0) replaces the default effect of contact — a hazard x (1 +
    CONTACT_LIFT) for LIFT_DAYS after a right-party contact — and `cure_hazard` the daily
    self-cure hazard by dpd band: the simulator passes its own (`arrears.simulation`)."""
    n = st.status.size
    late = (st.due_day >= 0) & (st.overdue > 0)
    dpd = st.dpd(day)
    b = band(dpd)
    promised = late & (st.sched_day == day)
    st.sched_day[st.sched_day == day] = -1
    if lift is None:
        lift = CONTACT_LIFT * ((day - st.last_rpc) <= LIFT_DAYS)
    hazard = cure_hazard[b] * st.propensity * _PAY_BY_STATUS[st.status] * (1.0 + lift)
    spont = late & ~promised & (rng.random(n) < hazard)
    full = rng.random(n) < FULL_SHARE[b]
    part = st.overdue * rng.uniform(0.2, 0.8, n)
    amount = np.where(promised, np.minimum(st.sched_amount, st.overdue), 0.0)
    amount = np.where(spont, np.where(full, st.overdue, part), amount)
    amount = np.maximum(_cents(amount), 0.01)
    who = np.flatnonzero(promised | spont)
    amount = _whole(np.minimum(amount[who], st.overdue[who]), st.overdue[who])
    pay(st, who, amount)
    return DayMoney(who, _within_day(rng, day, who.size), amount)


@dataclass
class DayPromises:
    account: np.ndarray
    made_at: np.ndarray
    due_day: np.ndarray
    amount: np.ndarray


def promises_of_day(
    rng: np.random.Generator,
    st: State,
    day: int,
    attempts: DayAttempts,
    promise_p: np.ndarray | None = None,
) -> DayPromises:
    """Right-party contacts of the day: lift the hazard from tomorrow; some end in a promise
    (due 1-7 days later), kept in full on a later day, or broken with a part or nothing.
    `promise_p` (per attempt) is the chance a right-party contact ends in a promise
    (PROMISE_AFTER_RPC when not given); an account's first contact of the day counts."""
    rpc = np.flatnonzero(attempts.outcome == _O["rpc"])
    acc, at = attempts.account[rpc], attempts.at[rpc]
    p = np.full(rpc.size, PROMISE_AFTER_RPC) if promise_p is None else promise_p[rpc]
    order = np.lexsort((at, acc))
    acc, at, p = acc[order], at[order], p[order]
    first = np.r_[True, acc[1:] != acc[:-1]] if acc.size else np.zeros(0, dtype=bool)
    acc, at, p = acc[first], at[first], p[first]
    st.last_rpc[acc] = day
    b = band(st.dpd(day)[acc])
    ok = (st.due_day[acc] >= 0) & (st.overdue[acc] > 0) & (st.promise_due[acc] < day)
    ok &= np.isin(st.status[acc], [_S["active"], _S["written_off"]])
    ok &= rng.random(acc.size) < p
    acc, at, b = acc[ok], at[ok], b[ok]
    k = acc.size
    due = day + rng.integers(1, 8, k)
    owed = st.overdue[acc]
    amount = _cents(np.where(rng.random(k) < 0.6, owed, owed * rng.uniform(0.3, 0.9, k)))
    amount = np.maximum(amount, np.minimum(owed, 1.0))
    keep = rng.random(k) < np.clip(KEEP_BASE[b] * st.propensity[acc] ** 0.3, 0.05, 0.95)
    part = ~keep & (rng.random(k) < BROKEN_PART)
    pay_day = day + 1 + (rng.random(k) * (due - day)).astype(np.int64)
    st.promise_due[acc] = due
    st.sched_day[acc] = np.where(keep | part, pay_day, -1)
    st.sched_amount[acc] = np.where(keep, amount, _cents(amount * rng.uniform(0.2, 0.7, k)))
    made = np.minimum(at + rng.integers(60, 600, k) * US_PER_SECOND, (day + 1) * US_PER_DAY - 1)
    return DayPromises(acc, made, due, amount)
