"""The world model against its calibration targets (`simulation/knobs.py`)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from arrears.contract.tables import CHANNELS, OUTCOMES, STATUSES
from arrears.generate.dynamics import age, band, fall_due, payments_of_day
from arrears.simulation.crn import stream
from arrears.simulation.day import simulate_day
from arrears.simulation.knobs import Knobs
from arrears.simulation.run import simulate
from arrears.simulation.world import start_world
from arrears.strategy.model import Strategy

from .conftest import START

ACTIVE = STATUSES.index("active")


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_self_cure_follows_the_configured_hazard_by_dpd_band(scale: float) -> None:
    """With no contact, an overdue account pays on a day with the knob's hazard for its dpd
    band times its own propensity: observed payers match the expected count in every band."""
    knobs = Knobs(cure_hazard=tuple(min(1.0, h * scale) for h in Knobs().cure_hazard))
    world = start_world(accounts=20_000, seed=17, country="CN", start=START, knobs=knobs)
    st, n = world.state, world.state.status.size
    bands = len(knobs.cure_hazard)
    expected, variance, observed = np.zeros(bands), np.zeros(bands), np.zeros(bands)
    for day in range(world.day, world.day + 20):
        fall_due(stream(world.seed, day, "fall_due"), st, day)
        age(stream(world.seed, day, "age"), st, day)
        b = band(st.dpd(day))
        at_risk = (st.due_day >= 0) & (st.overdue > 0) & (st.sched_day != day)
        at_risk &= st.status == ACTIVE
        p = np.minimum(knobs.cure_table()[b] * st.propensity, 1.0)
        paid = payments_of_day(
            stream(world.seed, day, "payments"), st, day, lift=np.zeros(n),
            cure_hazard=knobs.cure_table(),
        )  # fmt: skip
        payer = np.zeros(n, dtype=bool)
        payer[paid.account] = True
        for k in range(bands):
            mask = at_risk & (b == k)
            expected[k] += p[mask].sum()
            variance[k] += (p[mask] * (1 - p[mask])).sum()
            observed[k] += (payer & mask).sum()
    for k in range(bands):
        assert variance[k] > 5, k  # every band has accounts at risk
        z = (observed[k] - expected[k]) / np.sqrt(variance[k])
        assert abs(z) < 4.5, (k, observed[k], expected[k])


def test_roll_rates_with_no_contact_match_their_targets(no_contact: Strategy) -> None:
    knobs = Knobs()
    sim = simulate(
        [("none", no_contact)], accounts=20_000, days=30, seed=23, start=START, verify=False
    )
    buckets = sim.arms[0].buckets
    assert buckets is not None
    rates = dict(buckets.select("bucket", "roll_rate").iter_rows())
    for bucket, target in knobs.roll_targets.items():
        assert abs(rates[bucket] - target) < 0.05, (bucket, rates[bucket], target)
    # Early accounts are many and easy, late ones few and hard: recovery falls with the
    # bucket and the roll rate rises.
    assert rates["M1"] < rates["M3"] < rates["M6"]
    recovery = buckets.filter(pl.col("bucket") != "M0").get_column("recovery_rate").to_list()
    assert recovery[0] > 2 * recovery[-1]


def test_an_agent_reaches_the_debtor_on_10_to_40_percent_of_calls_by_hour(
    mixed_example: Strategy,
) -> None:
    world = start_world(accounts=20_000, seed=29, country="CN", start=START, knobs=Knobs())
    parts = []
    for _ in range(6):
        ex = simulate_day(world, mixed_example).executed
        parts.append(
            pl.DataFrame(
                {
                    "channel": ex.attempts.channel.astype(np.int64),
                    "rpc": ex.attempts.outcome == OUTCOMES.index("rpc"),
                    "hour": ex.local_hour,
                    "live_debtor": ex.debtor & ~world.sim.contacts.dead[ex.attempts.point],
                }
            )
        )
    calls = pl.concat(parts).filter(
        (pl.col("channel") == CHANNELS.index("human_call")) & pl.col("live_debtor")
    )
    by_hour = (
        calls.group_by("hour").agg(pl.len(), pl.col("rpc").mean()).filter(pl.col("len") >= 300)
    )
    assert by_hour.height >= 6
    for hour, count, rate in by_hour.iter_rows():
        assert 0.10 <= rate <= 0.40, (hour, count, rate)
    assert by_hour.get_column("rpc").max() > 1.5 * by_hour.get_column("rpc").min()  # hours differ
