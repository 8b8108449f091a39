"""The one-question pre-dial path (`check_one`) answers exactly as the batch check does: for
random portfolios, house policies and questions, each answer of `check_one` is the batch's
answer to the same question, row for row — on a fresh state and on a warm one."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.compliance.predial import PreDial, check, check_one, questions
from arrears.compliance.predial_one import OneCache
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.contract.load import load_portfolio
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.strategy.load import load_strategy
from builders import PortfolioBuilder
from property_portfolios import RUN_DATES, portfolios, predial_state

MIXED = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"
HOME = {"CN": "Asia/Shanghai", "US": "America/Chicago", "GB": "Europe/London"}
HOUSE = st.fixed_dictionaries(
    {
        "hours": st.sampled_from([None, ("09:00", "20:00")]),
        "pause": st.sampled_from([None, ("12:00", "13:30")]),
        "holidays": st.booleans(),
        "rest": st.booleans(),
        "cap": st.booleans(),
    }
)


def strategy_text(house: dict) -> str:
    lines = ["house:"]
    if house["hours"]:
        lines.append(f'  contact_hours: ["{house["hours"][0]}", "{house["hours"][1]}"]')
    calendar = []
    if house["pause"]:
        calendar.append(f'pauses: [["{house["pause"][0]}", "{house["pause"][1]}"]]')
    if house["holidays"]:
        calendar.append("no_contact_on: [holidays, sundays]")
    if calendar:
        lines.append(f"  calendar: {{{', '.join(calendar)}}}")
    if house["rest"]:
        lines.append(
            "  rests: [{id: HOUSE-2H, channels: voice, after: [no_answer, machine], hours: 2,"
            " waived_by: agent_reserved}]"
        )
    if house["cap"]:  # easily reached: the caps' counts decide many answers
        lines.append(
            "  caps: [{id: HOUSE-2-A-DAY, scope: debtor, channels: all, counts: attempts,"
            " days: 1, max: 2}]"
        )
    return "\n".join(
        [
            "name: predial-one",
            "version: 1",
            "jurisdiction: [CN, US, GB]",
            "buckets: {M1: [1, 30]}",
            "segments: [{id: S, steps: []}]",
            *(lines if len(lines) > 1 else []),
        ]
    )


def one_by_one(state: PreDial, rows: list[dict]) -> list[list[dict]]:
    """`check_one` of each question, its answers as dicts without the question number."""
    return [check_one(state, **row).drop("question").to_dicts() for row in rows]


def batch(state: PreDial, rows: list[dict]) -> list[list[dict]]:
    """The batch check of all the questions at once, split back by question."""
    answers = check(state, questions(rows))
    return [
        answers.filter(pl.col("question") == i).drop("question").to_dicts()
        for i in range(len(rows))
    ]


ASKED = st.lists(
    st.tuples(
        st.integers(0, 19),  # whose point: by index, modulo the people; 19 an unknown point
        st.sampled_from(["P", "P", "Pb", "E", "E", "M"]),  # phone, second phone, emergency, mail
        st.sampled_from(["human_call", "human_call", "human_call", "robot_call", "sms", "email"]),
        st.integers(-4, 0),  # the local day, from four days before the run date (among the
        st.one_of(  # ledger's recent events) to the run date; its minute, mostly in the hours
            st.integers(0, 24 * 60 - 1),
            st.integers(9 * 60, 20 * 60),
            st.integers(12 * 60, 13 * 60 + 29),  # the house's lunch pause
        ),
        st.sampled_from([None, None, None, "own", "second", "other"]),  # the account named
        st.booleans(),  # agent_reserved
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=portfolios(actives=40, most=4),
    run_date=RUN_DATES,
    house=HOUSE,
    asked=ASKED,
    warm=st.booleans(),
)
def test_check_one_answers_as_the_batch_does(people, run_date, house, asked, warm):
    people = list(people)
    state = predial_state(people, run_date, strategy_text(house))
    if warm:
        state = state.warm()
    rows = []
    for who, kind, channel, day, minute, named, reserved in asked:
        p = people[who % len(people)] if who < 19 else None
        n = p["n"] if p else 99_999
        zone = ZoneInfo((p and (p["timezone"] or HOME[p["country"]])) or "UTC")
        local = datetime(run_date.year, run_date.month, run_date.day, tzinfo=zone)
        at = local + timedelta(days=day, minutes=minute)
        account = {"own": f"A{n:05d}", "second": f"A{n:05d}x", "other": "A99999"}.get(named or "")
        rows.append(
            {
                "contact_id": f"{kind[0]}{n:05d}{kind[1:]}",
                "at": at.astimezone(UTC),
                "channel": channel,
                "account_id": account,
                "agent_reserved": reserved,
            }
        )
    assert one_by_one(state, rows) == batch(state, rows)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> PreDial:
    """A generated mixed portfolio (CN, US with its states, GB) under the mixed example's
    house policy: calendars, a lunch pause, caps and rests on top of the presets."""
    data = tmp_path_factory.mktemp("predial_one") / "data"
    as_of = date(2026, 11, 30)
    write_portfolio(
        generate_portfolio(accounts=800, seed=3, country="mixed", as_of=as_of), data, fmt="parquet"
    )
    strategy = load_strategy(MIXED)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    return PreDial.of(load_portfolio(data).tables, presets, strictest_reach(presets))


@pytest.mark.parametrize("warm", [False, True])
def test_check_one_on_a_generated_portfolio_answers_as_the_batch(mixed: PreDial, warm: bool):
    state = replace(mixed, one=OneCache())  # the fixture's state, with its own caches
    if warm:
        state = state.warm()
    rng = random.Random(11)
    contacts = state.points.get_column("contact_id").to_list()
    day = datetime(2026, 11, 30, tzinfo=UTC)
    rows = [
        {
            "contact_id": rng.choice(contacts),
            "at": day + timedelta(seconds=rng.randrange(-86_400, 3 * 86_400)),
            "channel": rng.choice(["human_call", "robot_call", "sms", "email", "ivr"]),
            "agent_reserved": rng.random() < 0.3,
        }
        for _ in range(150)
    ]
    ones, batched = one_by_one(state, rows), batch(state, rows)
    assert ones == batched
    refused = {a["rule"] for answers in ones for a in answers}
    assert {"QUIET-HOURS", None} <= refused  # both sides of the check were exercised


def test_a_contact_id_on_two_rows_is_answered_as_the_batch_answers_it(tmp_path: Path):
    """Not a valid portfolio (the loader rejects it), but a state can be built from any
    tables: the one-question path hands such a question to the batch check."""
    data = PortfolioBuilder().debtor(1, dpd=5, country="CN").write(tmp_path / "data")
    tables = dict(load_portfolio(data).tables)
    contacts = tables["contacts"]
    tables["contacts"] = pl.concat([contacts, contacts.head(1)])
    presets = presets_for(["CN", "US", "GB"], {})
    state = PreDial.of(tables, presets, strictest_reach(presets))
    contact = contacts.get_column("contact_id")[0]
    rows = [{"contact_id": contact, "at": datetime(2026, 11, 30, 14, tzinfo=UTC)}]
    assert one_by_one(state, rows) == batch(state, rows)
    assert len(one_by_one(state, rows)[0]) >= 2  # the batch's join: one answer per row
