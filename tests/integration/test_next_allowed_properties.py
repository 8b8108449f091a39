"""Property: a refusal's next allowed time is the first instant every rule allows. Whatever
the ledger, zones, day, house policy (hours, lunch pause, closed days, an extra rest and cap)
and question, asking the same question again at `next_allowed_at` is allowed, and a minute
before it (when that is not before the first question) is refused. The plan's blocked
contacts, asked at their `next_allowed_at`, are allowed too."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.compliance.predial import PreDial, check, questions
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.planning.run import run_plan
from arrears.strategy.load import load_strategy_text
from integration.test_plan_properties import STRATEGY
from integration.test_predial_one import HOME, HOUSE, strategy_text
from property_portfolios import RUN_DATES, build, portfolios, predial_state

ASKED = st.lists(
    st.tuples(
        st.integers(0, 3),  # whose point, by index modulo the people
        st.sampled_from(["P", "P", "Pb", "E"]),  # phone, second phone, emergency contact
        st.sampled_from(["human_call", "human_call", "robot_call", "sms"]),
        st.integers(-4, 0),  # the local day, among the ledger's recent events
        st.one_of(st.integers(0, 24 * 60 - 1), st.integers(8 * 60, 21 * 60)),  # its minute
        st.booleans(),  # agent_reserved
    ),
    min_size=1,
    max_size=8,
)


PLAN_STRATEGY = (
    STRATEGY
    + """house:
  calendar: {no_contact_on: [sundays]}
  caps: [{id: HOUSE-2-A-DAY, scope: debtor, channels: all, counts: attempts, days: 1, max: 2},
         {id: HOUSE-4-A-WEEK, scope: customer, channels: voice, counts: attempts, days: 7, max: 4}]
  rests: [{id: HOUSE-30H, channels: voice, after: [no_answer, machine], hours: 30}]
"""
)
"""The property plan's strategy, with closed Sundays and house caps and a rest that refuse
many of its contacts for a while."""


def again(answers: list[dict], shift: timedelta) -> list[dict]:
    """The questions of `answers` (each about its one account) asked at next + `shift`."""
    return [
        {
            "contact_id": a["contact_id"],
            "at": a["next_allowed_at"] + shift,
            "channel": a["channel"],
            "account_id": a["account_id"],
            "agent_reserved": a["agent_reserved"],
        }
        for a in answers
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=portfolios(actives=40, most=4), run_date=RUN_DATES, house=HOUSE, asked=ASKED)
def test_a_refused_question_asked_again_at_its_next_allowed_time_is_allowed(
    people, run_date, house, asked
):
    people = list(people)
    state = predial_state(people, run_date, strategy_text(house))
    rows = []
    for who, kind, channel, day, minute, reserved in asked:
        p = people[who % len(people)]
        zone = ZoneInfo(p["timezone"] or HOME[p["country"]])
        local = datetime(run_date.year, run_date.month, run_date.day, tzinfo=zone)
        at = local + timedelta(days=day, minutes=minute)
        rows.append(
            {
                "contact_id": f"{kind[0]}{p['n']:05d}{kind[1:]}",
                "at": at.astimezone(UTC),
                "channel": channel,
                "agent_reserved": reserved,
            }
        )
    answers = check(state, questions(rows)).to_dicts()
    reserved = [rows[a["question"]]["agent_reserved"] for a in answers]
    timed = [
        {**a, "agent_reserved": r}
        for a, r in zip(answers, reserved, strict=True)
        if not a["allowed"] and a["next_allowed_at"] is not None
    ]
    if not timed:
        return
    at_next = check(state, questions(again(timed, timedelta(0)))).to_dicts()
    for first, then in zip(timed, at_next, strict=True):
        assert then["allowed"], (first, then)
    minute = timedelta(minutes=1)
    earlier = [a for a in timed if a["next_allowed_at"] - minute >= a["at"]]
    if earlier:
        before = check(state, questions(again(earlier, -minute))).to_dicts()
        for first, then in zip(earlier, before, strict=True):
            assert not then["allowed"], (first, then)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=portfolios(), run_date=RUN_DATES)
def test_a_blocked_planned_contact_is_allowed_at_its_next_allowed_time(people, run_date):
    """The plan's blocked rows: asked at `next_allowed_at` as a pre-dial question (which does
    not count the contacts planned that day, nor judge a step's words), each is allowed."""
    people = list(people)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "s.yaml").write_text(PLAN_STRATEGY, encoding="utf-8")
        data = build(people, run_date).write(root / "data")
        outcome = run_plan(
            data=data, strategy_path=root / "s.yaml", run_date=run_date, out=root / "run"
        )
    assert outcome.result is not None and outcome.portfolio is not None
    strategy = load_strategy_text(PLAN_STRATEGY)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    state = PreDial.of(outcome.portfolio.tables, presets, strictest_reach(presets))
    blocked = outcome.result.blocked.filter(
        pl.col("next_allowed_at").is_not_null() & pl.col("contact_id").is_not_null()
    ).to_dicts()
    if not blocked:
        return
    asked = [{**row, "agent_reserved": False} for row in blocked]
    answers = check(state, questions(again(asked, timedelta(0)))).to_dicts()
    for row, answer in zip(blocked, answers, strict=True):
        assert answer["allowed"], (row, answer)
