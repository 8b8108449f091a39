"""Ability to pay, apart from willingness (`simulation/ability.py`): its distribution by dpd band,
promises above it broken more often, and part payments never above it."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

from arrears.contract.tables import OUTCOMES, STATUSES
from arrears.generate.dynamics import CURE_BANDS, DayAttempts, band
from arrears.simulation import ability
from arrears.simulation.knobs import KnobError, Knobs
from arrears.simulation.world import start_world

from .conftest import START

BAND_DPD = np.r_[CURE_BANDS, 365]  # a dpd in each band


def test_ability_follows_its_band_full_share_and_beta_mean() -> None:
    k = Knobs()
    u = np.random.default_rng(1).random(200_000)
    means = []
    for b, dpd in enumerate(BAND_DPD):
        assert band(np.array([dpd]))[0] == b
        a = ability.ability_of(k, u, np.full(u.size, dpd))
        assert ((a > 0) & (a <= 1)).all()
        full = a >= 1.0
        assert abs(full.mean() - k.ability_full[b]) < 0.01, b
        assert abs(a[~full].mean() - k.ability_mean[b]) < 0.01, b
        means.append(a.mean())
        # an account keeps its rank: a higher u never means less ability
        order = np.argsort(u)
        assert (np.diff(a[order]) >= -1e-12).all()
    assert all(x >= y - 1e-9 for x, y in itertools.pairwise(means))  # falls with the band
    assert means[0] > means[3] > means[5] > means[-1]


def test_bad_ability_knobs_are_named() -> None:
    with pytest.raises(KnobError, match="ability_mean"):
        Knobs(ability_mean=(0.5,) * 7 + (1.0,))
    with pytest.raises(KnobError, match="ability_full"):
        Knobs(ability_full=(0.5,) * 3)
    with pytest.raises(KnobError, match="ability: must be true or false"):
        Knobs(ability=1)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return start_world(accounts=20_000, seed=31, country="CN", start=START, knobs=Knobs())


def test_promises_above_ability_are_kept_in_full_less_often(world) -> None:  # type: ignore[no-untyped-def]
    """Every overdue active account promises after a right-party call: those that promised more
    than they can pay keep the promise in full much less often, and what they pay short of it
    is never more than they can."""
    k, st = world.knobs, copy.deepcopy(world.state)
    day = world.day
    late = np.flatnonzero(
        (st.due_day >= 0) & (st.overdue > 0) & (st.status == 0) & (st.promise_due < day)
    )
    n = late.size
    attempts = DayAttempts(
        late, np.full(n, day * 86_400_000_000 + 36_000_000_000), np.full(n, 3, np.int8),
        np.full(n, OUTCOMES.index("rpc"), np.int8), np.zeros(n, np.int64), st.dpd(day)[late],
    )  # fmt: skip
    owed = st.overdue[late].copy()
    can = np.maximum(ability.ability_of(k, world.ability_u[late], st.dpd(day)[late]) * owed, 0.01)
    made = ability.promises_of_day(
        np.random.default_rng(2), st, day, attempts, np.ones(n), k, world.ability_u
    )
    assert made.account.size == n and (made.account == late).all()
    paid, scheduled = st.sched_amount[late], st.sched_day[late] >= 0
    in_full = scheduled & (paid >= made.amount - 0.005)
    over = made.amount > np.round(can, 2) + 0.005
    assert over.sum() > 500 and (~over).sum() > 500
    p_over, p_within = in_full[over].mean(), in_full[~over].mean()
    se = np.sqrt(p_over * (1 - p_over) / over.sum() + p_within * (1 - p_within) / (~over).sum())
    assert p_within - p_over > 0.15 and (p_within - p_over) / se > 5, (p_over, p_within)
    short = scheduled & ~in_full
    assert (paid[short] <= np.round(can[short], 2) + 0.011).all()


def test_part_payments_are_never_above_what_the_account_can_pay(world) -> None:  # type: ignore[no-untyped-def]
    """With every overdue account paying today (hazard 1), those that cannot pay all pay at
    most ability x overdue; those that can pay all of it."""
    k = Knobs(cure_hazard=(1.0,) * 8)
    st = copy.deepcopy(world.state)
    day = world.day
    owed = st.overdue.copy()
    late = (st.due_day >= 0) & (st.overdue > 0) & (st.status == STATUSES.index("active"))
    can = ability.ability_of(k, world.ability_u, st.dpd(day))
    promised = st.sched_day == day  # these pay what they promised
    money = ability.payments_of_day(
        np.random.default_rng(3), st, day, k, world.ability_u, np.zeros(owed.size)
    )
    keep = ~promised[money.account]
    who, amount = money.account[keep], money.amount[keep]
    assert late[who].sum() > 1000
    whole = can[who] >= 1.0
    assert np.allclose(amount[whole], owed[who][whole])
    part = ~whole & (owed[who] - can[who] * owed[who] >= 1.0)  # (less than 1 left: paid up)
    assert part.sum() > 200
    assert (amount[part] <= can[who][part] * owed[who][part] + 0.006).all()
    assert (amount[part] >= 0.5 * can[who][part] * owed[who][part] - 0.006).all()
