"""Ability to pay, apart from willingness: how much a simulated customer can pay.

`State.propensity` (`arrears.generate.dynamics`) is the customer's willingness: it drives the
daily payment hazard, whether a promise is meant to be kept, and (through the lift) the
response to contact. Ability is a second latent trait: the share of the overdue amount the
account can pay within a month (1: all of it). Each account draws one uniform rank when the
world starts (`World.ability_u`); its ability on a day is that rank's quantile in its dpd
band's distribution (`ability_of`): a share `ability_full` of the band can pay everything, the
others a Beta share with mean `ability_mean` and concentration `ability_concentration`. So an
account keeps its place among its peers while its ability falls as it ages.

`payments_of_day` and `promises_of_day` are `dynamics`' functions of the same names with the
amounts set by ability (the generator's own stay as they are, so `arrears generate` is
unchanged):

- a spontaneous payment (the hazard of willingness, raised by the lift of contact) pays the
  whole overdue amount when the account can (ability 1), else ability x overdue x U(0.5, 1):
  a part payment never exceeds what the account can pay;
- a promise meant to be kept (the generator's chance, by band and willingness) is kept in full
  when the amount is within ability x overdue; above it, in full with chance (can / promised)
  ** `ability_keep_power` (the customer borrows or stretches), else only for what the account
  can pay; a promise broken pays nothing or, with the generator's chance, a part, at most what
  the account can pay.

At `ability_full` = the generator's `FULL_SHARE` (the default) the share of spontaneous
payments made in full is the generator's in every band, so the no-contact world keeps the
roll rates of its calibration (tests/unit/simulation/test_world_calibration.py).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv

from arrears.contract.tables import OUTCOMES, STATUSES
from arrears.generate._common import US_PER_DAY, US_PER_SECOND
from arrears.generate.dynamics import (
    _PAY_BY_STATUS,
    BROKEN_PART,
    KEEP_BASE,
    DayAttempts,
    DayMoney,
    DayPromises,
    State,
    _cents,
    _whole,
    _within_day,
    band,
    pay,
)
from arrears.simulation.knobs import Knobs

_PROMISING = np.array([STATUSES.index("active"), STATUSES.index("written_off")])
_RPC = OUTCOMES.index("rpc")


def ability_of(k: Knobs, u: np.ndarray, dpd: np.ndarray) -> np.ndarray:
    """Per account (its rank `u` in [0, 1) and dpd): the share of the overdue amount it can pay
    within a month; 1 means all of it."""
    b = band(dpd)
    full = np.asarray(k.ability_full)[b]
    mean = np.asarray(k.ability_mean)[b]
    kappa = k.ability_concentration
    q = np.clip(u / np.maximum(1.0 - full, 1e-12), 0.0, 1.0)
    share = betaincinv(mean * kappa, (1.0 - mean) * kappa, q)
    return np.where(u >= 1.0 - full, 1.0, share)


def payments_of_day(
    rng: np.random.Generator,
    st: State,
    day: int,
    k: Knobs,
    ability_u: np.ndarray,
    lift: np.ndarray,
) -> DayMoney:
    """Promised payments due today and spontaneous ones (willingness), sized by ability."""
    n = st.status.size
    late = (st.due_day >= 0) & (st.overdue > 0)
    dpd = st.dpd(day)
    b = band(dpd)
    promised = late & (st.sched_day == day)
    st.sched_day[st.sched_day == day] = -1
    hazard = k.cure_table()[b] * st.propensity * _PAY_BY_STATUS[st.status] * (1.0 + lift)
    spont = late & ~promised & (rng.random(n) < hazard)
    who = np.flatnonzero(promised | spont)
    owed = st.overdue[who]
    can = ability_of(k, ability_u[who], dpd[who])
    part = owed * can * rng.uniform(0.5, 1.0, who.size)
    amount = np.where(
        promised[who], np.minimum(st.sched_amount[who], owed), np.where(can >= 1.0, owed, part)
    )
    amount = np.maximum(_cents(amount), 0.01)
    amount = _whole(np.minimum(amount, owed), owed)
    pay(st, who, amount)
    return DayMoney(who, _within_day(rng, day, who.size), amount)


def promises_of_day(
    rng: np.random.Generator,
    st: State,
    day: int,
    attempts: DayAttempts,
    promise_p: np.ndarray,
    k: Knobs,
    ability_u: np.ndarray,
) -> DayPromises:
    """Right-party contacts of the day end in promises (an account's first contact counts,
    with its chance `promise_p`); what each will pay is decided now, by willingness and
    ability (see the module)."""
    rpc = np.flatnonzero(attempts.outcome == _RPC)
    acc, at, p = attempts.account[rpc], attempts.at[rpc], promise_p[rpc]
    order = np.lexsort((at, acc))
    acc, at, p = acc[order], at[order], p[order]
    first = np.r_[True, acc[1:] != acc[:-1]] if acc.size else np.zeros(0, dtype=bool)
    acc, at, p = acc[first], at[first], p[first]
    st.last_rpc[acc] = day
    dpd = st.dpd(day)[acc]
    b = band(dpd)
    ok = (st.due_day[acc] >= 0) & (st.overdue[acc] > 0) & (st.promise_due[acc] < day)
    ok &= np.isin(st.status[acc], _PROMISING)
    ok &= rng.random(acc.size) < p
    acc, at, b, dpd = acc[ok], at[ok], b[ok], dpd[ok]
    n = acc.size
    due = day + rng.integers(1, 8, n)
    owed = st.overdue[acc]
    amount = _cents(np.where(rng.random(n) < 0.6, owed, owed * rng.uniform(0.3, 0.9, n)))
    amount = np.maximum(amount, np.minimum(owed, 1.0))
    can = _cents(np.maximum(ability_of(k, ability_u[acc], dpd) * owed, 0.01))
    willing = rng.random(n) < np.clip(KEEP_BASE[b] * st.propensity[acc] ** 0.3, 0.05, 0.95)
    within = amount <= can
    stretch = rng.random(n) < (np.minimum(can / amount, 1.0) ** k.ability_keep_power)
    in_full = willing & (within | stretch)
    broken_part = ~willing & (rng.random(n) < BROKEN_PART)
    paid = np.where(
        in_full,
        amount,
        np.where(willing, can, np.minimum(_cents(amount * rng.uniform(0.2, 0.7, n)), can)),
    )
    pay_day = day + 1 + (rng.random(n) * (due - day)).astype(np.int64)
    st.promise_due[acc] = due
    st.sched_day[acc] = np.where(willing | broken_part, pay_day, -1)
    st.sched_amount[acc] = paid
    made = np.minimum(at + rng.integers(60, 600, n) * US_PER_SECOND, (day + 1) * US_PER_DAY - 1)
    return DayPromises(acc, made, due, amount)
