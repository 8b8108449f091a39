"""Several call lists worked side by side on one clock (`workday.work_lists`): each lead's own
answer chance, a time to dial by, and one ledger of the day that every floor's guard reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from arrears.compliance.predial import PreDial
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.dialing.campaign import ATTEMPT_SCHEMA, CampaignSettings
from arrears.dialing.workday import Floor, Shift, work_lists
from arrears.generate.portfolio import generate_portfolio

AS_OF = date(2026, 11, 30)
SLOT = datetime(2026, 12, 1, 10, tzinfo=UTC)  # a Tuesday, 10:00 in London


@pytest.fixture(scope="module")
def book() -> tuple[PreDial, pl.DataFrame]:
    tables = generate_portfolio(accounts=400, seed=3, country="GB", as_of=AS_OF)
    presets = presets_for(["GB"], {})
    state = PreDial.of(tables, presets, strictest_reach(presets))
    active = (
        tables["accounts"].filter(pl.col("status") == "active").select("account_id", "customer_id")
    )
    phones = (
        tables["contacts"]
        .filter((pl.col("kind") == "phone") & (pl.col("role") == "debtor"))
        .join(active, on="customer_id")
        .unique("customer_id", keep="first", maintain_order=True)
        .head(120)
    )
    calls = phones.select(
        pl.format("A{}", pl.int_range(pl.len())).alias("action_id"),
        "account_id",
        "contact_id",
        pl.lit("human_call").alias("channel"),
        pl.lit(SLOT).alias("slot_start"),
        pl.lit(SLOT + timedelta(hours=1)).alias("slot_end"),
        pl.int_range(pl.len()).alias("position"),
    )
    return state, calls


def _work(state: PreDial, shifts: list[Shift], fixed: pl.DataFrame | None = None):  # type: ignore[no-untyped-def]
    rngs = [np.random.default_rng(i) for i in range(len(shifts))]
    return work_lists(state, shifts, rngs, CampaignSettings(max_attempts=1), fixed)


def test_each_lead_brings_its_own_chance_of_a_live_answer(
    book: tuple[PreDial, pl.DataFrame],
) -> None:
    state, calls = book
    p = (pl.int_range(pl.len()) % 2 == 0).cast(pl.Float64)
    leads = calls.with_columns(p.alias("p_live"))
    (worked,) = _work(state, [Shift("team", leads, "progressive", Floor(agents=4))])
    dials = worked.campaign.dials
    assert len(dials) > 50
    for index, result, _, _ in dials:
        live = worked.campaign.rows[index]["p_live"] == 1.0
        assert (result in ("connected", "abandoned")) == live, (index, result)
    assert worked.result.live == sum(1 for i, *_ in dials if worked.campaign.rows[i]["p_live"])


def test_a_lead_is_not_dialled_after_its_dial_by(book: tuple[PreDial, pl.DataFrame]) -> None:
    state, calls = book
    leads = calls.with_columns(
        pl.lit(1.0).alias("p_live"), (pl.col("slot_start") + timedelta(minutes=10)).alias("dial_by")
    )
    (worked,) = _work(state, [Shift("team", leads, "progressive", Floor(agents=1))])
    c = worked.campaign
    assert c.expired > 0  # one agent talking 150 s a call gets through a few in 10 minutes
    assert c.never_dialled() >= c.expired
    assert all(placed_at < 600.0 for _, _, placed_at, _ in c.dials)


def test_every_floor_reads_the_days_ledger_and_an_abandoned_call_rests_the_number(
    book: tuple[PreDial, pl.DataFrame],
) -> None:
    """An abandoned call an hour before, on the day's shared ledger: GB's 72-hour rest keeps a
    predictive dialer off the number; a progressive one (an agent held for the call) may dial."""
    state, calls = book
    first = calls.head(1)
    abandoned = pl.DataFrame(
        {
            "attempt_id": ["x"],
            "account_id": first["account_id"],
            "contact_id": first["contact_id"],
            "channel": ["human_call"],
            "at": [SLOT - timedelta(hours=1)],
            "outcome": ["abandoned"],
            "agent_id": [None],
        },
        schema=ATTEMPT_SCHEMA,
    )
    leads = calls.head(20).with_columns(pl.lit(0.0).alias("p_live"))
    for mode, rested in (("predictive", True), ("progressive", False)):
        (worked,) = _work(state, [Shift("team", leads, mode, Floor(agents=2))], abandoned)
        refusals = worked.campaign.refusals_frame()
        rules = set(refusals.filter(pl.col("action_id") == "A0").get_column("rule").to_list())
        dialled = {worked.campaign.rows[i]["action_id"] for i, *_ in worked.campaign.dials}
        assert ("GB-ABANDONED-72H" in rules) == rested, (mode, rules)
        assert ("A0" in dialled) == (not rested), mode
        assert len(dialled) >= 15  # the others are dialled


def test_two_floors_on_one_clock_never_call_one_customer_at_once(
    book: tuple[PreDial, pl.DataFrame],
) -> None:
    """The same customers on two floors: the shared ledger keeps each customer to one call at
    a time, so their dials on the two floors are apart by at least the shorter call's end."""
    state, calls = book
    leads = calls.head(40).with_columns(pl.lit(1.0).alias("p_live"))
    robot = leads.with_columns(
        pl.lit("robot_call").alias("channel"), pl.format("R{}", "action_id").alias("action_id")
    )
    team, bot = _work(
        state,
        [
            Shift("team", leads, "progressive", Floor(agents=3)),
            Shift("robot", robot, "robot", Floor(agents=0, lines=10)),
        ],
    )
    assert team.campaign.dials and bot.campaign.dials
    shared = team.campaign.shared
    assert shared is not None and shared is bot.campaign.shared
    assert len(shared.attempts) == len(team.campaign.dials) + len(bot.campaign.dials)
    assert shared.checks > 0 and team.campaign.checks == bot.campaign.checks == 0  # together
    calls_of: dict[str, list[float]] = {}
    for w in (team, bot):
        for index, _, placed_at, _ in w.campaign.dials:
            calls_of.setdefault(w.campaign.rows[index]["customer_id"], []).append(placed_at)
    both = [sorted(t) for t in calls_of.values() if len(t) == 2]
    assert both
    # a live call lasts at least the answer delay plus a robot or agent conversation
    assert all(b - a > 5.0 for a, b in both), both
