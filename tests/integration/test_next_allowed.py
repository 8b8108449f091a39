"""The next allowed time of a refusal is the first instant every rule allows, whichever rule
is named: golden cases where the named rule's own end falls inside another rule's refusal
(a cap's end inside a rest, a rest's end in a pause or on closed days, quiet hours hiding a
cap). The US case of Regulation F (`US-7IN7`, then `US-COOL-OFF`) is in
test_reg_f_examples.py."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from builders import PortfolioBuilder
from integration.test_first_compliance_pass import plan, rows
from integration.test_predial import ask, state_of, us_debtor, utc

LONDON_PHONE = "+447911123456"


def local(text: str, zone: str) -> str:
    """A wall-clock time ("2026-12-23 20:30") in `zone` as UTC text."""
    at = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
    return utc(at.isoformat()).strftime("%Y-%m-%dT%H:%M:%SZ")


def london(text: str) -> str:
    return local(text, "Europe/London")


def shanghai(text: str) -> str:
    return local(text, "Asia/Shanghai")


def new_york(text: str) -> str:
    return local(text, "America/New_York")


def gb_debtor() -> PortfolioBuilder:
    return PortfolioBuilder().debtor(
        1, dpd=5, country="GB", timezone="Europe/London", phone=LONDON_PHONE
    )


DAYS = ", ".join(str(d) for d in range(1, 91))
GB_CALLS = f"""
name: next-allowed-gb
version: 1
jurisdiction: [GB]
buckets:
  M1: [1, 90]
segments:
  - id: S
    steps:
      - {{id: call, days: [{DAYS}], channel: human_call, team: x}}
house:
  calendar: {{no_contact_on: [rest_days]}}
"""


def calls(b: PortfolioBuilder, at: list[str], outcome: str = "no_answer") -> None:
    for instant in at:
        b.attempt(f"T{len(b.tables.get('attempts', []))}", instant, outcome)


def test_gb_a_daily_cap_ending_inside_an_abandoned_call_rest_that_ends_on_closed_days(
    tmp_path: Path,
):
    """Three calls on Wed 23 December 2026, the last abandoned at 20:30. Asked at 20:45,
    `GB-CALLS-DAY` refuses and would end at Thursday's 08:00, but the 72-hour rest of the
    abandoned call lasts until Sat 26 December 20:30; under `rest_days` the 26th and 27th are
    a weekend and the 25th and 28th bank holidays: the next allowed time is the window start
    of the next open day, Tue 29 December 08:00. An agent reserved for the call waives the
    rest: then Thursday 08:00."""
    b = gb_debtor()
    calls(b, [london("2026-12-23 09:00"), london("2026-12-23 11:00")])
    calls(b, [london("2026-12-23 20:30")], outcome="abandoned")
    state = state_of(tmp_path, b, house={"calendar": {"no_contact_on": ["rest_days"]}})
    answer = ask(state, at=london("2026-12-23 20:45"))
    assert answer["rule"] == "GB-CALLS-DAY"
    assert answer["next_allowed_at"] == utc(london("2026-12-29 08:00"))
    assert answer["detail"].endswith("; also refused by GB-ABANDONED-72H")
    assert ask(state, at=london("2026-12-29 08:00"))["allowed"]
    assert not ask(state, at=london("2026-12-29 07:59"))["allowed"]
    reserved = ask(state, at=london("2026-12-23 20:45"), agent_reserved=True)
    assert reserved["rule"] == "GB-CALLS-DAY"
    assert reserved["next_allowed_at"] == utc(london("2026-12-24 08:00"))
    assert ask(state, at=london("2026-12-24 08:00"), agent_reserved=True)["allowed"]
    # The plan of the 23rd, made once the calls are in the ledger: the same time (the
    # ledger's events of the run date are asked about again at the candidate).
    result = plan(tmp_path / "plan", b, GB_CALLS, date(2026, 12, 23)).result
    (blocked,) = rows(result.blocked, "A00001", "call")
    assert blocked["rule"] == "GB-CALLS-DAY"
    assert blocked["next_allowed_at"] == utc(london("2026-12-29 08:00"))


def test_gb_quiet_hours_hiding_a_weekly_cap_and_a_rest_that_ends_inside_its_span(
    tmp_path: Path,
):
    """Ten calls from Mon 14 to Thu 17 December, the last one reaching an answering machine
    at 19:00 (a 24-hour rest, until Friday 19:00). Asked on Thursday at 22:00, quiet hours
    refuse first; on Friday morning `GB-CALLS-7D` still counts ten calls, until Monday 21,
    when the call of the 14th leaves its span. The rest ends inside the cap's span and
    changes nothing: next allowed Mon 21 December 08:00."""
    b = gb_debtor()
    calls(b, [london("2026-12-14 10:00")])
    for day in (15, 16, 17):
        calls(b, [london(f"2026-12-{day} {hour}:00") for hour in (10, 12)])
    calls(b, [london("2026-12-15 18:00"), london("2026-12-16 18:00")])
    calls(b, [london("2026-12-17 19:00")], outcome="machine")
    state = state_of(tmp_path, b)
    answer = ask(state, at=london("2026-12-17 22:00"))
    assert answer["rule"] == "QUIET-HOURS"
    assert answer["next_allowed_at"] == utc(london("2026-12-21 08:00"))
    friday = ask(state, at=london("2026-12-18 08:00"))
    assert friday["rule"] == "GB-CALLS-7D"
    assert friday["next_allowed_at"] == utc(london("2026-12-21 08:00"))
    assert ask(state, at=london("2026-12-21 08:00"))["allowed"]


def test_cn_a_conversation_cap_ending_in_quiet_hours_then_a_rest_ending_in_the_lunch_pause(
    tmp_path: Path,
):
    """Three conversations on Tue 10 November 2026, the last at 20:30 Shanghai time.
    Asked at 20:40, `CN-3-CONVERSATIONS` refuses until the next morning's window, 08:00. The
    house rests the number 15 h 45 after a conversation, until 12:15, which is inside the
    house's lunch pause (12:00-13:30): next allowed Wed 11 November 13:30."""
    b = PortfolioBuilder().debtor(1, dpd=5)
    talks = [shanghai("2026-11-10 10:00"), shanghai("2026-11-10 15:00")]
    calls(b, [*talks, shanghai("2026-11-10 20:30")], outcome="rpc")
    house = {
        "calendar": {"pauses": [["12:00", "13:30"]]},
        "rests": [
            {"id": "HOUSE-AFTER-TALK", "channels": "voice", "after": ["rpc"], "hours": 15.75}
        ],
    }
    state = state_of(tmp_path, b, house=house)
    answer = ask(state, at=shanghai("2026-11-10 20:40"))
    assert answer["rule"] == "CN-3-CONVERSATIONS"
    assert answer["next_allowed_at"] == utc(shanghai("2026-11-11 13:30"))
    morning = ask(state, at=shanghai("2026-11-11 08:00"))
    assert morning["rule"] == "HOUSE-AFTER-TALK"
    assert morning["next_allowed_at"] == utc(shanghai("2026-11-11 13:30"))
    assert ask(state, at=shanghai("2026-11-11 13:29"))["rule"] == "PAUSE"
    assert ask(state, at=shanghai("2026-11-11 13:30"))["allowed"]


PRESSURE = """
name: next-allowed
version: 1
jurisdiction: [US]
buckets:
  M1: [1, 90]
segments:
  - id: S
    steps:
      - {id: call, days: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], channel: human_call, team: x}
      - {id: press, days: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], channel: human_call, team: x,
         tone: pressure}
"""


def test_the_plan_counts_the_call_it_planned_today_towards_the_next_time(tmp_path: Path):
    """The plan of Sat 14 November 2026: six unanswered calls since Tuesday, a promise to
    pay due today. The plain call is planned (the seventh in seven days); the pressure call
    waits for the promise to fall due (`PROMISE-OPEN`, the day after: Sunday). But the call
    planned today makes it the eighth in `US-7IN7`'s span too, until Tuesday's calls leave
    it: next allowed Tue 17 November 08:00 New York, not Sunday."""
    b = us_debtor(timezone="America/New_York", run_date=date(2026, 11, 14))
    week = ["2026-11-10 10:00", "2026-11-10 15:00", "2026-11-11 10:00", "2026-11-11 15:00"]
    calls(b, [new_york(at) for at in [*week, "2026-11-12 10:00", "2026-11-13 10:00"]])
    b.add(
        "promises",
        promise_id="PR1",
        account_id="A00001",
        made_at=new_york("2026-11-12 10:00"),
        due_date="2026-11-14",
        amount=50.0,
    )
    result = plan(tmp_path, b, PRESSURE, date(2026, 11, 14)).result
    assert rows(result.actions, "A00001", "call")
    (press,) = rows(result.blocked, "A00001", "press")
    assert press["rule"] == "PROMISE-OPEN"
    assert press["next_allowed_at"] == utc(new_york("2026-11-17 08:00"))
    assert press["detail"].endswith("; also refused by US-7IN7")
